"""Fingerprints: a short digest of everything a value holds, so a page can be rebuilt exactly when its inputs change.

A page is rendered from a template and a few values (an issue, an entry, the
site settings). Its fingerprint is the digest of the template and of those
values, computed without rendering; if it matches the one recorded when the
page was last written, the page is the same and is not rendered again.

Values are walked structurally: dataclasses field by field, mappings and
sequences item by item, pydantic models by their fields. A validated content
file (``Loaded``) is fingerprinted by the sha256 of the file it came from,
since everything in it derives from those bytes (and from build-site's code,
which is part of every page's fingerprint). A type this module does not know
is an error, never a silent guess: a value whose change went unnoticed would
leave a stale page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

DIGEST_CHARS = 32
"""Hex characters kept of each sha256 (128 bits: no accidental collision among a site's values)."""


def digest_text(*parts: str) -> str:
    """The digest of a sequence of strings (separated, so ``("ab", "c")`` and ``("a", "bc")`` differ)."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


class Lazy:
    """A value known by its fingerprint before it is made (a rendered fragment, say), made on first use."""

    def __init__(self, fingerprint: str, make: Any) -> None:
        self.fingerprint = fingerprint
        self._make = make
        self._value: Any = _UNSET

    @property
    def value(self) -> Any:
        if self._value is _UNSET:
            self._value = self._make()
            self._make = None
        return self._value


_UNSET = object()


class LazyMapping(Mapping[Any, Any]):
    """A mapping of ``Lazy`` values, made only when a template looks one up (``contents[issue.date]``)."""

    def __init__(self, items: Mapping[Any, Lazy]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: Any) -> Any:
        return self._items[key].value

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def lazy_items(self) -> Mapping[Any, Lazy]:
        return self._items


class Fingerprints:
    """Fingerprints of the values of one build, each computed once (values are kept alive while remembered).

    Scalars are written out rather than hashed, and only composite values are digested,
    so a value made of many small parts costs one hash, not one per part.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, str]] = {}

    def of(self, value: Any) -> str:
        """The fingerprint of ``value``: equal for values that render the same, different otherwise."""
        key = id(value)
        found = self._memo.get(key)  # first: most values asked about are composite, and asked about again
        if found is not None and found[0] is value:
            return found[1]
        plain = _plain(value)
        if plain is not None:  # never remembered: equal plain values have the same fingerprint anyway
            return digest_text("plain", plain) if len(plain) > 64 else plain
        fingerprint = self._compute(value)
        self._memo[key] = (value, fingerprint)
        return fingerprint

    def _compute(self, value: Any) -> str:
        kind = type(value)
        handler = _HANDLERS.get(kind)
        if handler is None:
            handler = _HANDLERS[kind] = _handler_for(kind)
        return handler(self, value)


def _handler_for(kind: type) -> Callable[[Fingerprints, Any], str]:
    """How to fingerprint values of type ``kind``, decided once per type."""
    from .load import Loaded
    from .yamlsource import YamlDocument

    if isinstance(getattr(kind, "__fingerprint__", None), property):
        return _given
    if issubclass(kind, Lazy):
        return lambda fps, value: value.fingerprint
    if issubclass(kind, LazyMapping):
        return lambda fps, value: digest_text(
            "lazy-mapping", *(f"{fps.of(k)}={v.fingerprint}" for k, v in value.lazy_items().items())
        )
    if issubclass(kind, bytes):
        return lambda fps, value: digest_text("bytes", digest_bytes(value))
    if issubclass(kind, Loaded):
        return lambda fps, value: digest_text("loaded", type(value.model).__qualname__, fps.of(value.doc))
    if issubclass(kind, YamlDocument):
        return _document
    if issubclass(kind, enum.Enum):
        return lambda fps, value: digest_text("enum", kind.__qualname__, fps.of(value.value))
    if issubclass(kind, dt.date | dt.time):  # subclasses; the plain types are scalars
        return lambda fps, value: digest_text(kind.__name__, repr(value))
    if issubclass(kind, dt.tzinfo):
        return lambda fps, value: digest_text("tzinfo", str(value))
    if issubclass(kind, str):  # Markup and other str subclasses: their text is what they show
        return lambda fps, value: digest_text("str", value)
    if issubclass(kind, Mapping):  # in order: a page shows a worked example's steps in the order computed
        return lambda fps, value: digest_text("mapping", *(f"{fps.of(k)}={fps.of(v)}" for k, v in value.items()))
    if issubclass(kind, list | tuple):
        name = kind.__name__
        return lambda fps, value: digest_text(name, *(fps.of(item) for item in value))
    if issubclass(kind, set | frozenset):
        return lambda fps, value: digest_text("set", *sorted(fps.of(item) for item in value))
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))
        label = kind.__qualname__
        return lambda fps, value: digest_text(
            "dataclass", label, *(f"{name}={fps.of(getattr(value, name))}" for name in names)
        )
    model_fields = getattr(kind, "model_fields", None)
    if isinstance(model_fields, dict):  # a pydantic model (e.g. the site settings)
        names = tuple(model_fields)
        label = kind.__qualname__
        return lambda fps, value: digest_text(
            "model", label, *(f"{name}={fps.of(getattr(value, name))}" for name in names)
        )

    def unknown(fps: Fingerprints, value: Any) -> str:
        raise TypeError(f"cannot fingerprint a {kind.__qualname__}")

    return unknown


def _given(fps: Fingerprints, value: Any) -> str:
    given = value.__fingerprint__
    if isinstance(given, str):  # the value knows what determines it (computed results: their cache keys)
        return given
    names = tuple(f.name for f in dataclasses.fields(value))
    return digest_text("dataclass", type(value).__qualname__, *(f"{n}={fps.of(getattr(value, n))}" for n in names))


def _document(fps: Fingerprints, value: Any) -> str:
    if not value.digest:
        raise TypeError(f"cannot fingerprint {value.path}: its digest is unknown")
    return digest_text("document", value.path, value.digest)


_HANDLERS: dict[type, Callable[[Fingerprints, Any], str]] = {}


_SCALARS = (str, int, float, bool, type(None), dt.date, dt.datetime, dt.time)
# repr tells these apart and writes them exactly (a datetime with its time zone, by key)


def _plain(value: Any) -> str | None:
    """``repr`` of plain data (str, numbers, None and lists, tuples and dicts of them), else None.

    ``repr`` tells these types apart (``1`` from ``1.0`` and ``"1"``, a list from a tuple), keeps
    dicts in order and writes floats exactly, so equal text means equal values.
    """
    kind = type(value)
    if kind in _SCALARS:
        return repr(value)
    if kind is list or kind is tuple:
        for item in value:
            if type(item) not in _SCALARS and _plain(item) is None:
                return None
        return repr(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) not in _SCALARS or (type(item) not in _SCALARS and _plain(item) is None):
                return None
        return repr(value)
    return None
