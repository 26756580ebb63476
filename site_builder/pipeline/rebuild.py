"""The incremental engine: what changed since the build the state describes, and so which outputs to make again.

Every build is the same pipeline; this module is its memory. ``scan_changes`` finds the files
that changed; the load, compute and model stages turn them into changed *facts* (``deps``):
the fields of content files, entries' results, the model's derived facts. ``plan_outputs``
lists every output job of the site and makes again only the jobs that are new, that read a
changed fact (found through the state's index of reads), or whose files were changed by
hand. The state (``state``) then records what the made jobs read, for the next build.
A first build, or one after the state was lost, finds everything changed: it is a full build.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..content.load import load_changed
from ..content.sources import Content, structure
from ..errors import ContentError
from ..incremental.parts import PART, Part, part_prefix
from ..incremental.scan import Scan, scan
from ..incremental.state import BuildState, InputRow, OutputRow
from ..outputs.site import Site
from ..outputs.site_jobs import job_names, site_jobs
from ..render.jobs import Job

JOB_NAMES = "job_names"
"""``BuildState.kept``: every job of the site, as the last committed build listed them."""
CONTENT = "content"
"""``BuildState.kept``: the content of the last committed build, its files let go of (``serve`` keeps it)."""
COMPUTE = "compute:"
"""Prefix of the compute jobs' names in the state: one per entry, reading its file and its ``computed/`` code."""


@dataclass
class Changes:
    """What changed since the build the state describes: the files, and the facts they changed."""

    scan: Scan
    recorded: dict[str, InputRow]
    """The project's files as the last build read them."""
    published: dict[str, OutputRow] = field(default_factory=dict)
    """The files of the tree the state describes."""
    facts: dict[str, str | None] = field(default_factory=dict)
    """Each fact whose digest changed -> its digest now (None: gone)."""
    gone_jobs: set[str] = field(default_factory=set)
    """Jobs of the state that no longer exist (the computations of deleted entries)."""
    structural: bool = False
    """The site's structure may have changed: a file added or removed, an issue or entry moved, another day."""
    derived: dict[str, str] | None = None
    """The model's derived facts, when they were computed (the structure may have changed)."""
    model_key: list[object] = field(default_factory=list)
    """What the model was made for (the day, the options, the site settings it counts with)."""

    def compare(
        self, now: Mapping[str, str | None], before: Mapping[str, str | None], *, complete: bool = False
    ) -> None:
        """Note the facts of ``now`` whose digest differs from ``before``; ``complete``: those only in ``before`` are gone."""
        names = now.keys() | before.keys() if complete else now.keys()
        for name in names:
            if now.get(name) != before.get(name):
                self.facts[name] = now.get(name)


def scan_changes(
    root: Path, state: BuildState, published: dict[str, OutputRow], only: Collection[str] | None = None
) -> Changes:
    """Which files of the project changed since the last build; whole-file facts of templates and code.

    ``published``: the files of the output as published (as the state records them, or as read).
    ``only``: the files that may have changed since that build (None: any; see ``scan.scan``).
    """
    recorded = state.inputs()
    found = scan(root, {p: (r.stat, r.digest) for p, r in recorded.items()}, state.meta("recorded_ns", 0), only)
    changes = Changes(found, recorded, published)
    changes.structural = bool(found.gone) or any(path not in recorded for path in found.changed)
    for path in found.changed | found.gone:
        if not path.startswith("content/"):
            changes.facts[path] = found.digests.get(path)
    return changes


def load_project(root: Path, changes: Changes, state: BuildState) -> Content:
    """Load stage over what changed: every problem of the changed files (and across files) at once."""
    files = {p: changes.scan.data.get(p) for p in changes.scan.stats if p.startswith("content/")}
    recorded = {
        p: (r.digest, r.skeleton)
        for p, r in changes.recorded.items()
        if p.startswith("content/") and r.skeleton is not None
    }
    content, problems = load_changed(root, files, recorded, changes.scan.digests, state.kept.get(CONTENT))
    if problems or content is None:
        raise ContentError(problems)
    for path, facts in content.facts.items():
        changes.compare(facts, state.file_facts(path), complete=True)
        known = changes.recorded.get(path)
        if known is None or structure(known.skeleton) != structure(content.skeletons.get(path)):
            changes.structural = True  # an issue's date, parts or draft flag, an entry's title or group
    for path in changes.scan.gone:
        if path.startswith("content/"):
            changes.compare({}, state.file_facts(path), complete=True)
    return content


def entries_to_compute(content: Content, changes: Changes, state: BuildState) -> list:
    """Entries whose file changed, or whose ``computed/`` code did."""
    code = [fact for fact in changes.facts if fact.startswith("computed/")]
    stale = {name[len(COMPUTE) :] for name in state.readers(code) if name.startswith(COMPUTE)} if code else set()
    return [s for s in content.entries.values() if s.path in content.read or f"{s.kind.folder}/{s.id}" in stale]


@dataclass
class Plan:
    """Every output job of the site, and which of them this build makes."""

    site: Site
    names: list[str]
    """Every job of the site, in order."""
    dirty: list[Job]
    """The jobs to make, in order."""
    before: dict[str, tuple[str, ...]]
    """The paths the jobs to make (and the gone ones) wrote when last made."""
    gone: set[str]
    """Jobs of the published tree that this site no longer has."""
    parts: set[str] = field(default_factory=set)
    """The parts (``parts``) the jobs to make and the gone ones had when last made, and the stale ones of ``later``."""
    later: list[str] = field(default_factory=list)
    """Jobs to make that wait for the next build (``defer``); their files stay as published meanwhile."""


def plan_outputs(
    site: Site, changes: Changes, state: BuildState, intact: set[str], defer: tuple[str, ...] = ()
) -> Plan:
    """The jobs to make: new ones, those that read a changed fact, and those whose files are not as published.

    Unless the site's structure changed (an issue or entry added, removed or moved; another day), the
    jobs are the last build's: only the names of the jobs to make are resolved into jobs. The jobs
    to make are given their parts that read no changed fact. Jobs whose name starts with one of
    ``defer`` and that were made before wait for the next build (``serve`` shows a save before it
    indexes it for search); the state remembers them, so that build makes them whatever changed.
    """
    # The jobs of an unchanged structure are the last build's: a long-lived process (``serve``) kept their names.
    names = None if changes.structural else state.kept.get(JOB_NAMES)
    if names is None:
        names = job_names(site)
    readers = state.readers(changes.facts) if changes.facts else set()
    broken = {row.job for path, row in changes.published.items() if path not in intact}
    owed = set(state.meta("later", []))  # left for this build by the last one
    remake = readers | broken | owed
    gone: set[str] = set()
    if changes.structural:
        recorded = {name for name in state.job_names() if not name.startswith((COMPUTE, PART))}
        dirty = [name for name in names if name not in recorded or name in remake]
        gone = recorded - set(names)
    else:
        dirty = [name for name in names if name in remake]
    made_before = state.job_paths(name for name in dirty if name.startswith(defer)) if defer else {}
    later = [name for name in dirty if name in made_before]
    dirty = [name for name in dirty if name not in made_before]
    parts = state.parts(part_prefix(name) for name in dirty)
    site.parts.keep({name: Part(value, reads) for name, (value, reads) in parts.items() if name not in readers})
    dropped = {*state.parts(part_prefix(name) for name in gone)}
    dropped |= {name for name in state.parts(part_prefix(name) for name in later) if name in readers}
    before = state.job_paths([*dirty, *gone])
    return Plan(site, names, site_jobs(site, dirty), before, gone, {*parts, *dropped}, later)


def stale_paths(state: BuildState, published: Iterable[str], intact: set[str]) -> set[str]:
    """Paths where the previous tree may differ from ``output/``: changed by the last build, or by hand."""
    return set(state.meta("changed", [])) | {p for p in published if p not in intact}
