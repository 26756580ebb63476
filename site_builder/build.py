"""The build, read top to bottom: load -> compute -> model -> render -> check -> write."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from .compute import compute_all
from .links import check_links
from .load import load_content, source_texts
from .model import build_model
from .render import load_templates, render_site
from .schedule import Schedule, build_time, publication_day
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


@dataclass(frozen=True)
class BuildOptions:
    """What to publish; the defaults are what the scheduled job uses."""

    date: dt.date | None = None
    """Publish as of this day; None: today in the site's time zone, once its publish time has passed."""
    drafts: bool = False
    future: bool = False
    lock_timeout: float = LOCK_TIMEOUT
    """Seconds to wait for another build of the same output folder to finish."""


def build_site(root: Path, out: Path, options: BuildOptions, now: dt.datetime | None = None) -> BuildReport:
    """Build the project at ``root`` into ``out``; on any error ``out`` is left as it was.

    Builds of one output folder run one after the other: the second starts (and reads
    the content) only once the first has published, so an older build never wins.
    """
    with output_lock(out, options.lock_timeout):
        return _build(root, out, options, now)


def _build(root: Path, out: Path, options: BuildOptions, now: dt.datetime | None) -> BuildReport:
    content = load_content(root)
    log.info("loaded %d issues and %d entries", len(content.issues), sum(1 for _ in content.entries()))
    site = content.site.model
    as_of = options.date or publication_day(site, now or build_time())
    schedule = Schedule(as_of, drafts=options.drafts, future=options.future)
    results = compute_all(root, content)
    model = build_model(content, results, schedule)
    log.info("publishing %d issues as of %s (%s)", len(model.issues), as_of, site.timezone)
    files = render_site(model, load_templates(root), root)
    check_links(files, model.urls.base_path, model.urls.base_url, sources=lambda: source_texts(root))
    check_xml(files)
    write_output(files, out)
    log.debug("wrote %d files to %s", len(files), out)
    return BuildReport(files=len(files), issues=len(model.issues), as_of=as_of)
