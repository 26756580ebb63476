"""Model stage: validated sources and computed results -> the published pages, with urls, dates and slugs.

Everything a template shows that is derived (a url, a slug, a date in words, which
issues feature an entry, the issues next to one) is derived here, once, never in a
template. The model is made from every file's skeleton (see ``load``); an entry's
fields are loaded only when read. Every value the model gives out notes the fact it
comes from (see ``deps``): a field of a file, an entry's results, or one of the facts
derived here from all issues, whose digests ``derived_facts`` lists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..content.kinds import BY_GROUP_FOLDER, KINDS
from ..content.slugs import group_slug
from ..content.sources import Content, EntrySource
from ..incremental.deps import digest, note
from .pages import EntryPage, IssueLink, IssuePage
from .schedule import Schedule
from .urls import Urls


@dataclass(frozen=True)
class Group:
    """A chapter (of topics) or a collection (of problems), with its own index page."""

    kind: str
    """``chapters`` or ``collections``."""
    name: str
    """As written by authors, e.g. ``CV: Deep Learning``."""
    slug: str
    """``cv-deep-learning``."""
    keys: tuple[str, ...]
    """``folder/id`` of its published entries, by title."""
    model: SiteModel = field(compare=False, repr=False)

    @property
    def members(self) -> tuple[EntryPage, ...]:
        return tuple(self.model.entry_page(*key.split("/", 1)) for key in self.keys)  # type: ignore[misc]

    @property
    def path(self) -> str:
        return f"{self.kind}/{self.slug}/"

    @property
    def label(self) -> str:
        return BY_GROUP_FOLDER[self.kind].group_label or self.kind

    @property
    def entries(self) -> tuple[EntryPage, ...]:
        """Published entries in the group, by title."""
        note(f"group:{self.kind}/{self.slug}")
        return self.members


@dataclass(frozen=True)
class Month:
    """Issues of one calendar month, for the archive."""

    year: int
    month: int
    issues: tuple[IssuePage, ...]

    @property
    def title(self) -> str:
        return f"{dt.date(self.year, self.month, 1):%B %Y}"

    @property
    def anchor(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class SiteModel:
    """Every published page of the site, made when first asked for: a rebuild after one edit makes few of them.

    What it is made from is small and known for every file (the skeletons, see ``load``): which
    issues are published, what they feature, the groups. Pages are made from it on demand.
    """

    def __init__(
        self,
        content: Content,
        results: Callable[[EntrySource], Any],
        schedule: Schedule,
        *,
        unfeatured: bool = False,
    ) -> None:
        site = content.site.model
        self.content = content
        self.site_source = content.site_source
        self.site: Any = content.site_source.fields
        """The site settings (``content.settings.SiteConfig``); each field read is noted."""
        self.urls = Urls(site.base_url)
        self.schedule = schedule
        self.window_days = site.delivery.window
        self.recent_count = site.recent_issues
        self._results = results
        self._unfeatured = unfeatured
        self.dates = [s.date for s in content.issues.values() if schedule.publishes(s.date, s.draft)]
        """Published issue dates, oldest first."""
        self._position = {date: index for index, date in enumerate(self.dates)}
        self.featured: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
        for date in self.dates:
            for kind, ref in zip(KINDS, content.issues[date].parts, strict=True):
                self.featured[(kind.folder, ref)].append(date)
        self._pages: dict[tuple[str, str], EntryPage] = {}
        self._issues: dict[dt.date, IssuePage] = {}
        self.by_date = _ByDate(self)
        """Date -> published issue page."""

    # --- pages, made on demand ---------------------------------------------------------------------

    def entry_page(self, folder: str, entry_id: str) -> EntryPage | None:
        """The page of an entry, if it has one."""
        key = (folder, entry_id)
        page = self._pages.get(key)
        if page is None:
            source = self.content.entries.get(key)
            if source is None or not (key in self.featured or self._unfeatured):
                return None
            links = tuple(IssueLink(date, self.by_date.get) for date in self.featured.get(key, ()))
            page = EntryPage(source.kind, source, _memo(self._results, source), links, self._group_paged)
            self._pages[key] = page
        return page

    def _group_paged(self, folder: str, slug: str) -> bool:
        note(f"group:{folder}/{slug}")
        return any(group.slug == slug for group in self.groups.get(folder, ()))

    def issue_page(self, date: dt.date) -> IssuePage | None:
        """The published issue of ``date``, if there is one."""
        issue = self._issues.get(date)
        if issue is None and date in self._position:
            source = self.content.issues[date]
            parts = tuple(self.entry_page(k.folder, ref) for k, ref in zip(KINDS, source.parts, strict=True))
            issue = self._issues[date] = IssuePage(source, parts, self)  # type: ignore[arg-type]
        return issue

    def neighbours(self, date: dt.date) -> tuple[IssueLink | None, IssueLink | None]:
        index = self._position[date]
        before = IssueLink(self.dates[index - 1], self.by_date.get) if index else None
        after = IssueLink(self.dates[index + 1], self.by_date.get) if index + 1 < len(self.dates) else None
        return before, after

    @cached_property
    def all_issues(self) -> tuple[IssuePage, ...]:
        """Published issues, newest first (not noted: see ``issues``)."""
        return tuple(self.issue_page(date) for date in reversed(self.dates))  # type: ignore[misc]

    @cached_property
    def all_entries(self) -> tuple[EntryPage, ...]:
        """Published entries, by folder name then id (not noted: see ``entries``)."""
        return tuple(self.entry_page(*key) for key in sorted(self.featured))  # type: ignore[misc]

    @cached_property
    def unfeatured(self) -> tuple[EntryPage, ...]:
        """Entries no published issue features, given pages only in previews and checks."""
        if not self._unfeatured:
            return ()
        return tuple(self.entry_page(*key) for key in sorted(self.content.entries) if key not in self.featured)  # type: ignore[misc]

    @cached_property
    def groups(self) -> dict[str, tuple[Group, ...]]:
        """Chapters and collections by their folder, each with its published entries."""
        found: dict[str, tuple[Group, ...]] = {}
        for kind in KINDS:
            if kind.group_folder:
                keys = sorted(key for key in self.featured if key[0] == kind.folder)
                found[kind.group_folder] = _groups(kind.group_folder, [self.content.entries[key] for key in keys], self)
        return found

    @cached_property
    def window_issues(self) -> tuple[IssuePage, ...]:
        return tuple(issue for issue in (self.issue_page(d) for d in self.window_dates) if issue is not None)

    @cached_property
    def window_dates(self) -> tuple[dt.date, ...]:
        """Dates of the published issues of the delivery window, newest first."""
        return _window(self.dates, self.schedule.as_of, self.window_days)

    # --- what templates read (each noted) --------------------------------------------------------

    @property
    def issues(self) -> tuple[IssuePage, ...]:
        """Published issues, newest first."""
        note("issues")
        return self.all_issues

    @property
    def entries(self) -> tuple[EntryPage, ...]:
        """Published topics, problems and features, by folder name then id."""
        note("entries")
        return self.all_entries

    @property
    def recent(self) -> tuple[IssuePage, ...]:
        note("recent")
        return tuple(self.issue_page(d) for d in _newest(self.dates, self.recent_count))  # type: ignore[misc]

    @property
    def window(self) -> tuple[IssuePage, ...]:
        """The published issues that get their email and dev.to editions: the last days up to the publication day."""
        note("window")
        return self.window_issues

    @property
    def months(self) -> tuple[Month, ...]:
        by_month: dict[tuple[int, int], list[IssuePage]] = defaultdict(list)
        for issue in self.issues:
            by_month[(issue.date.year, issue.date.month)].append(issue)
        return tuple(Month(y, m, tuple(items)) for (y, m), items in sorted(by_month.items(), reverse=True))

    @property
    def chapters(self) -> tuple[Group, ...]:
        note("groups:chapters")
        return self.groups.get("chapters", ())

    @property
    def collections(self) -> tuple[Group, ...]:
        note("groups:collections")
        return self.groups.get("collections", ())

    @property
    def updated(self) -> dt.datetime | None:
        """Publication time of the newest issue: what feeds report as the site's update time."""
        recent = self.recent
        return recent[0].published_at if recent else None

    def derived_facts(self) -> dict[str, str]:
        """The digest of every fact derived here from all issues (see ``deps``), from the skeletons alone."""
        dates = [d.isoformat() for d in reversed(self.dates)]
        facts = {
            "issues": digest(*dates),
            "recent": digest(*(d.isoformat() for d in _newest(self.dates, self.recent_count))),
            "window": digest(*(d.isoformat() for d in self.window_dates)),
            "entries": digest(*(f"{f}/{i}" for f, i in sorted(self.featured))),
        }
        for (folder, entry_id), featured in self.featured.items():
            facts[f"featured:{folder}/{entry_id}"] = digest(*(d.isoformat() for d in featured))
        for index, date in enumerate(self.dates):
            before = self.dates[index - 1].isoformat() if index else "-"
            after = self.dates[index + 1].isoformat() if index + 1 < len(self.dates) else "-"
            facts[f"neighbours:{date.isoformat()}"] = digest(before, after)
        for folder, groups in self.groups.items():
            facts[f"groups:{folder}"] = digest(*(f"{g.slug}={g.name}={len(g.keys)}" for g in groups))
            for group in groups:
                facts[f"group:{folder}/{group.slug}"] = digest(group.name, *group.keys)
        return facts


class _ByDate(Mapping[dt.date, IssuePage]):
    """Date -> published issue page, each made when first looked up."""

    def __init__(self, model: SiteModel) -> None:
        self.model = model

    def __getitem__(self, date: dt.date) -> IssuePage:
        issue = self.model.issue_page(date)
        if issue is None:
            raise KeyError(date)
        return issue

    def __contains__(self, date: object) -> bool:
        return date in self.model._position

    def __iter__(self) -> Iterator[dt.date]:
        return iter(self.model.dates)

    def __len__(self) -> int:
        return len(self.model.dates)


def build_model(
    content: Content, results: Callable[[EntrySource], Any], schedule: Schedule, *, unfeatured: bool = False
) -> SiteModel:
    """Select what is published as of the schedule and link everything together.

    ``results`` gives an entry's computed results when first read. With ``unfeatured``, entries that
    no published issue features get pages too (the preview shows them, marked as such).
    """
    return SiteModel(content, results, schedule, unfeatured=unfeatured)


# Plain functions rather than property bodies: mutation testing (``benchmarks.mutation``) skips decorated functions.
def _newest(dates: list[dt.date], count: int) -> list[dt.date]:
    """The newest ``count`` of ``dates`` (oldest first), newest first: the recent issues."""
    return dates[-count:][::-1]


def _window(dates: list[dt.date], as_of: dt.date, days: int) -> tuple[dt.date, ...]:
    """Those of ``dates`` in the ``days`` days up to and including ``as_of``, newest first: the delivery window."""
    first = as_of - dt.timedelta(days=days - 1)
    return tuple(d for d in reversed(dates) if first <= d <= as_of)


def _memo(results: Callable[[EntrySource], Any], source: EntrySource) -> Callable[[], Any]:
    found: list[Any] = []

    def get() -> Any:
        if not found:
            found.append(results(source))
        return found[0]

    return get


def _groups(folder: str, sources: list[EntrySource], model: SiteModel) -> tuple[Group, ...]:
    """The groups of ``sources`` (published entries, by id), from their skeletons: no entry is loaded."""
    by_slug: dict[str, list[EntrySource]] = defaultdict(list)
    for source in sources:
        by_slug[group_slug(source.group or "")].append(source)
    groups = []
    for slug, members in sorted(by_slug.items()):
        ordered = sorted(members, key=lambda s: (s.title, s.id))
        keys = tuple(f"{s.kind.folder}/{s.id}" for s in ordered)
        groups.append(Group(folder, members[0].group or slug, slug, keys, model))
    return tuple(groups)
