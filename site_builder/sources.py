"""Content files read once: an unchanged file is recognised by its stat, and its parsed YAML is reused.

Parsing YAML with positions is the slowest part of loading (about 1 s for 4,000
files); a rebuild after one edit should not pay it for the other 3,999. For each
content file the cache keeps its stat (inode, size, mtime, ctime), its sha256,
and what ``yamlsource.parse_yaml`` made of it (values and positions). A file
whose stat is unchanged is not even read; one whose stat changed is read and
hashed, and parsed again only if its bytes changed.

A stat can miss an edit made within the filesystem's timestamp granularity of
the moment the stat was recorded (the "racy clean" problem known from git), so
a file modified shortly before its stat was taken is always read and hashed.

Layout: ``ROOT/.build-cache/render/sources.marshal`` (``marshal``: fast, loads
only plain data; a file from another Python version or build-site is ignored).
Validation with pydantic is not cached: it is fast, and runs on every load.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .yamlsource import YamlDocument, YamlProblem, parse_yaml

log = logging.getLogger(__name__)

RENDER_FOLDER = "render"
"""Folder under ``.build-cache`` of caches that speed up rendering, as opposed to computed results."""
RACY_NS = 2_000_000_000
"""A file modified this close before its stat was recorded is hashed anyway on the next build."""

REWRITE_AFTER, LARGE = 16, 256
"""A cache of at least ``LARGE`` files is rewritten only once ``REWRITE_AFTER`` of them changed (or some are gone).

Rewriting it is the cost of a rebuild after one edit (16 MB, ~40 ms, at 1,000 issues); a file it holds
no entry for is read, hashed and parsed again, well under a millisecond each, until then."""

Stat = tuple[int, int, int, int]
"""(inode, size, mtime_ns, ctime_ns) of a file."""


def file_stat(path: Path | str) -> Stat:
    """What tells an unchanged file from a changed one without reading it."""
    info = os.stat(path)
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def clock() -> int:
    """Now, in nanoseconds since 1970 (the tests move it)."""
    return time.time_ns()


def is_racy(stat: Stat, recorded_ns: int) -> bool:
    """True if the file changed so shortly before ``recorded_ns`` that a later edit may not have changed its stat."""
    return max(stat[2], stat[3]) >= recorded_ns - RACY_NS


@dataclass
class _Entry:
    stat: Stat
    recorded_ns: int
    digest: str
    data: Any
    positions: bytes
    """``marshal`` of (positions, key_positions), decoded only if an error needs them."""

    def document(self, display: str) -> YamlDocument:
        blob = _Positions(self.positions)
        return YamlDocument(display, self.data, _Lazy(blob, 0), _Lazy(blob, 1), self.digest)


class _Positions:
    def __init__(self, blob: bytes) -> None:
        self.blob = blob
        self.decoded: tuple[dict[Any, tuple[int, int]], dict[Any, tuple[int, int]]] | None = None

    def get(self, which: int) -> dict[Any, tuple[int, int]]:
        if self.decoded is None:
            self.decoded = marshal.loads(self.blob)
        return self.decoded[which]


class _Lazy(Mapping[Any, tuple[int, int]]):
    """Positions of a cached document, decoded on first use (most builds never look one up)."""

    def __init__(self, positions: _Positions, which: int) -> None:
        self._positions = positions
        self._which = which

    def __getitem__(self, key: Any) -> tuple[int, int]:
        return self._positions.get(self._which)[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._positions.get(self._which))

    def __len__(self) -> int:
        return len(self._positions.get(self._which))


def _version() -> str:
    here = Path(__file__).resolve().parent
    code = b"".join((here / name).read_bytes() for name in ("yamlsource.py", "sources.py"))
    return f"{sys.version}|{hashlib.sha256(code).hexdigest()}"


class SourceCache:
    """Parsed content files by path, valid while their bytes are unchanged; ``SourceCache(None)`` caches nothing."""

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._entries: dict[str, _Entry] = {}
        self._used: set[str] = set()
        self._stale = 0
        """Files whose entry this build made or refreshed: what the stored cache does not have right."""
        self.parsed = 0
        """Files parsed by this build (the others came from the cache)."""
        if path is not None:
            self._entries = self._read(path)
        self._stored = len(self._entries)

    @classmethod
    def at(cls, root: Path, *, read_only: bool = False) -> SourceCache:
        from .cache import CACHE_FOLDER

        return cls(root / CACHE_FOLDER / RENDER_FOLDER / "sources.marshal", read_only=read_only)

    def _read(self, path: Path) -> dict[str, _Entry]:
        try:
            stored = marshal.loads(path.read_bytes())
            if stored["version"] != _version():
                return {}
            return {name: _Entry(*fields) for name, fields in stored["files"].items()}
        except FileNotFoundError:
            return {}
        except Exception as exc:  # unreadable or from elsewhere: start afresh
            log.debug("ignoring the source cache %s: %s", path, exc)
            return {}

    def read(self, path: Path, display: str) -> YamlDocument:
        """The parsed file at ``path``; raises ``YamlProblem`` as ``yamlsource.read_yaml`` does."""
        self._used.add(display)
        now = clock()
        try:
            stat = file_stat(path)
            entry = self._entries.get(display)
            if entry is not None and entry.stat == stat and not is_racy(stat, entry.recorded_ns):
                return entry.document(display)
            raw = path.read_bytes()
        except OSError as exc:
            from .errors import Problem

            raise YamlProblem(Problem(display, message=f"cannot read file: {exc.strerror}")) from exc
        digest = hashlib.sha256(raw).hexdigest()
        if entry is not None and entry.digest == digest:
            entry.stat, entry.recorded_ns = stat, now
            self._stale += 1
            return entry.document(display)
        self.parsed += 1
        doc = parse_yaml(raw, display)
        try:
            marshal.dumps(doc.data)
            positions = marshal.dumps((dict(doc.positions), dict(doc.key_positions)))
        except ValueError:  # not plain data (cannot happen with the safe loader): do not keep it
            return doc
        self._entries[display] = _Entry(stat, now, digest, doc.data, positions)
        self._stale += 1
        return doc

    def save(self) -> None:
        """Store what this build read (files it did not read are forgotten); a failure is only logged."""
        if self.path is None or self.read_only:
            return
        unused = set(self._entries) - self._used
        if not unused and (not self._stale or (self._stale < REWRITE_AFTER and self._stored >= LARGE)):
            return  # a few files edited in a large cache: parsing them again next time costs less than rewriting it
        files = {
            name: (e.stat, e.recorded_ns, e.digest, e.data, e.positions)
            for name, e in self._entries.items()
            if name in self._used
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            with os.fdopen(handle, "wb") as stream:
                marshal.dump({"version": _version(), "files": files}, stream)
            os.replace(temporary, self.path)
        except OSError as exc:
            log.warning("cannot write the source cache %s: %s", self.path, exc)
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(temporary)
