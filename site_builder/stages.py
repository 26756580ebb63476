"""The stages of a build, each as the pipeline calls it: what it is given, what it hands on.

``build.run`` calls them in order. Each does only what the changes since the last build call
for (``engine``); the substance of each is in its own module (``load``, ``compute``, ``model``,
``pages`` and ``editions``, ``render``, ``links``, ``publish``).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from . import progress
from .cache import Cache
from .compute import Computer
from .deps import digest
from .email import FormulaImages
from .engine import COMPUTE, Changes, Plan, entries_to_compute, load_project, plan_outputs
from .errors import Problem, TemplateError
from .links import PageLinks, check_links, check_site
from .load import Content, source_texts
from .model import SiteModel, build_model
from .pages import Site, site_jobs
from .publish import MemoryOutput, Publication
from .render import Rendered, render_jobs
from .schedule import Schedule, build_time, resolve_publication_day
from .state import BuildState, InputRow, LinkRow, OutputRow, StateUpdate
from .templates import load_templates

if TYPE_CHECKING:
    from .build import BuildOptions, BuildReport

log = logging.getLogger(__name__)


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
    return render_jobs(plan.dirty, output, model.urls.base_path, model.urls.base_url)


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
                raise TemplateError(Problem(path, message="two outputs claim this path"))
            tree[path] = found
    made_links = {path: links for made in rendered.made.values() for path, links in made.links.items()}
    removed = set(recorded_files) - set(tree)

    def recorded(pages: Any) -> dict[str, PageLinks]:
        return {p: PageLinks(row.targets, row.ids) for p, row in state.links(pages).items()}

    def report() -> None:
        read = _reader(output, root, plan)
        editions = set()
        for name in (job.name for job in plan.jobs if job.away):
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
    from .build import BuildReport

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
