"""Model stage: validated entries and computed results -> published pages with urls, dates and slugs.

Everything a template shows that is derived (a url, a slug, a date in words,
which issues feature an entry) is derived here, once, never in a template.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from .compute import EntryResults, Results
from .fingerprint import digest_text
from .load import Content, Loaded
from .schedule import Schedule
from .schema import CallToAction, Entry, FeatureEntry, IssueEntry, ProblemEntry, SiteConfig, TopicEntry
from .slugs import group_slug

KIND_LABELS = {"topics": "Topic deep dive", "problems": "Problem of the day", "features": "Feature spotlight"}
WORDS_PER_MINUTE = 200
"""Reading speed for reading times: slower than for prose (about 250), as the text is technical."""
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class Urls:
    """Turns a path inside the site into the url forms pages need."""

    base_url: str
    """Absolute url of the site root, ending in ``/``."""

    @property
    def base_path(self) -> str:
        """Path part of the base url (``/`` or ``/newsletter/``): the prefix of every internal link."""
        return urlsplit(self.base_url).path or "/"

    def link(self, path: str) -> str:
        """Site path (``issues/2026-11-26/``) -> link for pages (``/issues/2026-11-26/``)."""
        return self.base_path + path

    def absolute(self, path: str) -> str:
        """Site path -> absolute url, for feeds, emails and cross-posts."""
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


def issue_title(topic: Entry, problem: Entry) -> str:
    """An issue's title: its topic and its problem."""
    return f"{topic.title} · {problem.title}"


def word_count(*texts: str) -> int:
    """Words in ``texts`` (a formula's LaTeX counts a few: reading it takes time too)."""
    return sum(len(_WORD.findall(text)) for text in texts)


@dataclass(frozen=True)
class IssueLink:
    """A reference to a published issue, for pagers and back-links."""

    date: dt.date
    title: str
    """The issue's title, so that a link can say where it leads."""

    @property
    def path(self) -> str:
        return issue_path(self.date)

    @property
    def __fingerprint__(self) -> str:
        """What determines this value, for ``fingerprint`` (faster than walking it; a test checks every field is in)."""
        return digest_text("link", self.date.isoformat(), self.title)


@dataclass(frozen=True)
class Group:
    """A chapter (of topics) or a collection (of problems), with its own index page."""

    kind: str
    """``chapters`` or ``collections``."""
    name: str
    """As written by authors, e.g. ``CV: Deep Learning``."""
    slug: str
    """``cv-deep-learning``."""
    entries: tuple[EntryPage, ...]
    """Published entries in the group, by title."""

    @property
    def path(self) -> str:
        return f"{self.kind}/{self.slug}/"


@dataclass(frozen=True)
class EntryPage:
    """A published topic, problem or feature spotlight."""

    kind: str
    """Folder name: ``topics``, ``problems`` or ``features``."""
    source: Loaded[Entry]
    """The validated entry and the YAML document it came from."""
    results: EntryResults
    """What the compute stage produced for it."""
    group_name: str | None
    """Chapter or collection name, if the kind has one."""
    group_slug: str | None
    featured_in: tuple[IssueLink, ...]
    """The published issues that feature this entry, oldest first."""

    @property
    def entry(self) -> Entry:
        return self.source.model

    @property
    def __fingerprint__(self) -> str:
        """What determines this value, for ``fingerprint`` (faster than walking it; a test checks every field is in)."""
        return digest_text(
            "entry",
            self.kind,
            self.source.doc.path,
            self.source.doc.digest,
            self.results.__fingerprint__ or "",
            repr(self.group_name),
            repr(self.group_slug),
            *(link.__fingerprint__ for link in self.featured_in),
        )

    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def path(self) -> str:
        return f"{self.kind}/{self.id}/"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    def plot_path(self, plot_id: str, extension: str) -> str:
        """Site path of one of the entry's plot images: ``topics/perplexity/pp-vs-ce.svg`` (or ``.png``)."""
        return f"{self.path}{plot_id}.{extension}"

    @property
    def group_path(self) -> str | None:
        if self.group_slug is None:
            return None
        return f"{'chapters' if self.kind == 'topics' else 'collections'}/{self.group_slug}/"

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
        connection = entry.chapter_connection if isinstance(entry, TopicEntry) else None
        return word_count(
            entry.summary, *(s.heading + " " + s.body for s in entry.sections), *entry.applications, connection or ""
        )


@dataclass(frozen=True)
class IssuePage:
    """A published daily issue."""

    source: Loaded[IssueEntry]
    topic: EntryPage
    problem: EntryPage
    feature: EntryPage
    feed_id: str
    """Stable Atom id: derived from the site's ``feed_id`` and the date, never from the url."""
    published_at: dt.datetime
    """The issue's date at the site's publish time, in the site's time zone."""
    previous: IssueLink | None
    """The previous published issue."""
    next: IssueLink | None
    """The next published issue."""

    @property
    def entry(self) -> IssueEntry:
        return self.source.model

    @property
    def __fingerprint__(self) -> str:
        """What determines this value, for ``fingerprint`` (faster than walking it; a test checks every field is in)."""
        return digest_text(
            "issue",
            self.source.doc.path,
            self.source.doc.digest,
            self.topic.__fingerprint__,
            self.problem.__fingerprint__,
            self.feature.__fingerprint__,
            self.feed_id,
            repr(self.published_at),
            self.previous.__fingerprint__ if self.previous else "-",
            self.next.__fingerprint__ if self.next else "-",
        )

    @property
    def date(self) -> dt.date:
        return self.entry.date

    @property
    def path(self) -> str:
        return issue_path(self.date)

    @property
    def title(self) -> str:
        return issue_title(self.topic.entry, self.problem.entry)

    @property
    def reading_minutes(self) -> int:
        """Minutes to read the three parts at ``WORDS_PER_MINUTE``, rounded up."""
        return max(1, math.ceil(sum(part.words for part in self.parts) / WORDS_PER_MINUTE))

    @property
    def date_text(self) -> str:
        """``Thursday, 26 November 2026``."""
        return f"{self.date:%A}, {self.date.day} {self.date:%B %Y}"

    @property
    def parts(self) -> tuple[EntryPage, EntryPage, EntryPage]:
        return (self.topic, self.problem, self.feature)

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


@dataclass(frozen=True)
class SiteModel:
    """Every published page of the site."""

    site: SiteConfig
    urls: Urls
    schedule: Schedule
    issues: tuple[IssuePage, ...]
    """Published issues, newest first."""
    entries: tuple[EntryPage, ...]
    """Published topics, problems and features, by kind then id."""
    chapters: tuple[Group, ...]
    collections: tuple[Group, ...]

    @property
    def recent(self) -> tuple[IssuePage, ...]:
        return self.issues[: self.site.recent_issues]

    @property
    def months(self) -> tuple[Month, ...]:
        by_month: dict[tuple[int, int], list[IssuePage]] = defaultdict(list)
        for issue in self.issues:
            by_month[(issue.date.year, issue.date.month)].append(issue)
        return tuple(Month(y, m, tuple(items)) for (y, m), items in sorted(by_month.items(), reverse=True))

    @property
    def updated(self) -> dt.datetime | None:
        """Publication time of the newest issue: what feeds report as the site's update time."""
        return self.issues[0].published_at if self.issues else None


def build_model(content: Content, results: Results, schedule: Schedule) -> SiteModel:
    """Select what is published as of the schedule and link everything together."""
    site = content.site.model
    published = sorted(
        (loaded for loaded in content.issues.values() if schedule.publishes(loaded.model)),
        key=lambda loaded: loaded.model.date,
    )
    featured: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for loaded in published:
        issue = loaded.model
        for kind, ref in (("topics", issue.topic), ("problems", issue.problem), ("features", issue.feature)):
            featured[(kind, ref)].append(issue.date)
    links = {
        loaded.model.date: IssueLink(
            loaded.model.date,
            issue_title(content.topics[loaded.model.topic].model, content.problems[loaded.model.problem].model),
        )
        for loaded in published
    }

    pages: dict[tuple[str, str], EntryPage] = {}
    for kind, loaded in content.entries():
        key = (kind, loaded.model.id)
        if key in featured:
            group = _group_name(loaded.model)
            pages[key] = EntryPage(
                kind,
                loaded,
                results.of(*key),
                group,
                group_slug(group) if group else None,
                tuple(links[date] for date in featured[key]),
            )

    namespace = uuid.UUID(site.feed_id)
    issues = []
    for index, loaded in enumerate(published):
        issue = loaded.model
        issues.append(
            IssuePage(
                loaded,
                pages[("topics", issue.topic)],
                pages[("problems", issue.problem)],
                pages[("features", issue.feature)],
                feed_id=uuid.uuid5(namespace, f"issue/{issue.date.isoformat()}").urn,
                published_at=dt.datetime.combine(issue.date, site.publish_time, zoneinfo.ZoneInfo(site.timezone)),
                previous=links[published[index - 1].model.date] if index > 0 else None,
                next=links[published[index + 1].model.date] if index + 1 < len(published) else None,
            )
        )
    entries = tuple(pages[key] for key in sorted(pages))
    return SiteModel(
        site,
        Urls(site.base_url),
        schedule,
        tuple(reversed(issues)),
        entries,
        _groups("chapters", [p for p in entries if p.kind == "topics"]),
        _groups("collections", [p for p in entries if p.kind == "problems"]),
    )


def _group_name(entry: Entry) -> str | None:
    if isinstance(entry, TopicEntry):
        return entry.chapter
    if isinstance(entry, ProblemEntry):
        return entry.collection
    assert isinstance(entry, FeatureEntry)
    return None


def _groups(kind: str, pages: list[EntryPage]) -> tuple[Group, ...]:
    by_slug: dict[str, list[EntryPage]] = defaultdict(list)
    for page in pages:
        assert page.group_slug is not None
        by_slug[page.group_slug].append(page)
    return tuple(
        Group(kind, members[0].group_name or slug, slug, tuple(sorted(members, key=lambda p: p.entry.title)))
        for slug, members in sorted(by_slug.items())
    )
