"""The build, read top to bottom: load -> compute -> model -> render -> check -> write."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from .cache import Cache
from .compute import Computation, compute_all
from .links import check_links
from .load import load_content
from .model import build_model
from .render import load_templates, render_site
from .schedule import Schedule, publication_day
from .write import write_output

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


def build_site(root: Path, out: Path, options: BuildOptions, now: dt.datetime | None = None) -> BuildReport:
    """Build the project at ``root`` into ``out``; on any error ``out`` is left as it was."""
    content = load_content(root)
    log.info("loaded %d issues and %d entries", len(content.issues), sum(1 for _ in content.entries()))
    site = content.site.model
    as_of = options.date or publication_day(site, now or dt.datetime.now(dt.UTC))
    schedule = Schedule(as_of, drafts=options.drafts, future=options.future)
    results = compute_all(root, content, Cache.at(root) if options.cache else None)
    model = build_model(content, results, schedule)
    log.info("publishing %d issues as of %s (%s)", len(model.issues), as_of, site.timezone)
    files = render_site(model, load_templates(root), root)
    check_links(files, model.urls.base_path)
    write_output(files, out)
    log.debug("wrote %d files to %s", len(files), out)
    return BuildReport(len(files), len(model.issues), as_of, results.computations)
