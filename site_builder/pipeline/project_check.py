"""``build-site check``: every stage of a build but the write, over everything an author may publish.

The site is made twice, in memory: as the build with the same options would publish it
(so a link to a page that is not out yet is caught), and with every draft and future issue
and a page for every entry no issue features yet (so tomorrow's issue and a new topic are
checked today). Nothing is written, not even the compute cache.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from .. import progress
from ..compute.computer import Computer
from ..content.load import load_changed, load_content
from ..errors import BuildError, ContentError, Problem
from ..incremental.cache import Cache
from ..model.schedule import build_time
from .build import RenderedSite, make_site, schedule_for
from .options import BuildOptions

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
        content = load_content(root)
    except ContentError as exc:
        raise ContentError([*exc.problems, *_compute_valid_entries(root)]) from None
    cache = Cache.at(root, read_only=True)  # check writes nothing, not even the cache
    now = now or build_time()  # one moment for both passes, so they publish as of the same day
    as_published = schedule_for(content, options, now)
    everything = replace(options, drafts=True, future=True, unfeatured=True)
    errors: list[BuildError] = []
    one_pass = (options.drafts, options.future) == (True, True)
    with contextlib.nullcontext() if one_pass else _quiet_stages():  # the pass as published says what it loads
        full = _attempt(root, everything, now, cache, errors)
    published = full
    if not one_pass:
        seen = {p for error in errors for p in error.problems}
        published = _attempt(root, options, now, cache, errors, seen=seen, day=as_published.as_of)
    if errors:
        raise type(errors[0])([p for error in errors for p in error.problems])
    assert full is not None and published is not None
    featured = {f"{p.kind}/{p.id}" for issue in full.model.all_issues for p in issue._parts}
    return CheckReport(
        as_of=as_published.as_of,
        issues=len(full.model.all_issues),
        published=len(published.model.all_issues),
        entries=len(content.entries),
        pages=len(full.files),
        unused=tuple(f"{k}/{i}" for (k, i) in content.entries if f"{k}/{i}" not in featured),
    )


@contextlib.contextmanager
def _quiet_stages() -> Iterator[None]:
    """Without the stages' log lines (what was loaded, what is published): one pass says them, not both."""
    stages = logging.getLogger(f"{__package__}.stages")
    level = stages.level
    stages.setLevel(logging.ERROR)
    try:
        yield
    finally:
        stages.setLevel(level)


def _compute_valid_entries(root: Path) -> list[Problem]:
    """The problems of the computations and formulas of the entries that loaded, when others did not.

    An error in one file then does not hide a formula that disagrees in another. Pages and
    links are checked once the content is valid: a page left out would only make broken links.
    """
    from ..content.load import _all_files

    content, _ = load_changed(root, _all_files(root), {})
    if content is None:
        return []
    log.warning(
        "content problems: the computations and formulas of the valid entries are checked too; pages and links are checked once the content is valid"
    )
    try:
        with progress.stage("compute", total=len(content.entries)):
            Computer(root, Cache.at(root, read_only=True)).compute(list(content.entries.values()))
    except BuildError as exc:
        return exc.problems
    return []


def _attempt(
    root: Path,
    options: BuildOptions,
    now: dt.datetime | None,
    cache: Cache,
    errors: list[BuildError],
    seen: set[Problem] | None = None,
    day: dt.date | None = None,
) -> RenderedSite | None:
    """Make the site as ``options`` publish it, in memory; record the error instead of raising it.

    Problems that only this pass finds (``seen`` holds the others) get a hint
    saying which site they are in, as they concern what is published that day.
    """
    try:
        return make_site(root, options, now, cache)
    except BuildError as exc:
        if seen is not None:
            hint = f"only in the site as published on {day}"
            exc = type(exc)([p if p in seen or p.hint else replace(p, hint=hint) for p in exc.problems])
        errors.append(exc)
        return None
