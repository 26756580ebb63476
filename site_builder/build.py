"""The build, read top to bottom: load -> compute -> model -> render -> check links -> write."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import progress, stamp
from .cache import Cache
from .compute import Computation, Results, compute_all
from .email import FormulaImages
from .fragments import FragmentCache
from .incremental import MemorySink, render_outputs
from .load import Content, load_content, source_texts
from .model import SiteModel, build_model
from .outputs import Plan
from .publish import Publication, PublishedTree, new_record
from .record import Record, state_folder
from .render import load_templates
from .schedule import Schedule, build_time, resolve_publication_day
from .sources import SourceCache
from .write import LOCK_TIMEOUT, MARKER, output_lock, real_path

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
    """Every computation, and whether it ran or came from the cache (``--explain``)."""
    rendered: tuple[str, ...] = ()
    """Outputs this build rendered; the others were unchanged and kept as published."""
    written: int = 0
    """Files written afresh (the others are the published files, kept)."""


@dataclass(frozen=True)
class BuildOptions:
    """What to publish; the defaults are what the scheduled job uses."""

    date: dt.date | None = None
    """Publish as of this day; None: today in the site's time zone, once its publish time has passed."""
    drafts: bool = False
    future: bool = False
    cache: bool = True
    """Reuse and store computed results in ``ROOT/.build-cache``; off: run everything, store nothing."""
    lock_timeout: float = LOCK_TIMEOUT
    """Seconds to wait for another build of the same output folder to finish."""


@dataclass(frozen=True)
class Project:
    """A project's validated content and computed results: everything a site is made from."""

    root: Path
    content: Content
    results: Results
    cache: Cache
    """Where computed results and drawn formulas are kept (disabled with ``--no-cache``)."""
    fragments: FragmentCache
    """Where entries' rendered text is kept between builds (disabled with ``--no-cache``)."""


@dataclass(frozen=True)
class RenderedSite:
    """A whole site in memory: what ``check`` inspects and ``serve`` serves."""

    model: SiteModel
    files: Mapping[str, bytes]
    """Output path -> bytes."""
    computations: tuple[Computation, ...] = ()
    """What the compute stage ran or reused."""


def build_site(root: Path, out: Path, options: BuildOptions, now: dt.datetime | None = None) -> BuildReport:
    """Build the project at ``root`` into ``out``; on any error ``out`` is left as it was.

    Builds of one output folder run one after the other: the second starts (and reads
    the content) only once the first has published, so an older build never wins.
    Only what changed since the published tree is rendered and written (see ``incremental``).
    """
    with output_lock(out, options.lock_timeout), long_lived_objects():
        seen_at, inputs, builder = stamp.clock(), stamp.input_stats(root), stamp.builder_stats()  # before reading
        gc.disable()  # loading makes many objects and no garbage: nothing to collect until the plan is made
        project = load_project(root, cache=options.cache)
        model = build_model(project.content, project.results, schedule_for(project, options, now, log_it=True))
        published = published_tree(out)  # its record too is kept to the end
        publication = Publication(real_path(out), published)
        plan = make_plan(project, model)
        gc.enable()
        gc.freeze()
        reuse = published if options.cache else None  # --no-cache: render everything, still write only changes
        try:
            rendered = render_outputs(plan, publication, reuse, sources=lambda: source_texts(project.root))
            with progress.stage("write", total=None):
                files = {path: publication.files[path] for path in rendered.digests}
                record = new_record(files, rendered.jobs, rendered.links)
                if publication.unchanged(rendered.digests):
                    publication.finish_unchanged(record)
                else:
                    publication.finish(record)
        except BaseException:
            publication.abort()
            raise
        finally:
            project.fragments.flush(keep=plan.fragment_keys())
            # Closed, SQLite folds its write-ahead log into the database and deletes it; left open (the
            # process ends without tearing down, see ``launch``), the next build replays it: ~75 ms.
            project.fragments.close()
        site = project.content.site.model
        stamp.write_stamp(
            state_folder(real_path(out)),
            stamp.Stamp(
                stamp_options(root, out, options),
                model.schedule.as_of.isoformat(),
                site.timezone,
                site.publish_time.strftime("%H:%M:%S.%f"),
                os.environ.get("SOURCE_DATE_EPOCH") or None,
                seen_at,
                inputs,
                builder,
                record.tree,
                published_stats(real_path(out), record),
                len(model.issues),
            ),
        )
    log.debug(
        "rendered %d of %d files; wrote %d, linked %d",
        len(rendered.rendered),
        len(files),
        publication.written,
        publication.linked,
    )
    return BuildReport(
        files=len(files),
        issues=len(model.issues),
        as_of=model.schedule.as_of,
        computations=project.results.computations,
        rendered=tuple(rendered.rendered),
        written=publication.written,
    )


def published_stats(out: Path, record: Record) -> dict[str, tuple[int, int, int]]:
    """(inode, size, mtime) of every published file, the marker too: what the no-op check compares."""
    stats = {path: (f.ino, f.size, f.mtime_ns) for path, f in record.files.items()}
    with contextlib.suppress(OSError):
        info = os.lstat(out / MARKER)
        stats[MARKER] = (info.st_ino, info.st_size, info.st_mtime_ns)
    return stats


def stamp_options(root: Path, out: Path, options: BuildOptions) -> tuple[str, str, str | None, bool, bool]:
    """The options a stamp is valid for (see ``stamp``)."""
    return (
        os.path.abspath(root),
        str(real_path(out)),
        options.date.isoformat() if options.date else None,
        options.drafts,
        options.future,
    )


def published_tree(out: Path) -> PublishedTree:
    """The tree published in ``out`` and its record."""
    out = real_path(out)
    return PublishedTree.read(out, state_folder(out))


def make_site(root: Path, options: BuildOptions, now: dt.datetime | None = None) -> RenderedSite:
    """Every stage but the write."""
    with long_lived_objects():
        project = load_project(root, cache=options.cache, read_only=True)
        gc.freeze()
        return render_project(project, schedule_for(project, options, now, log_it=True))


@contextlib.contextmanager
def long_lived_objects() -> Iterator[None]:
    """Keep the garbage collector off what a build keeps to the end (modules, content, the model).

    Python's collector walks every live object now and then; with the content of a
    thousand issues alive that is about a third of a rebuild's time. Objects frozen
    here (``gc.freeze``, again once the plan is made and its jobs keyed) are skipped until the build ends.
    """
    enabled = gc.isenabled()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def load_project(root: Path, *, cache: bool = True, read_only: bool = False) -> Project:
    """Load, validate and compute: the stages that look at every entry, published or not.

    With ``cache``, computed results are reused from ``ROOT/.build-cache``, and stored there unless ``read_only``.
    """
    with progress.stage("load"):
        sources = SourceCache.at(root, read_only=read_only) if cache else SourceCache(None)
        content = load_content(root, sources)
    entries = sum(1 for _ in content.entries())
    log.info("loaded %d issues and %d entries", len(content.issues), entries)
    with progress.stage("compute", total=entries):
        store = Cache.at(root, read_only=read_only) if cache else Cache(None)
        results = compute_all(root, content, store)
    fragments = FragmentCache.at(root, read_only=read_only) if cache else FragmentCache(None)
    return Project(root, content, results, store, fragments)


def schedule_for(
    project: Project, options: BuildOptions, now: dt.datetime | None = None, *, log_it: bool = False
) -> Schedule:
    """What ``options`` publish; the day defaults to the site's current publication day."""
    site = project.content.site.model
    as_of, why = resolve_publication_day(site, options.date, now or build_time())
    schedule = Schedule(as_of, drafts=options.drafts, future=options.future, reason=why)
    if log_it:
        issues = project.content.issues
        published = sum(1 for issue in issues.values() if schedule.publishes(issue.model))
        plural = "" if published == 1 else "s"
        log.info("publishing %d issue%s as of %s (%s)", published, plural, schedule.as_of, schedule.reason)
        if schedule.as_of not in issues or issues[schedule.as_of].model.draft:
            log.warning("no issue goes out on %s: content/issues/%s.yaml is missing or a draft", *[schedule.as_of] * 2)
    return schedule


def make_plan(project: Project, model: SiteModel) -> Plan:
    """Every output of ``model`` as a keyed job (see ``outputs``)."""
    fragments = project.fragments
    compiled = fragments.path.parent / "jinja" if fragments.path is not None and not fragments.read_only else None
    if compiled is not None:
        with contextlib.suppress(OSError):
            compiled.mkdir(parents=True, exist_ok=True)
        compiled = compiled if compiled.is_dir() else None
    env = load_templates(project.root, compiled)
    return Plan(model, env, project.root, FormulaImages(model, project.cache), project.fragments)


def render_project(project: Project, schedule: Schedule) -> RenderedSite:
    """Model, render and link-check what ``schedule`` publishes, in memory."""
    model = build_model(project.content, project.results, schedule)
    sink = MemorySink()
    render_outputs(make_plan(project, model), sink, sources=lambda: source_texts(project.root))
    return RenderedSite(model, sink.files, project.results.computations)
