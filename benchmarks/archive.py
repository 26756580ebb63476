"""A generated archive as data: its issues, their entries and sections, and the YAML build-site reads of each."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path


def quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass(frozen=True)
class Section:
    """A headed part of an entry, in build-site Markdown and in plain Markdown for the peers."""

    heading: str
    body: str
    """build-site Markdown: may hold ```` ```{formula} ID ```` directives and `` {value}`...` `` roles."""
    peer_body: str
    """The same text with directives and roles replaced by what build-site would show."""


@dataclass(frozen=True)
class GeneratedEntry:
    """A topic, problem or feature spotlight, as YAML for build-site and as text for the peers."""

    kind: str
    """``topics``, ``problems`` or ``features``."""
    id: str
    title: str
    summary: str
    tags: tuple[str, ...]
    group: str | None
    """Chapter (topics) or collection (problems)."""
    sections: tuple[Section, ...]
    yaml: str
    """The content file build-site reads."""
    peer_appendix: str
    """Markdown build-site generates itself (test cases, solution, call to action), written out for the peers."""


@dataclass(frozen=True)
class GeneratedIssue:
    """One day's issue."""

    date: dt.date
    intro: str
    tags: tuple[str, ...]
    topic: GeneratedEntry
    problem: GeneratedEntry
    feature: GeneratedEntry

    @property
    def title(self) -> str:
        """As build-site titles an issue: topic and problem."""
        return f"{self.topic.title} · {self.problem.title}"

    @property
    def parts(self) -> tuple[GeneratedEntry, GeneratedEntry, GeneratedEntry]:
        return (self.topic, self.problem, self.feature)

    @property
    def yaml(self) -> str:
        return (
            f"date: {self.date.isoformat()}\n"
            f"topic: {self.topic.id}\n"
            f"problem: {self.problem.id}\n"
            f"feature: {self.feature.id}\n"
            f"intro: {quote(self.intro)}\n"
            f"tags: [{', '.join(self.tags)}]\n"
        )


@dataclass(frozen=True)
class Archive:
    """A generated archive: consecutive daily issues, oldest first."""

    seed: int
    issues: tuple[GeneratedIssue, ...]

    @property
    def last_date(self) -> dt.date:
        """Publication day that publishes every issue: pass it to ``build-site --date``."""
        return self.issues[-1].date

    def entries(self) -> list[GeneratedEntry]:
        return [entry for issue in self.issues for entry in issue.parts]


@dataclass
class Project:
    """The generated projects for one N."""

    n: int
    archive: Archive
    ours: Path
    pelican: Path
    hugo: Path
    tomorrow: GeneratedIssue
    """The issue of the day after the archive's last: what the next-day scenario adds (and removes again)."""
