"""The subscriber store: one SQLite file (WAL, 0600) that ``send``, the ``subscribers`` commands and the service share.

Each reader is one row of ``subscriber`` with their consent (when, how: ``form``,
``import``, ``cli``) and an ``epoch`` that grows each time they subscribe again
(their tokens name it: re-subscribing retires every older token); ``history``
keeps every change of status, ``bounce`` every bounce and complaint. Every address
that enters the store passes ``row_problem``, the check ``send`` makes before its
first message, so nothing the store holds is refused at send time.

A list kept as CSV by older versions is imported into a store on first use (``migration``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, Problem
from .private_db import open_private
from .subscribers import Subscriber, address_key, row_problem

STATUSES = ("pending", "subscribed", "unsubscribed", "bounced", "complained")
"""``pending``: signed up on the form, not confirmed yet; ``bounced`` and ``complained`` are suppressed for good
unless the reader subscribes again themself."""
HOW = ("form", "import", "cli", "mailto", "one-click", "page", "bounce", "complaint", "send")
"""How a change came about, as the history records it."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriber (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,       -- the address as rows are matched: ASCII domain, lower case
    address TEXT NOT NULL,          -- as the reader gave it
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    epoch INTEGER NOT NULL DEFAULT 1,   -- one more each time the reader subscribes again: older tokens are void
    consent_at TEXT NOT NULL DEFAULT '',
    consent_how TEXT NOT NULL DEFAULT '',
    consent_detail TEXT NOT NULL DEFAULT '',
    extra TEXT NOT NULL DEFAULT '{}',   -- other columns of an imported CSV, kept as they were
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY,
    subscriber INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    status TEXT NOT NULL,
    how TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS history_by_subscriber ON history (subscriber, id);
CREATE TABLE IF NOT EXISTS bounce (
    id INTEGER PRIMARY KEY,
    subscriber INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,             -- hard, soft, complaint
    issue TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',    -- maildir, postmark, ses, smtp
    UNIQUE (subscriber, kind, issue, source)
);
CREATE TABLE IF NOT EXISTS outbox (    -- confirmation mails, queued with the sign-up in one transaction
    id INTEGER PRIMARY KEY,
    subscriber INTEGER NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    epoch INTEGER NOT NULL,
    queued TEXT NOT NULL,
    due REAL NOT NULL,              -- Unix time of the next try
    attempts INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'queued',   -- queued, sent, failed
    reply TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, due);
CREATE TABLE IF NOT EXISTS image (     -- every image a hosted message has shown, kept for good (see email.images)
    path TEXT PRIMARY KEY,          -- its site path, which the email edition names after its bytes (math/KEY.png)
    data BLOB NOT NULL,
    kept TEXT NOT NULL
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Change:
    """One line of a reader's history."""

    at: str
    status: str
    how: str
    detail: str


class Store:
    """The store, open: every change one transaction, on disk before the call returns (``synchronous=FULL``)."""

    def __init__(self, connection: sqlite3.Connection, path: Path, shown: str) -> None:
        self.connection = connection
        self.path = path
        self.shown = shown

    @classmethod
    def open(cls, path: Path, shown: str | None = None) -> Store:
        """The store at ``path``, made (mode 0600) if need be."""
        connection = open_private(path, any_thread=True)
        connection.execute("PRAGMA foreign_keys=ON")
        connection.executescript(_SCHEMA)
        return cls(connection, path, shown or str(path))

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction; inside another (the service's ``Writer`` makes many changes in one), a savepoint of it."""
        outer = not self.connection.in_transaction
        self.connection.execute("BEGIN IMMEDIATE" if outer else "SAVEPOINT change")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK" if outer else "ROLLBACK TO change")
            if not outer:
                self.connection.execute("RELEASE change")
            raise
        self.connection.execute("COMMIT" if outer else "RELEASE change")

    # Reading

    def rows(self, status: str | None = None) -> list[Subscriber]:
        query = "SELECT id, address, name, status, epoch, extra FROM subscriber"
        rows = self.connection.execute(
            query + (" WHERE status = ?" if status else "") + " ORDER BY id", (status,) if status else ()
        )
        return [_subscriber(row) for row in rows]

    def subscribed(self) -> list[Subscriber]:
        return self.rows("subscribed")

    def find(self, address: str) -> Subscriber | None:
        row = self.connection.execute(
            "SELECT id, address, name, status, epoch, extra FROM subscriber WHERE key = ?", (address_key(address),)
        ).fetchone()
        return _subscriber(row) if row else None

    def by_id(self, subscriber: int) -> Subscriber | None:
        row = self.connection.execute(
            "SELECT id, address, name, status, epoch, extra FROM subscriber WHERE id = ?", (subscriber,)
        ).fetchone()
        return _subscriber(row) if row else None

    def still_subscribed(self, subscriber: int) -> bool:
        """Whether the reader is subscribed now (``send`` asks before each message: who left meanwhile gets nothing)."""
        row = self.connection.execute("SELECT status FROM subscriber WHERE id = ?", (subscriber,)).fetchone()
        return bool(row) and row[0] == "subscribed"

    def history(self, address: str) -> list[Change]:
        rows = self.connection.execute(
            "SELECT h.at, h.status, h.how, h.detail FROM history h JOIN subscriber s ON s.id = h.subscriber "
            "WHERE s.key = ? ORDER BY h.id",
            (address_key(address),),
        )
        return [Change(*row) for row in rows]

    def export(self, address: str) -> dict[str, object] | None:
        """Everything the store holds about one reader (``subscribers export ADDRESS``)."""
        row = self.connection.execute(
            "SELECT id, address, name, status, consent_at, consent_how, consent_detail, extra, created, updated "
            "FROM subscriber WHERE key = ?",
            (address_key(address),),
        ).fetchone()
        if row is None:
            return None
        names = (
            "address",
            "name",
            "status",
            "consent_at",
            "consent_how",
            "consent_detail",
            "extra",
            "created",
            "updated",
        )
        record: dict[str, object] = dict(zip(names, row[1:], strict=True))
        record["extra"] = json.loads(row[7])
        record["history"] = [change.__dict__ for change in self.history(address)]
        record["bounces"] = [
            dict(zip(("at", "kind", "issue", "source"), bounce, strict=True))
            for bounce in self.connection.execute(
                "SELECT at, kind, issue, source FROM bounce WHERE subscriber = ? ORDER BY id", (row[0],)
            )
        ]
        return record

    # Changing

    def subscribe(self, address: str, name: str, how: str, detail: str = "", *, confirmed: bool = True) -> Subscriber:
        """Subscribe ``address`` (again): ``pending`` until confirmed when ``confirmed`` is false (the form).

        A reader subscribing again gets a new epoch, which retires every token made before. A ``ConfigError``
        names an address or name no message could carry; nothing is changed then.
        """
        problem = row_problem(address, name)
        if problem is not None:
            raise ConfigError(Problem(self.shown, message=problem, hint="nothing was changed"))
        status = "subscribed" if confirmed else "pending"
        now = _now()
        with self.transaction() as db:
            found = db.execute(
                "SELECT id, status, name FROM subscriber WHERE key = ?", (address_key(address),)
            ).fetchone()
            if found is None:
                cursor = db.execute(
                    "INSERT INTO subscriber (key, address, name, status, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                    (address_key(address), address, name, status, now, now),
                )
                ident = int(cursor.lastrowid or 0)
            else:
                ident = found[0]
                if found[1] == "subscribed" and not confirmed:
                    status = "subscribed"  # a sign-up of a subscribed reader changes nothing (and says nothing)
                elif found[1] != status or not confirmed:
                    db.execute(
                        "UPDATE subscriber SET status = ?, epoch = epoch + 1, name = ?, updated = ? WHERE id = ?",
                        (status, name or found[2], now, ident),
                    )
            if confirmed:
                db.execute(
                    "UPDATE subscriber SET consent_at = ?, consent_how = ?, consent_detail = ? WHERE id = ?",
                    (now, how, detail, ident),
                )
            if found is None or found[1] != status or not confirmed:
                _log_change(db, ident, now, status, how, detail)
            if status == "pending":  # its confirmation mail, queued in the same transaction: neither without the other
                db.execute(
                    "INSERT INTO outbox (subscriber, epoch, queued, due) "
                    "SELECT id, epoch, ?, (julianday('now') - 2440587.5) * 86400.0 FROM subscriber WHERE id = ?",
                    (now, ident),
                )
        result = self.by_id(ident)
        assert result is not None
        return result

    def confirm(self, subscriber: int, epoch: int, detail: str = "") -> bool:
        """Confirm a pending sign-up of this epoch (the confirm page's POST); False if there is none."""
        now = _now()
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE subscriber SET status = 'subscribed', consent_at = ?, consent_how = 'form', consent_detail = ?, "
                "updated = ? WHERE id = ? AND epoch = ? AND status = 'pending'",
                (now, detail or "double opt-in: the link mailed to the address was followed", now, subscriber, epoch),
            )
            if cursor.rowcount:
                _log_change(db, subscriber, now, "subscribed", "form", "confirmed")
        return bool(cursor.rowcount)

    def set_status(self, subscriber: int, status: str, how: str, detail: str = "", *, epoch: int | None = None) -> bool:
        """Move a reader to ``status`` (unsubscribed, bounced, complained); False if nothing changed.

        With ``epoch`` (a token's), only the subscription that token was made for: an old token does not
        touch a reader who subscribed again since.
        """
        now = _now()
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE subscriber SET status = ?, updated = ? WHERE id = ? AND status IN ('subscribed', 'pending')"
                + (" AND epoch = ?" if epoch is not None else ""),
                (status, now, subscriber, *((epoch,) if epoch is not None else ())),
            )
            if cursor.rowcount:
                _log_change(db, subscriber, now, status, how, detail)
        return bool(cursor.rowcount)

    def record_bounce(self, subscriber: int, kind: str, issue: str, source: str, threshold: int) -> bool:
        """Count a bounce or complaint; True if the reader is suppressed by it (every complaint, ``threshold`` hard bounces)."""
        now = _now()
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO bounce (subscriber, at, kind, issue, source) VALUES (?, ?, ?, ?, ?)",
                (subscriber, now, kind, issue, source),
            )
            hard = db.execute(
                "SELECT count(DISTINCT issue) FROM bounce WHERE subscriber = ? AND kind = 'hard'", (subscriber,)
            ).fetchone()[0]
        if kind == "complaint":
            return self.set_status(subscriber, "complained", "complaint", f"{source}: issue {issue or '?'}")
        if kind == "hard" and hard >= threshold:
            return self.set_status(subscriber, "bounced", "bounce", f"{source}: {hard} hard bounces")
        return False

    def forget(self, address: str) -> bool:
        """Erase everything about ``address`` (its history and bounces go with it)."""
        with self.transaction() as db:
            cursor = db.execute("DELETE FROM subscriber WHERE key = ?", (address_key(address),))
        return bool(cursor.rowcount)

    def import_rows(self, rows: Iterable[Subscriber], detail: str) -> tuple[int, int]:
        """Add CSV rows as they are (status and other columns kept) in one transaction; (added, already there)."""
        now = _now()
        added = kept = 0
        with self.transaction() as db:
            for row in rows:
                problem = row_problem(row.address, row.name)
                if problem is not None:  # read_subscribers checked it; a row from elsewhere is checked here
                    raise ConfigError(Problem(self.shown, message=problem, hint="nothing was imported"))
                cursor = db.execute(
                    "INSERT OR IGNORE INTO subscriber (key, address, name, status, consent_at, consent_how, "
                    "consent_detail, extra, created, updated) VALUES (?, ?, ?, ?, ?, 'import', ?, ?, ?, ?)",
                    (row.key, row.address, row.name, row.status, now, detail, json.dumps(dict(row.extra)), now, now),
                )
                if cursor.rowcount:
                    added += 1
                    _log_change(db, int(cursor.lastrowid or 0), now, row.status, "import", detail)
                else:
                    kept += 1
        return added, kept

    def keep_images(self, images: dict[str, bytes]) -> None:
        """Keep ``images`` (site path -> bytes) for the service to serve for good; one already kept stays as it is."""
        now = _now()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO image (path, data, kept) VALUES (?, ?, ?)",
                [(path, data, now) for path, data in sorted(images.items())],
            )

    def image(self, path: str) -> bytes | None:
        row = self.connection.execute("SELECT data FROM image WHERE path = ?", (path,)).fetchone()
        return bytes(row[0]) if row else None

    def backup(self, target: Path) -> None:
        """A consistent copy of the store at ``target`` while it is in use (SQLite's online backup)."""
        os.close(os.open(target, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
        copy = sqlite3.connect(target)
        try:
            self.connection.backup(copy)
        finally:
            copy.close()


def _subscriber(row: tuple) -> Subscriber:
    ident, address, name, status, epoch, extra = row
    return Subscriber(address, name, status, extra=tuple(json.loads(extra).items()), id=ident, epoch=epoch)


def _log_change(db: sqlite3.Connection, subscriber: int, at: str, status: str, how: str, detail: str) -> None:
    db.execute(
        "INSERT INTO history (subscriber, at, status, how, detail) VALUES (?, ?, ?, ?, ?)",
        (subscriber, at, status, how, detail),
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


__all__ = ["HOW", "STATUSES", "Change", "Store"]
