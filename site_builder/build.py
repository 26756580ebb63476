"""The build, read top to bottom: load -> compute -> model -> render -> check links -> write."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import progress
from .cache import Cache
from .compute import Computation, Results, compute_all
from .editions import entry_renderings, render_editions
from .email import FormulaImages
from .links import check_links
from .load import Content, load_content, source_texts
from .model import SiteModel, build_model
from .render import load_templates, render_site
from .schedule import Schedule, build_time, resolve_publication_day
from .sources import SourceCache
from .wellformed import check_xml
from .write import LOCK_TIMEOUT, output_lock, write_output

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildReport:
    """What a build published."""

    files: int
    """Number of files written."""
    issues: int
    """Number of issues published."""
    as_of: dt.date
    """The publication day the build used."""
    computations: tuple[Computation, ...] = ()
    """Every computation, and whether it ran or came from the cache (``--explain``)."""


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


@dataclass(frozen=True)
class RenderedSite:
    """A whole site in memory: what ``build`` writes, ``check`` inspects and ``serve`` serves."""

    model: SiteModel
    files: Mapping[str, bytes]
    """Output path -> bytes."""
    computations: tuple[Computation, ...] = ()
    """What the compute stage ran or reused."""


def build_site(root: Path, out: Path, options: BuildOptions, now: dt.datetime | None = None) -> BuildReport:
    """Build the project at ``root`` into ``out``; on any error ``out`` is left as it was.

    Builds of one output folder run one after the other: the second starts (and reads
    the content) only once the first has published, so an older build never wins.
    """
    with output_lock(out, options.lock_timeout):
        site = make_site(root, options, now)
        with progress.stage("write", total=None):
            write_output(site.files, out)
    log.debug("wrote %d files to %s", len(site.files), out)
    return BuildReport(
        files=len(site.files),
        issues=len(site.model.issues),
        as_of=site.model.schedule.as_of,
        computations=site.computations,
    )


def make_site(root: Path, options: BuildOptions, now: dt.datetime | None = None) -> RenderedSite:
    """Every stage but the write."""
    project = load_project(root, cache=options.cache)
    schedule = schedule_for(project, options, now)
    issues = project.content.issues
    published = sum(1 for issue in issues.values() if schedule.publishes(issue.model))
    plural = "" if published == 1 else "s"
    log.info("publishing %d issue%s as of %s (%s)", published, plural, schedule.as_of, schedule.reason)
    if schedule.as_of not in issues or issues[schedule.as_of].model.draft:
        log.warning("no issue goes out on %s: content/issues/%s.yaml is missing or a draft", *[schedule.as_of] * 2)
    return render_project(project, schedule)


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
    return Project(root, content, results, store)


def schedule_for(project: Project, options: BuildOptions, now: dt.datetime | None = None) -> Schedule:
    """What ``options`` publish; the day defaults to the site's current publication day."""
    site = project.content.site.model
    as_of, why = resolve_publication_day(site, options.date, now or build_time())
    return Schedule(as_of, drafts=options.drafts, future=options.future, reason=why)


def render_project(project: Project, schedule: Schedule) -> RenderedSite:
    """Model, render and link-check what ``schedule`` publishes, in memory."""
    model = build_model(project.content, project.results, schedule)
    env = load_templates(project.root)
    images = FormulaImages(model, project.cache)
    entries = entry_renderings(model, env, images)
    with progress.stage("render"):
        files = render_site(model, env, project.root, entries)
    with progress.stage("links", total=None):
        check_links(files, model.urls.base_path, model.urls.base_url, sources=lambda: source_texts(project.root))
        check_xml(files)
    with progress.stage("editions"):
        files |= render_editions(model, env, files, entries, images)
    return RenderedSite(model, files, project.results.computations)
