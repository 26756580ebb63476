"""An issue and an entry as templates see them: everything shown is derived here, and every read is noted.

An ``EntryPage`` or ``IssuePage`` gives out the fields of its file (through ``deps.Fields``),
its computed results and the facts the model derives (which issues feature an entry, the
issues next to one), each noting what was read, so the pages showing them are made again
exactly when one of those changes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..content.kinds import KINDS, EntryKind
from ..content.schema import CallToAction
from ..content.settings import SiteConfig
from ..content.slugs import group_slug
from ..content.sources import EntrySource, IssueSource
from ..incremental.deps import Fields, note
from .urls import issue_path

WORDS_PER_MINUTE = 200
"""Reading speed for reading times: slower than for prose (about 250), as the text is technical."""
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def word_count(*texts: str) -> int:
    """Words in ``texts`` (a formula's LaTeX counts a few: reading it takes time too)."""
    return sum(len(_WORD.findall(text)) for text in texts)


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
        """What the compute stage produced for it (``compute.results.EntryResults``)."""
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


class Issues(Protocol):
    """What an issue page asks of the site's model (``site_model.SiteModel``): the settings, and its neighbours."""

    site: SiteConfig

    def neighbours(self, date: dt.date) -> tuple[IssueLink | None, IssueLink | None]: ...


class IssuePage:
    """A published daily issue."""

    def __init__(self, source: IssueSource, parts: tuple[EntryPage, ...], model: Issues) -> None:
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
