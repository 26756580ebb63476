"""The build, read top to bottom: load -> compute -> model -> render -> check -> write."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from .compute import compute_all
from .editions import render_editions
from .links import check_links
from .load import load_content
from .model import build_model
from .render import load_templates, render_site
from .schedule import Schedule, resolve_publication_day
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


@dataclass(frozen=True)
class BuildOptions:
    """What to publish; the defaults are what the scheduled job uses."""

    date: dt.date | None = None
    """Publish as of this day; None: today in the site's time zone, once its publish time has passed."""
    drafts: bool = False
    future: bool = False


def build_site(root: Path, out: Path, options: BuildOptions, now: dt.datetime | None = None) -> BuildReport:
    """Build the project at ``root`` into ``out``; on any error ``out`` is left as it was."""
    content = load_content(root)
    log.info("loaded %d issues and %d entries", len(content.issues), sum(1 for _ in content.entries()))
    site = content.site.model
    as_of, why = resolve_publication_day(site, options.date, now or dt.datetime.now(dt.UTC))
    log.info("publishing as of %s (%s)", as_of, why)
    schedule = Schedule(as_of, drafts=options.drafts, future=options.future)
    results = compute_all(root, content)
    model = build_model(content, results, schedule)
    if as_of not in content.issues or content.issues[as_of].model.draft:
        log.warning("no issue goes out on %s: content/issues/%s.yaml is missing or a draft", as_of, as_of)
    env = load_templates(root)
    files = render_site(model, env, root)
    check_links(files, model.urls.base_path)
    files |= render_editions(model, env, files)
    write_output(files, out)
    log.debug("wrote %d files to %s", len(files), out)
    return BuildReport(files=len(files), issues=len(model.issues), as_of=as_of)
