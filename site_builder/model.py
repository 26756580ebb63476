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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from .deps import Fields, digest, note
from .kinds import BY_FOLDER, KINDS, EntryKind
from .load import Content, EntrySource, IssueSource, Source
from .schedule import Schedule
from .schema import CallToAction, SiteConfig
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
    page: Callable[[], IssuePage | None] = field(compare=False, repr=False, default=lambda: None)

    @property
    def path(self) -> str:
        return issue_path(self.date)

    @property
    def title(self) -> str:
        """The issue's title (its topic's and problem's)."""
        issue = self.page()
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
    members: tuple[EntryPage, ...]

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
    ) -> None:
        self.info = kind
        self.source = source
        self._results = results
        self._featured_in = featured_in
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
        slug = self.group_slug
        return f"{self.info.group_folder}/{slug}/" if slug is not None else None

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
    """Every published page of the site."""

    def __init__(self, site: Source[SiteConfig], schedule: Schedule, window_days: int) -> None:
        self.site_source = site
        self.site: Any = site.fields
        """The site settings (``schema.SiteConfig``); each field read is noted."""
        self.urls = Urls(site.loaded.model.base_url)
        self.schedule = schedule
        self.window_days = window_days
        self.all_issues: tuple[IssuePage, ...] = ()
        """Published issues, newest first (not noted: see ``issues``)."""
        self.all_entries: tuple[EntryPage, ...] = ()
        self.groups: dict[str, tuple[Group, ...]] = {}
        self.by_date: dict[dt.date, IssuePage] = {}
        self.pages: dict[tuple[str, str], EntryPage] = {}
        self.unfeatured: tuple[EntryPage, ...] = ()
        """Entries no published issue features, given pages only in previews and checks."""
        self._neighbours: dict[dt.date, tuple[IssueLink | None, IssueLink | None]] = {}

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
        return self.all_issues[: self.recent_count]

    @cached_property
    def recent_count(self) -> int:
        return self.site_source.loaded.model.recent_issues

    @property
    def window(self) -> tuple[IssuePage, ...]:
        """The published issues that get their email and dev.to editions: the last days up to the publication day."""
        note("window")
        return self.window_issues

    @cached_property
    def window_issues(self) -> tuple[IssuePage, ...]:
        first = self.schedule.as_of - dt.timedelta(days=self.window_days - 1)
        return tuple(i for i in self.all_issues if first <= i.date <= self.schedule.as_of)

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

    def entry_page(self, folder: str, entry_id: str) -> EntryPage | None:
        """The page of an entry, if it has one."""
        return self.pages.get((folder, entry_id))

    def neighbours(self, date: dt.date) -> tuple[IssueLink | None, IssueLink | None]:
        return self._neighbours[date]

    def derived_facts(self) -> dict[str, str]:
        """The digest of every fact derived here from all issues (see ``deps``)."""
        dates = [i.date.isoformat() for i in self.all_issues]
        facts = {
            "issues": digest(*dates),
            "recent": digest(*dates[: self.recent_count]),
            "window": digest(*(i.date.isoformat() for i in self.window_issues)),
            "entries": digest(*(e.key for e in self.all_entries)),
        }
        for page in self.all_entries:
            facts[f"featured:{page.key}"] = digest(*(link.date.isoformat() for link in page._featured_in))
        for date, (before, after) in self._neighbours.items():
            facts[f"neighbours:{date.isoformat()}"] = digest(
                *(str(link.date) if link else "-" for link in (before, after))
            )
        for folder, groups in self.groups.items():
            facts[f"groups:{folder}"] = digest(*(f"{g.slug}={g.name}={len(g.members)}" for g in groups))
            for group in groups:
                facts[f"group:{folder}/{group.slug}"] = digest(group.name, *(m.key for m in group.members))
        return facts


def build_model(
    content: Content, results: Callable[[EntrySource], Any], schedule: Schedule, *, unfeatured: bool = False
) -> SiteModel:
    """Select what is published as of the schedule and link everything together.

    ``results`` gives an entry's computed results when first read. With ``unfeatured``, entries that
    no published issue features get pages too (the preview shows them, marked as such).
    """
    site = content.site.model
    model = SiteModel(content.site_source, schedule, site.delivery.window)
    published = [s for s in content.issues.values() if schedule.publishes(s.date, s.draft)]
    featured: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for source in published:
        for kind, ref in zip(KINDS, source.parts, strict=True):
            featured[(kind.folder, ref)].append(source.date)
    pages: dict[tuple[str, str], EntryPage] = {}
    unfeatured_pages: dict[tuple[str, str], EntryPage] = {}
    for key, source in content.entries.items():
        if key in featured or unfeatured:
            links = tuple(IssueLink(date, _page_of(model, date)) for date in featured.get(key, ()))
            page = EntryPage(source.kind, source, _memo(results, source), links)
            (pages if key in featured else unfeatured_pages)[key] = page
    issues = [
        IssuePage(s, tuple(pages[(k.folder, ref)] for k, ref in zip(KINDS, s.parts, strict=True)), model)
        for s in published
    ]
    for index, issue in enumerate(issues):
        before = IssueLink(issues[index - 1].date, _page_of(model, issues[index - 1].date)) if index else None
        after = (
            IssueLink(issues[index + 1].date, _page_of(model, issues[index + 1].date))
            if index + 1 < len(issues)
            else None
        )
        model._neighbours[issue.date] = (before, after)
    model.all_issues = tuple(reversed(issues))
    model.by_date = {issue.date: issue for issue in issues}
    model.all_entries = tuple(pages[key] for key in sorted(pages))
    model.unfeatured = tuple(unfeatured_pages[key] for key in sorted(unfeatured_pages))
    model.pages = {**pages, **unfeatured_pages}
    model.groups = {
        kind.group_folder: _groups(kind.group_folder, [p for p in model.all_entries if p.kind == kind.folder])
        for kind in KINDS
        if kind.group_folder
    }
    return model


def _page_of(model: SiteModel, date: dt.date) -> Callable[[], IssuePage | None]:
    return lambda: model.by_date.get(date)


def _memo(results: Callable[[EntrySource], Any], source: EntrySource) -> Callable[[], Any]:
    found: list[Any] = []

    def get() -> Any:
        if not found:
            found.append(results(source))
        return found[0]

    return get


def _groups(folder: str, pages: list[EntryPage]) -> tuple[Group, ...]:
    by_slug: dict[str, list[EntryPage]] = defaultdict(list)
    for page in pages:
        slug = group_slug(page.source.group or "")
        by_slug[slug].append(page)
    return tuple(
        Group(
            folder, members[0].source.group or slug, slug, tuple(sorted(members, key=lambda p: (p.source.title, p.id)))
        )
        for slug, members in sorted(by_slug.items())
    )
