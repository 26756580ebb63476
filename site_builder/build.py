"""The build, read top to bottom: scan -> load -> compute -> model -> plan -> render -> check -> write.

Every build runs these stages; what the last build left in the state (``state``) makes each
of them do only what the changes call for (``engine``). ``build_site`` publishes into an
output folder; ``run`` is the same pipeline for any output, so ``serve`` keeps a site in
memory and rebuilds it the same way after every save.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import noop, progress
from .cache import Cache
from .compute import Computation, Computer
from .deps import digest
from .email import FormulaImages
from .engine import (
    COMPUTE,
    Changes,
    Plan,
    builder_digest,
    entries_to_compute,
    load_project,
    plan_outputs,
    scan_changes,
    stale_paths,
)
from .links import PageLinks, check_site
from .load import Content, source_texts
from .model import SiteModel, build_model
from .pages import Site, site_jobs
from .publish import MemoryOutput, Publication, intact_outputs, marker_tree, read_output
from .render import Rendered, render_jobs
from .schedule import Schedule, build_time, resolve_publication_day
from .state import BuildState, InputRow, LinkRow, OutputRow, StateUpdate, state_folder
from .templates import load_templates
from .write import LOCK_TIMEOUT, output_lock, real_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    """What to publish; the defaults are what the scheduled job uses."""

    date: dt.date | None = None
    """Publish as of this day; None: today in the site's time zone, once its publish time has passed."""
    drafts: bool = False
    future: bool = False
    cache: bool = True
    """Reuse and store computed results in ``ROOT/.build-cache``, and what the last build made; off: make everything."""
    lock_timeout: float = LOCK_TIMEOUT
    """Seconds to wait for another build of the same output folder to finish."""
    unfeatured: bool = False
    """Also give pages to entries no published issue features (previews and checks)."""
    explain: bool = False
    """Look at every computation (``--explain`` lists them), not only those of changed entries."""


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
    model: SiteModel | None = field(default=None, compare=False, repr=False)


class Output(Protocol):
    """Where a build's files go: a ``publish.Publication`` beside an output folder, or memory."""

    shared: bool
    published: dict[str, str]

    def start(self, previous_tree: str | None, stale: set[str]) -> None: ...
    def put(self, path: str, data: bytes, digest: str) -> None: ...
    def finish(self, tree: str, gone: set[str]) -> None: ...
    def stats(self, paths: list[str]) -> dict[str, tuple[int, int, int]]: ...
    def keep_previous(self) -> None: ...
    def abort(self) -> None: ...


def build_site(root: Path, out: Path, options: BuildOptions, now: dt.datetime | None = None) -> BuildReport:
    """Build the project at ``root`` into ``out``; on any error ``out`` is left as it was.

    Builds of one output folder run one after the other: the second starts (and reads
    the content) only once the first has published, so an older build never wins.
    """
    out = real_path(out)
    with output_lock(out, options.lock_timeout), long_lived_objects():
        state = open_state(state_folder(out), marker_tree(out), fresh=not options.cache)
        try:
            # Without a state, the files published are read once: unchanged ones are kept, not written again.
            published = state.outputs() if state.meta("tree") else read_output(out)
            output = Publication(out, state_folder(out), published, intact_outputs(out, published))
            report = run(root, options, state, output, now)
            site = report.model.site_source.loaded.model  # type: ignore[union-attr]
            key = stamp_options(root, out, options)
            stamp = noop.stamp(key, out, report.as_of, site.timezone, site.publish_time, report.issues)
            state.commit(StateUpdate(meta=stamp))
            return report
        finally:
            state.close()


def stamp_options(root: Path, out: Path, options: BuildOptions) -> noop.Options:
    """The options a no-op check is valid for (see ``noop``)."""
    date = options.date.isoformat() if options.date else None
    return (os.path.abspath(root), str(real_path(out)), date, options.drafts, options.future)


def open_state(folder: Path | None, tree: str | None, *, fresh: bool = False) -> BuildState:
    """The build state in ``folder`` (None: in memory), empty unless it describes the tree ``tree``."""
    state = BuildState.open(folder, builder_digest())
    if fresh or state.meta("tree") != tree:
        state.reset(builder_digest())
    return state


def run(
    root: Path,
    options: BuildOptions,
    state: BuildState,
    output: Output,
    now: dt.datetime | None = None,
    cache: Cache | None = None,
) -> BuildReport:
    """One build into ``output``, doing what the changes since ``state`` call for; ``state`` is updated.

    ``cache``: where computed results are kept (default: ``ROOT/.build-cache``, unless ``options.cache`` is off).
    """
    cache = cache or (Cache.at(root) if options.cache else Cache(None))
    changes = scan_changes(root, state, getattr(output, "rows", None) or state.outputs())
    content = load_stage(root, changes, state)
    computer = compute_stage(root, content, changes, state, cache, every=options.explain)
    model = model_stage(content, computer, changes, state, schedule_for(content, options, now, log_it=True), options)
    plan = plan_stage(root, model, changes, state, output, cache)
    try:
        if plan.dirty or plan.gone:
            output.start(state.meta("previous_tree"), stale_paths(state, changes.published, set(output.published)))
        rendered = render_stage(plan, output)
        tree = check_stage(root, plan, rendered, changes, state, output)
        return write_stage(plan, rendered, tree, changes, content, computer, state, output)
    except BaseException:
        output.abort()
        raise


def load_stage(root: Path, changes: Changes, state: BuildState) -> Content:
    with progress.stage("load"):
        content = load_project(root, changes, state)
    log.info(
        "loaded %d issues and %d entries (%d files read)", len(content.issues), len(content.entries), len(content.read)
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
    present = {f"{key[0]}/{key[1]}" for key in content.entries}
    for name in state.job_paths():
        if name.startswith(COMPUTE) and name[len(COMPUTE) :] not in present:
            changes.gone_jobs.add(name)
            changes.facts[f"results:{name[len(COMPUTE) :]}"] = None
            cache.prune_entry(name[len(COMPUTE) :], gone=True)
    return computer


def model_stage(
    content: Content, computer: Computer, changes: Changes, state: BuildState, schedule: Schedule, options: BuildOptions
) -> SiteModel:
    model = build_model(content, computer, schedule, unfeatured=options.unfeatured)
    changes.compare(model.derived_facts(), state.meta("derived", {}), complete=True)
    return model


def plan_stage(root: Path, model: SiteModel, changes: Changes, state: BuildState, output: Output, cache: Cache) -> Plan:
    """Every output of the site as a job, and which of them to make (see ``engine``)."""
    site = Site(root, model, load_templates(root), FormulaImages(model, cache))
    jobs = site_jobs(site)
    plan = plan_outputs(site, jobs, changes, state, set(output.published))
    log.debug("%d of %d jobs to make", len(plan.dirty), len(jobs))
    return plan


def render_stage(plan: Plan, output: Output) -> Rendered:
    model = plan.site.model
    return render_jobs(plan.dirty, output, model.urls.base_path, model.urls.base_url, editions=_edition_jobs(plan))


def _edition_jobs(plan: Plan) -> set[str]:
    from .editions import EDITIONS

    names = {f"{issue.path}{e.files[0]}" for issue in plan.site.model.all_issues for e in EDITIONS if e.windowed}
    return {job.name for job in plan.jobs if job.name in names}


def check_stage(
    root: Path, plan: Plan, rendered: Rendered, changes: Changes, state: BuildState, output: Output
) -> dict[str, str]:
    """Check the links of the new tree; return it (site path -> digest)."""
    recorded_files = changes.published
    tree = {
        path: recorded_files[path].digest for paths in plan.kept.values() for path in paths if path in recorded_files
    }
    for made in rendered.made.values():
        for path, found in made.digests.items():
            if path in tree and tree[path] != found and not path.startswith("math/"):
                from .errors import Problem, TemplateError

                raise TemplateError(Problem(path, message="two outputs claim this path"))
            tree[path] = found
    made_links = {path: links for made in rendered.made.values() for path, links in made.links.items()}
    removed = set(recorded_files) - set(tree)

    def recorded(pages: Any) -> dict[str, PageLinks]:
        return {p: PageLinks(row.targets, row.ids) for p, row in state.links(pages).items()}

    def report() -> None:
        from .links import check_links

        read = _reader(output, root, plan)
        editions = set()
        for name in _edition_jobs(plan):
            editions.update(rendered.made[name].digests if name in rendered.made else plan.kept.get(name, ()))
        site_files = {p: read(p) for p in tree if p not in editions}
        base = plan.site.model.urls
        check_links(site_files, base.base_path, base.base_url, sources=lambda: source_texts(root), warn=False)
        from .editions import check_edition_links

        check_edition_links({p: read(p) for p in editions}, base, tree)

    with progress.stage("links", total=None):
        check_site(made_links, tree, recorded, state.linking_to, removed, report)
    malformed = [problem for made in rendered.made.values() for problem in made.malformed]
    if malformed:
        from .errors import TemplateError

        raise TemplateError(malformed)
    return tree


def _reader(output: Output, root: Path, plan: Plan) -> Any:
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
    tree: dict[str, str],
    changes: Changes,
    content: Content,
    computer: Computer,
    state: BuildState,
    output: Output,
) -> BuildReport:
    """Publish the new tree (if it differs) and record in the state what made it."""
    gone = set(changes.published) - set(tree)
    written = sorted(p for p, d in rendered.digests.items() if output.published.get(p) != d)
    tree_id = digest(*(f"{path}={tree[path]}" for path in sorted(tree)))
    update = _state_update(plan, rendered, changes, content, computer)
    update.meta["recorded_ns"] = changes.scan.recorded_ns
    with progress.stage("write", total=None):
        if written or gone:
            stats = output.stats(written)
            update.outputs = {p: OutputRow(tree[p], *stats[p]) for p in written}
            update.gone_outputs = gone
            update.meta.update(tree=tree_id, previous_tree=state.meta("tree"), changed=sorted({*written, *gone}))
            state.commit(update)
            output.finish(tree_id, gone)
        else:
            output.keep_previous()
            update.meta.update(tree=tree_id, changed=[])
            state.commit(update)
    model = plan.site.model
    return BuildReport(
        files=len(tree),
        issues=len(model.all_issues),
        as_of=model.schedule.as_of,
        computations=tuple(computer.computations),
        rendered=tuple(dict.fromkeys(path for made in rendered.made.values() for path in made.digests)),
        written=len(written),
        read=tuple(sorted(content.read)),
        model=model,
    )


def _state_update(
    plan: Plan, rendered: Rendered, changes: Changes, content: Content, computer: Computer
) -> StateUpdate:
    update = StateUpdate(facts=dict(changes.facts))
    scan = changes.scan
    for path in scan.changed | scan.restated:
        update.inputs[path] = InputRow(scan.stats[path], scan.digests[path], content.skeletons.get(path))
    update.gone_inputs = set(scan.gone)
    update.meta["derived"] = plan.site.model.derived_facts()
    for made in rendered.made.values():
        update.jobs[made.name] = (tuple(made.digests), made.reads)
        for path, links in made.links.items():
            update.links[path] = LinkRow(links.targets, links.ids)
    for key, results in computer.results.items():
        source = content.entries[key]
        update.jobs[f"{COMPUTE}{key[0]}/{key[1]}"] = ((), frozenset({source.path, *results.code}))
    update.gone_jobs = plan.gone | changes.gone_jobs
    return update


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Keep the garbage collector off what a build keeps to the end (modules, content, the model).

    Python's collector walks every live object now and then; with the content of a
    thousand issues alive that is a large share of a rebuild's time. Objects frozen
    here (``gc.freeze``) are skipped until the build ends.
    """
    enabled = gc.isenabled()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


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


@dataclass(frozen=True)
class RenderedSite:
    """A whole site in memory: what ``check`` inspects."""

    model: SiteModel
    files: dict[str, bytes]
    computations: tuple[Computation, ...] = ()


def make_site(
    root: Path, options: BuildOptions, now: dt.datetime | None = None, cache: Cache | None = None
) -> RenderedSite:
    """Every stage but the write, into memory, from scratch."""
    output = MemoryOutput()
    state = open_state(None, None)
    try:
        report = run(root, options, state, output, now, cache)
    finally:
        state.close()
    assert report.model is not None
    return RenderedSite(report.model, output.files, report.computations)
