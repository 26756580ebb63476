"""Read tracking: what each output, entry rendering and computation reads is noted while it is made.

A *fact* is a named piece of input with a digest:

- ``content/topics/perplexity.yaml#title``: one top-level field of a content file;
- ``content/topics/perplexity.yaml``: a whole file (a template, a ``computed/`` module, a static file,
  or a content file read as a whole);
- ``results:topics/perplexity``: what the compute stage made for an entry;
- facts the model derives from every issue: ``issues`` (the published ones, in order), ``recent``,
  ``window``, ``featured:topics/perplexity``, ``neighbours:2026-11-26``, ``group:chapters/deep-learning``,
  ``groups:chapters``.

Model objects note the facts they give out as they give them out (``note``, ``Fields``); the
build makes each output inside ``tracking()`` and keeps what it noted. The next build finds
which facts its changed inputs changed and makes again exactly the outputs that read one of
them. Nothing lists by hand what an output depends on: reading is declaring (as Lektor's
dependency tracking and Salsa's queries do).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

_reads: set[str] | None = None
"""The facts noted by whatever is being made now (None: nothing is tracked)."""


def note(fact: str) -> None:
    """Whatever is being made now reads ``fact``."""
    if _reads is not None:
        _reads.add(fact)


def note_all(facts: Iterable[str]) -> None:
    """Whatever is being made now reads each of ``facts`` (those of a rendering taken from a cache)."""
    if _reads is not None:
        _reads.update(facts)


@contextlib.contextmanager
def tracking() -> Iterator[set[str]]:
    """Collect the facts noted inside the block; they count for the enclosing block too."""
    global _reads
    outer = _reads
    reads: set[str] = set()
    _reads = reads
    try:
        yield reads
    finally:
        _reads = outer
        if outer is not None:
            outer |= reads


@contextlib.contextmanager
def untracked() -> Iterator[None]:
    """Read without noting (what an output is declared from is part of its identity, not a read)."""
    global _reads
    outer, _reads = _reads, None
    try:
        yield
    finally:
        _reads = outer


class Memo:
    """Values made once per process, each with the facts it read: a later use notes the same facts.

    A value whose making failed with a build error keeps the error: every use raises it again.
    """

    def __init__(self) -> None:
        self._done: dict[Any, tuple[Any, frozenset[str], BaseException | None]] = {}

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        from ..errors import BuildError

        done = self._done.get(key)
        if done is None:
            value: Any = None
            error: BaseException | None = None
            with tracking() as reads:
                try:
                    value = make()
                except BuildError as exc:
                    error = exc
            done = self._done[key] = (value, frozenset(reads), error)
        else:
            note_all(done[1])
        if done[2] is not None:
            raise done[2]
        return done[0]

    def forget(self, key: Any) -> None:
        self._done.pop(key, None)

    def clear(self) -> None:
        self._done.clear()


def digest(*parts: str | bytes) -> str:
    """A short sha256 (128 bits, hex) of ``parts``: what facts and outputs are compared by."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()[:32]


def value_digest(value: Any) -> str:
    """Digest of plain data (what YAML gives): equal values, equal digests."""
    return digest(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str))


def field_facts(path: str, data: Any, fields: Iterable[str]) -> dict[str, str]:
    """The facts of a content file: each of ``fields`` (those its model declares) and the file as a whole."""
    mapping = data if isinstance(data, dict) else {}
    facts = {f"{path}#{name}": value_digest(mapping.get(name)) for name in fields}
    facts[path] = value_digest(mapping)
    return facts


class Fields:
    """A validated content file whose fields note themselves when read: ``fields.title`` notes ``PATH#title``.

    Reading anything that is not a field (a method such as ``model_dump``) notes the whole file.
    The model is loaded on first use, so an entry nobody reads is never loaded; ``known`` fields
    (an entry's title, kept in its skeleton) are given without loading it: the archive lists
    every title, and parsing a thousand files to show them would cost the daily build a second.
    """

    __slots__ = ("_known", "_load", "_model", "_names", "path")

    def __init__(
        self, path: str, load: Callable[[], Any], names: frozenset[str], known: Mapping[str, Any] | None = None
    ) -> None:
        self.path = path
        self._load = load
        self._model: Any = None
        self._names = names
        self._known = known or {}

    @property
    def model(self) -> Any:
        """The validated model itself, noting the whole file."""
        note(self.path)
        return self._loaded()

    def _loaded(self) -> Any:
        if self._model is None:
            self._model = self._load()
        return self._model

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._known:
            note(f"{self.path}#{name}")
            return self._known[name]
        value = getattr(self._loaded(), name)
        note(f"{self.path}#{name}" if name in self._names else self.path)
        return value

    def __repr__(self) -> str:
        return f"Fields({self.path!r})"
