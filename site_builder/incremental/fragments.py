"""Fragments: entries' renderings kept in the build cache, given again by any later build while nothing they read changed.

An entry rendered in one format (``render.entries``) reads facts (``deps``): its fields, its
results, the templates of its directives, the pages its links point to. Each rendering is kept
in a file of its own, ``.build-cache/v1/fragments/KIND/ID.FORMAT.z`` (zlib-compressed JSON),
with the digest of every fact it read, as the build that made it knew them, and build-site's
fingerprint (``builder.builder_digest``, as the build state records it). A later build, with or
without a build state (a fresh CI job restores only ``.build-cache/``), gives the rendering again
when the fingerprint and every digest are the same, and notes its reads as a rendering made now
would; otherwise it renders again and replaces the file. A page's own template is not read by an
entry's rendering, so editing a template or the theme leaves the fragments valid.

A fragment may rely on cache slots of its own (the email's formula images): it names them, and a
build that made every output removes the fragments and those slots that none of its pages used
(``prune_kept``). Files are read only when a page needs the entry, one at a time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import zlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from .cache import Cache, write_atomic
from .deps import note_all, tracking
from .state import BuildState

log = logging.getLogger(__name__)

FRAGMENTS = "fragments"
"""Cache folder of the fragments (see ``cache.Cache``)."""
SUFFIX = ".z"

_used: set[str] = set()
"""Fragments and the slots they rely on, used in this process since the last ``take_used``."""


def take_used() -> set[str]:
    """The fragments (``fragments/topics/perplexity.web``) and their slots used since the last call."""
    taken = set(_used)
    _used.clear()
    return taken


def note_used(name: str, slots: Iterable[str] = ()) -> None:
    """Fragment ``name`` (and ``slots``) is used by what is being made: a prune keeps it."""
    _used.update((f"{FRAGMENTS}/{name}", *slots))


class Got(NamedTuple):
    """A fragment as ``Fragments.get`` gives it."""

    data: Any
    kept: bool
    """True: kept from an earlier build; False: made now."""
    reads: frozenset[str]


class Fragments:
    """The fragments a build may take as kept, and where it keeps those it makes.

    ``known``: the facts whose digest this build found changed, with their digest now (``Changes.facts``);
    the others are as the build ``state`` recorded them.
    """

    def __init__(self, cache: Cache, known: Mapping[str, str | None], state: BuildState) -> None:
        assert cache.folder is not None
        self.folder = cache.folder / FRAGMENTS
        self.cache = cache
        self.known = known
        self.builder = state.meta("builder")
        self._state = state
        self._recorded_any = state.meta("tree") is not None
        """False for a new state (a clean build): no fact is recorded, every one is in ``known``."""
        self._pid = os.getpid()
        self._warned = False

    @classmethod
    def of(cls, cache: Cache, known: Mapping[str, str | None], state: BuildState) -> Fragments | None:
        """The fragments of ``cache``; None when it is off (``--no-cache``)."""
        return None if cache.folder is None else cls(cache, known, state)

    def get(self, name: str, make: Callable[[], tuple[Any, Sequence[str]]]) -> Got:
        """Fragment ``name`` as kept, or made now by ``make`` and kept.

        ``make`` gives the data (plain JSON) and the cache slots it relies on; what it reads is tracked.
        A kept fragment's reads are noted, as if it had been made now.
        """
        found = self._load(name)
        if found is not None:
            data, reads, slots = found
            note_all(reads)
            note_used(name, slots)
            return Got(data, True, frozenset(reads))
        with tracking() as made_reads:
            data, slots = make()
        note_used(name, slots)
        self._store(name, data, made_reads, slots)
        return Got(data, False, frozenset(made_reads))

    def _path(self, name: str) -> Path:
        return self.folder / f"{name}{SUFFIX}"

    def _load(self, name: str) -> tuple[Any, Collection[str], list[str]] | None:
        try:
            record = json.loads(zlib.decompress(self._path(name).read_bytes()))
            reads = record["reads"]
            if record["builder"] != self.builder or self.digests(reads) != reads:
                return None
            return record["data"], reads.keys(), list(record["slots"])
        except (OSError, ValueError, zlib.error, KeyError, TypeError, AttributeError):
            return None  # not made yet, or unreadable: made again

    def _store(self, name: str, data: Any, reads: Iterable[str], slots: Sequence[str]) -> None:
        if self.cache.read_only:
            return
        record = {"builder": self.builder, "reads": self.digests(reads), "slots": list(slots), "data": data}
        text = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        try:
            self.cache.unmark()  # a new file may be one a prune must look at
            write_atomic(self._path(name), zlib.compress(text.encode(), 1))
        except OSError as exc:
            if not self._warned:
                log.warning("cannot keep rendered entries in %s: %s", self.folder, exc)
                self._warned = True

    def digests(self, facts: Iterable[str]) -> dict[str, str | None]:
        """The digest of each of ``facts`` now: changed in this build, or as the state recorded it (None: never had one)."""
        found: dict[str, str | None] = {}
        ask: list[str] = []
        for fact in facts:
            if fact in self.known:
                found[fact] = self.known[fact]
            else:
                ask.append(fact)
        if ask:
            recorded = self._recorded(ask)
            for fact in ask:
                found[fact] = recorded.get(fact)
        return found

    def _recorded(self, facts: list[str]) -> Mapping[str, str | None]:
        if not self._recorded_any:
            return {}
        if os.getpid() != self._pid and self._state.path is not None:
            # A forked worker: SQLite connections must not cross a fork, so it opens its own, read-only.
            uri = f"{self._state.path.as_uri()}?mode=ro"
            self._state = BuildState(sqlite3.connect(uri, uri=True, check_same_thread=False), self._state.path)
            self._pid = os.getpid()
        return self._state.facts(facts)


def prune_kept(cache: Cache, used: Iterable[str], folders: Iterable[str], *, every: bool) -> None:
    """After a build that made ``every`` output: remove the fragments and the slots of ``folders`` none of them ``used``."""
    if not every or cache.folder is None or cache.read_only:
        return
    cache.used.update(used)
    with contextlib.suppress(OSError):
        cache.prune(FRAGMENTS, *folders)
