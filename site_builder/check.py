"""``build-site check``: every stage of a build but the write, over everything an author may publish.

The site is rendered twice, in memory: as the build with the same options
would publish it (so a link to a page that is not out yet is caught), and with
every draft and future issue (so tomorrow's issue is checked today). Entries
that no issue features yet are rendered on their own, so their Markdown and
math are checked too. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from .build import BuildOptions, Project, RenderedSite, load_project, render_project, schedule_for
from .cache import Cache
from .compute import compute_all
from .errors import BuildError, ContentError, Problem
from .load import load_valid_content
from .model import EntryPage, build_model
from .render import load_templates, render_entry
from .schedule import Schedule
from .sources import SourceCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckReport:
    """What a check covered; it only returns when no problem was found."""

    as_of: dt.date
    """Publication day of the 'as published' pass."""
    issues: int
    """Issues checked: all of them, drafts and future ones included."""
    published: int
    """Issues the build with the same options would publish."""
    entries: int
    """Topics, problems and features checked."""
    pages: int
    """Files rendered in the pass with every issue."""
    unused: tuple[str, ...]
    """Entries no issue features yet, as ``folder/id``."""


def check_project(root: Path, options: BuildOptions, now: dt.datetime | None = None) -> CheckReport:
    """Load, compute, render and link-check the project at ``root``; raise one error listing every problem."""
    try:
        project = load_project(root, read_only=True)  # check writes nothing, not even the cache
    except ContentError as exc:
        raise ContentError([*exc.problems, *_compute_valid_entries(root)]) from None
    as_published = schedule_for(project, options, now)
    everything = Schedule(as_published.as_of, drafts=True, future=True)
    errors: list[BuildError] = []
    full = _attempt(project, everything, errors)
    published = full
    if as_published != everything:
        seen = {p for error in errors for p in error.problems}
        published = _attempt(project, as_published, errors, seen=seen)
    unused = _check_unused_entries(project, everything, errors)
    if errors:
        raise type(errors[0])([p for error in errors for p in error.problems])
    assert full is not None and published is not None
    return CheckReport(
        as_of=as_published.as_of,
        issues=len(full.model.issues),
        published=len(published.model.issues),
        entries=sum(1 for _ in project.content.entries()),
        pages=len(full.files),
        unused=unused,
    )


def _compute_valid_entries(root: Path) -> list[Problem]:
    """The problems of the computations and formulas of the entries that loaded, when others did not.

    An error in one file then does not hide a formula that disagrees in another. Pages and
    links are checked once the content is valid: a page left out would only make broken links.
    """
    content, _ = load_valid_content(root, SourceCache.at(root, read_only=True))
    if content is None:
        return []
    log.warning(
        "content problems: the computations and formulas of the valid entries are checked too; pages and links are checked once the content is valid"
    )
    try:
        compute_all(root, content, Cache.at(root, read_only=True))
    except BuildError as exc:
        return exc.problems
    return []


def _attempt(
    project: Project, schedule: Schedule, errors: list[BuildError], seen: set[Problem] | None = None
) -> RenderedSite | None:
    """Render as ``schedule`` publishes; record the error instead of raising it.

    Problems that only this pass finds (``seen`` holds the others) get a hint
    saying which site they are in, as they concern what is published that day.
    """
    try:
        return render_project(project, schedule)
    except BuildError as exc:
        if seen is not None:
            hint = f"only in the site as published on {schedule.as_of}"
            exc = type(exc)([p if p in seen or p.hint else replace(p, hint=hint) for p in exc.problems])
        errors.append(exc)
        return None


def _check_unused_entries(project: Project, schedule: Schedule, errors: list[BuildError]) -> tuple[str, ...]:
    """Render the text of entries that no issue features, which no page shows yet."""
    model = build_model(project.content, project.results, schedule)
    featured = {(page.kind, page.id) for page in model.entries}
    env = load_templates(project.root)
    unused = []
    for kind, loaded in project.content.entries():
        if (kind, loaded.model.id) in featured:
            continue
        unused.append(f"{kind}/{loaded.model.id}")
        page = EntryPage(kind, loaded, project.results.of(kind, loaded.model.id), None, None, ())
        try:
            render_entry(page, env, model)
        except BuildError as exc:
            errors.append(exc)
    return tuple(unused)
