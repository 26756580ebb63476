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
import math
import re
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from .deps import Fields, digest, note
from .kinds import BY_FOLDER, KINDS, EntryKind
from .load import Content, EntrySource, IssueSource
from .schedule import Schedule
from .schema import CallToAction
from .slugs import group_slug

SITE_FILE = "content/site.yaml"
WORDS_PER_MINUTE = 200
"""Reading speed for reading times: slower than for prose (about 250), as the text is technical."""
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def word_count(*texts: str) -> int:
    """Words in ``texts`` (a formula's LaTeX counts a few: reading it takes time too)."""
    return sum(len(_WORD.findall(text)) for text in texts)


@dataclass(frozen=True)
class Urls:
    """Turns a path inside the site into the url forms pages need."""

    base_url: str
    """Absolute url of the site root, ending in ``/``."""

    @property
    def base_path(self) -> str:
        """Path part of the base url (``/`` or ``/newsletter/``): the prefix of every internal link."""
        note(f"{SITE_FILE}#base_url")
        return urlsplit(self.base_url).path or "/"

    def link(self, path: str) -> str:
        """Site path (``issues/2026-11-26/``) -> link for pages (``/issues/2026-11-26/``)."""
        return self.base_path + path

    def absolute(self, path: str) -> str:
        """Site path -> absolute url, for feeds, emails and cross-posts."""
        note(f"{SITE_FILE}#base_url")
        return self.base_url + path

    def target(self, url: str) -> str:
        """An author-written link target: ``/problems/x/`` is a site path, anything else is kept."""
        return self.link(url[1:]) if url.startswith("/") else url

    def absolute_target(self, url: str) -> str:
        """Like ``target``, but absolute, for text read away from the site."""
        return self.absolute(url[1:]) if url.startswith("/") else url


def issue_path(date: dt.date) -> str:
    """Site path of the issue of ``date``."""
    return f"issues/{date.isoformat()}/"


@dataclass(frozen=True)
class IssueLink:
    """A reference to a published issue, for pagers and back-links."""

    date: dt.date
    lookup: Callable[[dt.date], IssuePage | None] = field(compare=False, repr=False, default=lambda date: None)
    """Finds the issue's page (its title is read from it)."""

    @property
    def path(self) -> str:
        return issue_path(self.date)

    @property
    def title(self) -> str:
        """The issue's title (its topic's and problem's)."""
        issue = self.lookup(self.date)
        return issue.title if issue is not None else self.date.isoformat()


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
        return BY_FOLDER[GROUP_KINDS[self.kind]].group_label or self.kind

    @property
    def entries(self) -> tuple[EntryPage, ...]:
        """Published entries in the group, by title."""
        note(f"group:{self.kind}/{self.slug}")
        return self.members


GROUP_KINDS = {kind.group_folder: kind.folder for kind in KINDS if kind.group_folder}


class EntryPage:
    """A published topic, problem or feature spotlight (or, for previews and checks, one no issue features)."""

    def __init__(
        self,
        kind: EntryKind,
        source: EntrySource,
        results: Callable[[], Any],
        featured_in: tuple[IssueLink, ...],
        group_paged: Callable[[str, str], bool] = lambda folder, slug: True,
    ) -> None:
        self.info = kind
        self.source = source
        self._results = results
        self._featured_in = featured_in
        self._group_paged = group_paged
        """(group folder, slug) -> whether that group has a page (for an entry no issue features yet)."""
        self.id = source.id
        self.kind = kind.folder
        """Folder name: ``topics``, ``problems`` or ``features``."""
        self.kind_label = kind.label
        self.path = f"{kind.folder}/{source.id}/"
        self.key = f"{kind.folder}/{source.id}"

    def __repr__(self) -> str:
        return f"EntryPage({self.key})"

    @property
    def entry(self) -> Fields:
        """The validated entry; each field read is noted."""
        return self.source.fields

    @property
    def results(self) -> Any:
        """What the compute stage produced for it (``compute.EntryResults``)."""
        note(f"results:{self.key}")
        return self._results()

    @property
    def featured_in(self) -> tuple[IssueLink, ...]:
        """The published issues that feature this entry, oldest first."""
        note(f"featured:{self.key}")
        return self._featured_in

    @property
    def group_name(self) -> str | None:
        """Chapter or collection name, if the kind has one."""
        if self.info.group_field is None:
            return None
        note(f"{self.source.path}#{self.info.group_field}")
        return self.source.group

    @property
    def group_slug(self) -> str | None:
        name = self.group_name
        return group_slug(name) if name is not None else None

    @property
    def group_path(self) -> str | None:
        """Its chapter's or collection's page; None if the kind has none, or if (in a preview of an entry
        no issue features yet) no published entry is in that group, so that it has no page yet."""
        slug = self.group_slug
        folder = self.info.group_folder
        if slug is None or folder is None or not (self._featured_in or self._group_paged(folder, slug)):
            return None
        return f"{folder}/{slug}/"

    def plot_path(self, plot_id: str, extension: str) -> str:
        """Site path of one of the entry's plot images: ``topics/perplexity/pp-vs-ce.svg`` (or ``.png``)."""
        return f"{self.path}{plot_id}.{extension}"

    @property
    def call_to_action(self) -> CallToAction | None:
        """The entry's closing link; by default a topic invites to its chapter, a problem to its test cases."""
        if self.entry.call_to_action is not None or self.group_path is None:
            return self.entry.call_to_action
        if self.kind == "topics":
            return CallToAction(text=f"Explore the {self.group_name} chapter", url=f"/{self.group_path}")
        return CallToAction(
            text="Try it yourself, then check your function against the worked test cases",
            url=f"/{self.path}#test-cases",
        )

    @property
    def words(self) -> int:
        """Words a reader reads: summary, sections, applications and the connection to the chapter."""
        entry = self.entry
        connection = entry.chapter_connection if self.kind == "topics" else None
        return word_count(
            entry.summary, *(s.heading + " " + s.body for s in entry.sections), *entry.applications, connection or ""
        )


class IssuePage:
    """A published daily issue."""

    def __init__(self, source: IssueSource, parts: tuple[EntryPage, ...], model: SiteModel) -> None:
        self.source = source
        self._parts = parts
        self._model = model
        self.date = source.date
        self.path = issue_path(source.date)

    def __repr__(self) -> str:
        return f"IssuePage({self.date})"

    @property
    def entry(self) -> Fields:
        return self.source.fields

    @property
    def parts(self) -> tuple[EntryPage, ...]:
        """Its topic, problem and feature, in that order."""
        for kind in KINDS:
            note(f"{self.source.path}#{kind.part}")
        return self._parts

    topic = property(lambda self: self.parts[0])
    problem = property(lambda self: self.parts[1])
    feature = property(lambda self: self.parts[2])

    @property
    def title(self) -> str:
        return f"{self.topic.entry.title} · {self.problem.entry.title}"

    @property
    def date_text(self) -> str:
        """``Thursday, 26 November 2026``."""
        return f"{self.date:%A}, {self.date.day} {self.date:%B %Y}"

    @property
    def reading_minutes(self) -> int:
        """Minutes to read the three parts at ``WORDS_PER_MINUTE``, rounded up."""
        return max(1, math.ceil(sum(part.words for part in self.parts) / WORDS_PER_MINUTE))

    @property
    def feed_id(self) -> str:
        """Stable Atom id: derived from the site's ``feed_id`` and the date, never from the url."""
        return uuid.uuid5(uuid.UUID(self._model.site.feed_id), f"issue/{self.date.isoformat()}").urn

    @property
    def published_at(self) -> dt.datetime:
        """The issue's date at the site's publish time, in the site's time zone."""
        site = self._model.site
        return dt.datetime.combine(self.date, site.publish_time, zoneinfo.ZoneInfo(site.timezone))

    @property
    def previous(self) -> IssueLink | None:
        """The previous published issue."""
        note(f"neighbours:{self.date.isoformat()}")
        return self._model.neighbours(self.date)[0]

    @property
    def next(self) -> IssueLink | None:
        """The next published issue."""
        note(f"neighbours:{self.date.isoformat()}")
        return self._model.neighbours(self.date)[1]

    @property
    def tags(self) -> tuple[str, ...]:
        """The issue's own tags, else the first four distinct tags of its entries."""
        if self.entry.tags:
            return tuple(self.entry.tags)
        tags: list[str] = []
        for part in self.parts:
            tags.extend(t for t in part.entry.tags if t not in tags)
        return tuple(tags[:4])

    @property
    def description(self) -> str:
        return self.entry.intro or self.topic.entry.summary


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
        """The site settings (``schema.SiteConfig``); each field read is noted."""
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
        first = self.schedule.as_of - dt.timedelta(days=self.window_days - 1)
        return tuple(d for d in reversed(self.dates) if first <= d <= self.schedule.as_of)

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
        return tuple(self.issue_page(d) for d in reversed(self.dates[-self.recent_count :]))  # type: ignore[misc]

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
            "recent": digest(*dates[: self.recent_count]),
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
