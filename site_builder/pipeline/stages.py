"""The stages of a build, each as the pipeline calls it: what it is given, what it hands on.

``build.run`` calls them in order. Each does only what the changes since the last build call
for (``rebuild``); the substance of each is in its own package (``content``, ``compute``, ``model``,
``outputs``, ``render``, ``check``, ``publish``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .. import progress
from ..check.links import PageLinks, check_links, check_site
from ..compute.computer import Computation, Computer
from ..content.load import entry_folder, source_texts
from ..content.sources import Content
from ..errors import Problem, TemplateError
from ..incremental.cache import Cache
from ..incremental.deps import digest
from ..incremental.fragments import Fragments
from ..incremental.state import BuildState, InputRow, LinkRow, OutputRow, StateUpdate
from ..model.schedule import Schedule, build_time, resolve_publication_day
from ..model.site_model import SiteModel, build_model
from ..outputs.email.edition import FormulaImages
from ..outputs.site import Site
from ..outputs.site_jobs import site_jobs
from ..publish.memory import MemoryOutput
from ..publish.publication import Publication
from ..render.jobs import Rendered, render_jobs
from ..render.templates import load_templates
from .options import BuildOptions
from .rebuild import COMPUTE, JOB_NAMES, Changes, Plan, entries_to_compute, load_project, plan_outputs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What a build published."""

    files: int
    """Number of files in the published site."""
    issues: int
    """Number of issues published."""
    as_of: dt.date
    """The publication day the build used."""
    computations: tuple[Computation, ...] = ()
    """Every computation that ran or came from the cache (``--explain``)."""
    rendered: tuple[str, ...] = ()
    """Outputs this build made; the others were unchanged and kept as published."""
    written: int = 0
    """Files written afresh (the others are the published files, kept)."""
    read: tuple[str, ...] = ()
    """Content files read and validated (the others were as the last build read them)."""
    later: tuple[str, ...] = ()
    """Outputs left for the next build to make (``run``'s ``defer``)."""
    model: SiteModel | None = field(default=None, compare=False, repr=False)


class Output(Protocol):
    """Where a build's files go: a ``publish.Publication`` beside an output folder, or memory."""

    shared: bool
    published: dict[str, str]

    def start(self, previous_tree: str | None, stale: set[str], folders: dict[str, int] | None = None) -> None: ...
    def put(self, path: str, data: bytes, digest: str) -> None: ...
    def seal(self, tree: str, gone: set[str], paths: Iterable[str], written: list[str]) -> dict[str, int]: ...
    def finish(self) -> None: ...
    def stats(self, paths: list[str]) -> dict[str, tuple[int, int, int]]: ...
    def keep_previous(self) -> None: ...
    def abort(self) -> None: ...


def load_stage(root: Path, changes: Changes, state: BuildState) -> Content:
    with progress.stage("load"):
        content = load_project(root, changes, state)
    issues, entries, files = len(content.issues), len(content.entries), len(content.read)
    log.info(
        "loaded %d issue%s and %d entr%s (%d file%s read)",
        *(
            issues,
            "" if issues == 1 else "s",
            entries,
            "y" if entries == 1 else "ies",
            files,
            "" if files == 1 else "s",
        ),
    )
    return content


def compute_stage(
    root: Path, content: Content, changes: Changes, state: BuildState, cache: Cache, *, every: bool = False
) -> Computer:
    """Compute the entries whose file or code changed (``every``: all); the others' results come from the cache when read."""
    computer = Computer(root, cache)
    todo = list(content.entries.values()) if every else entries_to_compute(content, changes, state)
    with progress.stage("compute", total=len(todo)):
        computer.compute(todo)
    now = {f"results:{key[0]}/{key[1]}": results.digest for key, results in computer.results.items()}
    changes.compare(now, state.facts(now))
    for path in changes.scan.gone:  # an entry deleted: its computations are gone with it
        kind = entry_folder(path)
        if kind is not None:
            key = f"{kind.folder}/{path.rsplit('/', 1)[1].removesuffix('.yaml')}"
            changes.gone_jobs.add(f"{COMPUTE}{key}")
            changes.facts[f"results:{key}"] = None
            cache.prune_entry(key, gone=True)
    return computer


def model_stage(
    content: Content, computer: Computer, changes: Changes, state: BuildState, schedule: Schedule, options: BuildOptions
) -> SiteModel:
    """The model; when the site's structure may have changed, the facts derived from it, compared with the last build's."""
    model = build_model(content, computer, schedule, unfeatured=options.unfeatured)
    key = [schedule.as_of.isoformat(), schedule.drafts, schedule.future, options.unfeatured]
    key += [model.recent_count, model.window_days]
    if key != state.meta("model", None):
        changes.structural = True
    if changes.structural:
        changes.derived = model.derived_facts()
        changes.compare(changes.derived, state.meta("derived", {}), complete=True)
    changes.model_key = key
    return model


def plan_stage(
    root: Path,
    model: SiteModel,
    changes: Changes,
    state: BuildState,
    output: Output,
    cache: Cache,
    defer: tuple[str, ...] = (),
) -> Plan:
    """Every output of the site as a job, and which of them to make now (see ``rebuild``)."""
    compiled = cache.folder.parent / "jinja" if cache.folder is not None and not cache.read_only else None
    site = Site(root, model, load_templates(root, compiled), FormulaImages(model, cache))
    site.entries.fragments = site.parts.fragments = Fragments.of(cache, changes.facts, state)  # kept in the cache
    plan = plan_outputs(site, changes, state, set(output.published), defer)
    log.debug("%d of %d jobs to make", len(plan.dirty), len(plan.names))
    return plan


def render_stage(plan: Plan, output: Output) -> Rendered:
    model = plan.site.model
    return render_jobs(plan.dirty, output, model.urls.base_path, model.urls.base_url, plan.site.forget)


def check_stage(
    root: Path, plan: Plan, rendered: Rendered, changes: Changes, state: BuildState, output: Output
) -> Tree:
    """The new tree, and its links checked: the links of what was made, and of kept pages whose targets changed."""
    tree = Tree.of(changes.published, plan.before, rendered)
    made_links = {path: links for made in rendered.made.values() for path, links in made.links.items()}

    def recorded(pages: Any) -> dict[str, PageLinks]:
        return {p: PageLinks(row.targets, row.ids) for p, row in state.links(pages).items()}

    def report() -> None:  # a link is broken: check the whole site as a clean build does, for the same message
        read = _reader(output)
        away = [job.name for job in site_jobs(plan.site) if job.away]
        recorded_paths = state.job_paths(away)
        editions = set()
        for name in away:
            editions.update(rendered.made[name].digests if name in rendered.made else recorded_paths.get(name, ()))
        files = tree.paths()
        # An HTML edition is read away from the site (its links must reach a file); a text one holds
        # only absolute urls, checked with the site's pages, fragments too, as ``page_links`` does.
        editions = {p for p in editions if p.endswith(".html")}
        site_files = {p: read(p) for p in files if p not in editions}
        base = plan.site.model.urls
        check_links(site_files, base.base_path, base.base_url, sources=lambda: source_texts(root), warn=False)
        from ..outputs.editions import check_edition_links

        check_edition_links({p: read(p) for p in editions}, base, files)

    with progress.stage("links", total=None):
        check_site(made_links, tree, recorded, state.linking_to, tree.removed, report)
    malformed = [problem for made in rendered.made.values() for problem in made.malformed]
    if malformed:
        raise TemplateError(malformed)
    return tree


@dataclass
class Tree(Mapping[str, str]):
    """The new tree: the published one, changed by the jobs made (site path -> digest), without copying it."""

    published: Mapping[str, OutputRow]
    made: dict[str, str]
    """Paths the jobs made now write, and their digests."""
    owners: dict[str, int]
    """Paths whose number of writing jobs changed, and that number now (0: gone)."""
    last: dict[str, str]
    """Path -> the job that made it now."""

    @classmethod
    def of(cls, published: Mapping[str, OutputRow], before: Mapping[str, tuple[str, ...]], rendered: Rendered) -> Tree:
        owners: dict[str, int] = {}
        for paths in before.values():
            for path in paths:
                owners[path] = owners.get(path, published[path].owners if path in published else 0) - 1
        for path, row in published.items():
            if row.owners <= 0:  # read from disk, no state: no job is known to make it
                owners.setdefault(path, 0)
        made: dict[str, str] = {}
        last: dict[str, str] = {}
        for name, job in rendered.made.items():
            for path, found in job.digests.items():
                owners[path] = owners.get(path, published[path].owners if path in published else 0) + 1
                kept = published[path].digest if path in published and owners[path] > 1 else None
                if made.get(path, kept or found) != found or (kept is not None and kept != found and path not in made):
                    raise TemplateError(Problem(path, message="two outputs claim this path"))
                made[path] = found
                last[path] = name
        return cls(published, made, owners, last)

    @property
    def removed(self) -> set[str]:
        """Published paths the new tree no longer has."""
        return {p for p, count in self.owners.items() if count <= 0 and p in self.published}

    def __getitem__(self, path: str) -> str:
        if path in self.made:
            return self.made[path]
        if path in self.published and self.owners.get(path, 1) > 0:
            return self.published[path].digest
        raise KeyError(path)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (
            path in self.made or (path in self.published and self.owners.get(path, 1) > 0)
        )

    def __iter__(self) -> Iterator[str]:
        yield from self.made
        yield from (p for p in self.published if p not in self.made and self.owners.get(p, 1) > 0)

    def __len__(self) -> int:
        """Counted from the changes alone (the published tree has ten thousand files at a thousand issues)."""
        removed = sum(1 for p, count in self.owners.items() if count <= 0 and p in self.published)
        added = sum(1 for p in self.made if p not in self.published or self.owners.get(p, 1) <= 0)
        return len(self.published) - removed + added

    def paths(self) -> set[str]:
        return set(self)

    def sum(self, before: int | None) -> int:
        """The tree's fingerprint (see ``tree_sum``), from the published tree's (``before``) and the changes."""
        if before is None:
            return tree_sum(self.items())
        for path in {*self.owners, *self.made}:
            if path in self.published and (path not in self or self[path] != self.published[path].digest):
                before -= _entry_hash(path, self.published[path].digest)
            if path in self and (path not in self.published or self[path] != self.published[path].digest):
                before += _entry_hash(path, self[path])
        return before % TREE_MODULUS


TREE_MODULUS = 2**128


def _entry_hash(path: str, found: str) -> int:
    return int(digest(path, found), 16)


def tree_sum(items: Iterable[tuple[str, str]]) -> int:
    """A fingerprint of a whole tree: the sum of its (path, digest) hashes, so a change updates it in place."""
    return sum(_entry_hash(path, found) for path, found in items) % TREE_MODULUS


def _reader(output: Output) -> Any:
    if isinstance(output, MemoryOutput):
        return output.files.__getitem__
    assert isinstance(output, Publication)

    def read(path: str) -> bytes:
        staged = output.staging / path
        return staged.read_bytes() if output.started and staged.exists() else (output.out / path).read_bytes()

    return read


def write_stage(
    plan: Plan,
    rendered: Rendered,
    tree: Tree,
    changes: Changes,
    content: Content,
    computer: Computer,
    state: BuildState,
    output: Output,
) -> BuildReport:
    """Publish the new tree (if it differs) and record in the state what made it."""
    gone = tree.removed
    written = sorted(p for p, d in tree.made.items() if output.published.get(p) != d)
    fingerprint = tree.sum(state.meta("tree_sum"))
    tree_id = f"{fingerprint:032x}"
    update = _state_update(plan, rendered, changes, content, computer)
    update.meta.update(recorded_ns=changes.scan.recorded_ns, tree_sum=fingerprint)
    with progress.stage("write", total=None):
        stats = output.stats(written)
        for path in {*tree.owners, *tree.made} - gone:
            row = changes.published.get(path)
            if path in stats:
                stat = stats[path]
            elif row is not None:
                stat = (row.ino, row.size, row.mtime)
            else:
                continue
            owners = tree.owners.get(path, row.owners if row else 1)
            update.outputs[path] = OutputRow(tree[path], *stat, owners, tree.last.get(path, row.job if row else ""))
        update.gone_outputs = update.gone_links = gone
        if written or gone:
            update.meta.update(tree=tree_id, previous_tree=state.meta("tree"), changed=sorted({*written, *gone}))
            # output/ becomes the previous tree: its folders are checked by their times when it was published.
            update.meta["previous_folders"] = state.meta("folders")
            update.meta["folders"] = output.seal(tree_id, gone, tree.keys(), written)
            state.commit(update)
            output.finish()
        else:
            output.keep_previous()
            update.meta["tree"] = tree_id
            if output.started:  # the staged tree, equal to output/, is the previous tree now
                update.meta["changed"] = []
            # else the previous tree is still the one before output/, and ``changed`` still what tells them apart
            state.commit(update)
    state.kept[JOB_NAMES] = plan.names
    model = plan.site.model
    return BuildReport(
        files=len(tree),
        issues=len(model.dates),
        as_of=model.schedule.as_of,
        computations=tuple(computer.computations),
        rendered=tuple(dict.fromkeys(path for made in rendered.made.values() for path in made.digests)),
        written=len(written),
        read=tuple(sorted(content.read)),
        later=tuple(plan.later),
        model=model,
    )


def _state_update(
    plan: Plan, rendered: Rendered, changes: Changes, content: Content, computer: Computer
) -> StateUpdate:
    update = StateUpdate(facts=dict(changes.facts))
    scan = changes.scan
    for path in scan.changed | scan.restated:
        known, skeleton = changes.recorded.get(path), content.skeletons.get(path)
        if path in scan.restated and known is not None and known.skeleton == skeleton:
            # Only its stat is new (every file of a fresh checkout): its row keeps the rest.
            update.restated[path] = scan.stats[path]
        else:
            update.inputs[path] = InputRow(scan.stats[path], scan.digests[path], skeleton)
    update.gone_inputs = set(scan.gone)
    update.meta["model"] = changes.model_key
    update.meta["later"] = plan.later
    if changes.derived is not None:
        update.meta["derived"] = changes.derived
    used: set[str] = set()
    for made in rendered.made.values():
        update.jobs[made.name] = (tuple(made.digests), made.reads)
        for path, links in made.links.items():
            update.links[path] = LinkRow(links.targets, links.ids)
        for name, part in made.parts.items():
            used.add(name)
            if part is not None:
                update.jobs[name] = ((), part.reads)
                update.parts[name] = part.value
    for key, results in computer.results.items():
        source = content.entries[key]
        update.jobs[f"{COMPUTE}{key[0]}/{key[1]}"] = ((), frozenset({source.path, *results.code}))
    update.gone_jobs = plan.gone | changes.gone_jobs | (plan.parts - used)
    return update


def schedule_for(
    content: Content, options: BuildOptions, now: dt.datetime | None = None, *, log_it: bool = False
) -> Schedule:
    """What ``options`` publish; the day defaults to the site's current publication day."""
    site = content.site.model
    as_of, why = resolve_publication_day(site, options.date, now or build_time())
    schedule = Schedule(as_of, drafts=options.drafts, future=options.future, reason=why)
    if log_it:
        issues = content.issues
        published = sum(1 for issue in issues.values() if schedule.publishes(issue.date, issue.draft))
        plural = "" if published == 1 else "s"
        log.info("publishing %d issue%s as of %s (%s)", published, plural, schedule.as_of, schedule.reason)
        if schedule.as_of not in issues or issues[schedule.as_of].draft:
            log.warning("no issue goes out on %s: content/issues/%s.yaml is missing or a draft", *[schedule.as_of] * 2)
    return schedule
