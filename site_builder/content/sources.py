"""The content files as a build holds them: each file's source (path, digest, skeleton) and its validated model,
loaded on first use; ``Content`` is all of them.

The loader (``load``) makes them; validation, compute and the model read them.
"""

from __future__ import annotations

import datetime as dt
import functools
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
        loaded: Loaded[T] | None = None,
    ) -> None:
        self.path = path
        self.digest = digest
        self._load = load
        self._loaded: Loaded[T] | None = loaded
        self.fields = Fields(path, lambda: self.loaded.model, _field_names(model), known)
        """The model's fields, noting each one read (see ``deps``); ``known``: those the skeleton holds."""

    @property
    def loaded(self) -> Loaded[T]:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def let_go(self, load: Callable[[], Loaded[T]]) -> None:
        """Drop the parsed file and its model: ``load`` makes them again when next read."""
        self._load, self._loaded = load, None
        self.fields._model = None


@functools.cache
def _field_names(model: type[Model]) -> frozenset[str]:
    """Its fields' names, once per model rather than once per file (pydantic makes ``model_fields`` at each call)."""
    return frozenset(model.model_fields)


class EntrySource(Source[Entry]):
    """A topic, problem or feature."""

    def __init__(
        self, kind: EntryKind, skeleton: tuple[Any, ...], path: str, digest: str, load: Any, loaded: Any = None
    ) -> None:
        self.kind = kind
        self.id, self.title, self.group = skeleton[:3]
        listed = skeleton[3] if len(skeleton) > 3 else {}  # ``kinds.LISTED``: absent from a skeleton made by hand
        super().__init__(path, digest, load, kind.model, {"id": self.id, "title": self.title, **listed}, loaded)


class IssueSource(Source[IssueEntry]):
    """A daily issue."""

    def __init__(
        self, skeleton: tuple[str, bool, str, str, str], path: str, digest: str, load: Any, loaded: Any = None
    ) -> None:
        super().__init__(path, digest, load, IssueEntry, loaded=loaded)
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
    paths: frozenset[str] = frozenset()
    """Every file under ``content/`` there was, read or not."""

    def entry(self, folder: str, entry_id: str) -> EntrySource | None:
        return self.entries.get((folder, entry_id))

    def of_kind(self, folder: str) -> list[EntrySource]:
        return [source for (f, _), source in self.entries.items() if f == folder]


Recorded = Mapping[str, tuple[str, Any]]
"""Display path -> (sha256, skeleton) of the content files the last build read."""


def structure(skeleton: Any) -> Any:
    """What of a skeleton shapes the site (an issue's date, draft flag and parts; an entry's id, title and group), as
    the state stores it (tuples become lists): an entry's listed fields (``kinds.LISTED``) are only shown."""
    if isinstance(skeleton, list | tuple):
        return [structure(v) for v in skeleton if not isinstance(v, dict)]
    return skeleton
