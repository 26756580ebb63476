"""Rendered entry text kept between builds, so a rebuild that re-renders pages does not parse Markdown again.

An entry's sections rendered for one edition format (HTML with MathML for the
web, HTML with formula images for email, ...) are stored under a key that
digests everything they are made from: the entry's file, its computed results,
the pages it is featured in, the site settings, the templates of formulas,
examples and plots, and build-site's own code (see ``outputs.Plan``). Editing a
template of whole pages (``entry.html``) then re-renders those pages from the
stored fragments, without reading any Markdown.

The store is one SQLite file, ``ROOT/.build-cache/render/fragments.sqlite``:
a cache, safe to delete; an unreadable one is recreated. It is kept apart from
the computed results (``.build-cache/v1``) so a benchmark can drop it alone.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE = "fragments.sqlite"
PENDING_BYTES = 8_000_000
"""Fragments kept in memory before they are written (a cold build renders about 60 MB of them)."""


class FragmentCache:
    """Fragments by key; ``FragmentCache(None)`` stores nothing. Safe to use after ``fork`` (it reconnects)."""

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._pending: dict[str, bytes] = {}
        self._pending_bytes = 0
        self._added = 0
        """Fragments written since superseded ones were last dropped."""
        self._broken = False

    @classmethod
    def at(cls, root: Path, *, read_only: bool = False) -> FragmentCache:
        from .cache import CACHE_FOLDER
        from .sources import RENDER_FOLDER

        return cls(root / CACHE_FOLDER / RENDER_FOLDER / FILE, read_only=read_only)

    def _db(self) -> sqlite3.Connection | None:
        if self.path is None or self._broken:
            return None
        if self._connection is None or self._pid != os.getpid():
            try:
                if not self.path.exists() and self.read_only:
                    return None
                self.path.parent.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=OFF")  # a cache: losing the last writes is harmless
                connection.execute("CREATE TABLE IF NOT EXISTS fragments (key TEXT PRIMARY KEY, value BLOB)")
                connection.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER)")
                row = connection.execute("SELECT value FROM meta WHERE name = 'added'").fetchone()
                self._added = row[0] if row else 0
            except (sqlite3.Error, OSError) as exc:
                self._give_up(exc)
                return None
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _give_up(self, exc: Exception) -> None:
        log.warning("not using the fragment cache %s: %s", self.path, exc)
        self._broken = True

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The stored fragments among ``keys``."""
        keys = list(keys)
        found: dict[str, Any] = {k: marshal.loads(self._pending[k]) for k in keys if k in self._pending}
        db = self._db()
        if db is None:
            return found
        wanted = [k for k in keys if k not in found]
        try:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in db.execute(f"SELECT key, value FROM fragments WHERE key IN ({marks})", chunk):
                    with contextlib.suppress(ValueError, EOFError, TypeError):
                        found[key] = marshal.loads(value)
        except sqlite3.Error as exc:
            self._give_up(exc)
        return found

    def put(self, key: str, value: Any) -> None:
        """Keep ``value`` (plain data) under ``key``; written by ``flush``, or before when much is waiting."""
        if self.path is not None and not self.read_only:
            data = marshal.dumps(value)
            self._pending[key] = data
            self._pending_bytes += len(data)
            if self._pending_bytes > PENDING_BYTES and self._pid in (0, os.getpid()):
                self._write_pending()

    def pending(self) -> dict[str, bytes]:
        """What ``put`` collected and ``flush`` has not written (a worker hands it to its parent)."""
        return self._pending

    def adopt(self, pending: dict[str, bytes]) -> None:
        """Take over fragments another process collected."""
        if self.path is not None and not self.read_only:
            self._pending.update(pending)

    def _write_pending(self, keep: set[str] | None = None) -> None:
        """Write what was put; with ``keep``, now and then also drop every stored fragment not in it."""
        db = self._db()
        if db is None:
            return
        try:
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO fragments VALUES (?, ?)", self._pending.items())
            self._added += len(self._pending)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('added', ?)", (self._added,))
            if keep is not None and self._added > max(100, len(keep) // 10):
                # Superseded fragments pile up as entries are edited: drop them now and then (counting is slow).
                self._added = 0
                db.execute("INSERT OR REPLACE INTO meta VALUES ('added', 0)")
                (count,) = db.execute("SELECT count(*) FROM fragments").fetchone()
                if count > len(keep):
                    db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (key TEXT PRIMARY KEY)")
                    db.execute("DELETE FROM keep")
                    db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in keep))
                    db.execute("DELETE FROM fragments WHERE key NOT IN (SELECT key FROM keep)")
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            self._give_up(exc)
        self._pending.clear()
        self._pending_bytes = 0

    def flush(self, keep: set[str] | None = None) -> None:
        """Write what was put; with ``keep``, also drop every stored fragment not in it (this build no longer uses them)."""
        if self.read_only or self._db() is None:
            self._pending.clear()
            return
        self._write_pending(keep)

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()
        self._connection = None
