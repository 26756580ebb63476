"""The content files as a build holds them: each file's source (path, digest, skeleton) and its validated model,
loaded on first use; ``Content`` is all of them.

The loader (``load``) makes them; validation, compute and the model read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..errors import Problem
from ..incremental.deps import Fields
from .kinds import EntryKind
from .schema import Entry, IssueEntry, Model
from .settings import SiteConfig
from .yamlsource import Loc, YamlDocument

T = TypeVar("T", bound=Model)


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """A validated model together with the document it came from (for later error positions)."""

    model: T
    doc: YamlDocument

    def problem(self, loc: Loc, message: str, hint: str = "") -> Problem:
        return self.doc.problem(loc, message, hint=hint)


class Source(Generic[T]):
    """One content file: its path and digest now, and its validated model, loaded on first use."""

    def __init__(
        self,
        path: str,
        digest: str,
        load: Callable[[], Loaded[T]],
        model: type[T],
        known: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.digest = digest
        self._load = load
        self._loaded: Loaded[T] | None = None
        self.fields = Fields(path, lambda: self.loaded.model, frozenset(model.model_fields), known)
        """The model's fields, noting each one read (see ``deps``); ``known``: those the skeleton holds."""

    @property
    def loaded(self) -> Loaded[T]:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded


class EntrySource(Source[Entry]):
    """A topic, problem or feature."""

    def __init__(
        self, kind: EntryKind, skeleton: tuple[str, str, str | None], path: str, digest: str, load: Any
    ) -> None:
        self.kind = kind
        self.id, self.title, self.group = skeleton
        super().__init__(path, digest, load, kind.model, {"id": self.id, "title": self.title})


class IssueSource(Source[IssueEntry]):
    """A daily issue."""

    def __init__(self, skeleton: tuple[str, bool, str, str, str], path: str, digest: str, load: Any) -> None:
        super().__init__(path, digest, load, IssueEntry)
        self.date = dt.date.fromisoformat(skeleton[0])
        self.draft = skeleton[1]
        self.parts: tuple[str, ...] = skeleton[2:]
        """The ids of its topic, problem and feature, in the order of ``kinds.KINDS``."""


@dataclass
class Content:
    """Everything under ``content/``: the site settings, and every valid entry and issue."""

    site: Loaded[SiteConfig]
    site_source: Source[SiteConfig]
    entries: dict[tuple[str, str], EntrySource]
    """(folder, id) -> entry, by kind (in the order of ``kinds.KINDS``) then id."""
    issues: dict[dt.date, IssueSource]
    """Issues whose parts all exist, by date."""
    facts: dict[str, dict[str, str]] = field(default_factory=dict)
    """Display path -> the facts of that file (see ``deps``), for every file this load read."""
    read: set[str] = field(default_factory=set)
    """Display paths of the files this load read and validated."""
    skeletons: dict[str, Any] = field(default_factory=dict)
    """Display path -> skeleton of every content file."""

    def entry(self, folder: str, entry_id: str) -> EntrySource | None:
        return self.entries.get((folder, entry_id))

    def of_kind(self, folder: str) -> list[EntrySource]:
        return [source for (f, _), source in self.entries.items() if f == folder]


Recorded = Mapping[str, tuple[str, Any]]
"""Display path -> (sha256, skeleton) of the content files the last build read."""
