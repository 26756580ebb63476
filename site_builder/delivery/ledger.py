"""The delivery ledger: every (issue, reader) attempt and its outcome, written before and after each SMTP transaction.

One SQLite file, ``delivery.ledger`` in ``site.yaml`` (default ``delivery.sqlite`` in the
project folder, readable by its owner only), in WAL mode with ``synchronous=FULL``: each state
change below is on disk before the next step of the transaction starts.

    sending   written before MAIL FROM: the server has not taken the message
    in-doubt  written before the final ``.`` of DATA: from here on it may have
    sent      the server answered 250 to the final ``.``
    deferred  the server answered 4xx or the connection dropped before the final ``.``
    failed    the server answered 5xx: refused for good
    not-made  the reader's message could not be made: the server never saw it

A rerun sends to readers without a row and to those ``sending``, ``deferred`` or
``not-made`` (the server never took their message), and to nobody else unless ``--resend``.
``in-doubt`` is the one window SMTP cannot close: the final ``.`` left and no
answer came back (the process died, or the connection dropped). The server has
almost always taken the message by then, so it is not sent again (at most once):
a reader missing one issue, who can read it online, is a smaller harm than
every reader in the window getting it twice. ``send`` reports such readers by
address and Message-ID, so a person can look them up in the server's log and
``--resend --to`` them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .private_db import database_files, open_private

OLD_LEDGER_FILE = "delivery.sqlite"
"""Its name in the output's state folder (``.OUTPUT.build-state/``), where build-site kept it before ``delivery.ledger``."""


class State(StrEnum):
    SENDING = "sending"
    IN_DOUBT = "in-doubt"
    SENT = "sent"
    DEFERRED = "deferred"
    FAILED = "failed"
    NOT_MADE = "not-made"


NOT_TAKEN = frozenset({State.SENDING, State.DEFERRED, State.NOT_MADE})
"""States in which the server certainly does not have the message: a rerun sends it."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS delivery (
    issue TEXT NOT NULL,            -- the issue's date, YYYY-MM-DD
    address TEXT NOT NULL,          -- the reader's address, lower case
    message_id TEXT NOT NULL,       -- of the message last tried
    generation INTEGER NOT NULL,    -- 0, then 1, 2, ... for each --resend
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,      -- tries of this generation
    reply TEXT NOT NULL,            -- the server's last answer, or what went wrong
    updated TEXT NOT NULL,
    PRIMARY KEY (issue, address)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS delivery_by_address ON delivery (address, issue);
CREATE INDEX IF NOT EXISTS delivery_by_message ON delivery (message_id);
CREATE TABLE IF NOT EXISTS attempt (
    id INTEGER PRIMARY KEY,
    issue TEXT NOT NULL,
    address TEXT NOT NULL,
    message_id TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT,
    outcome TEXT NOT NULL,          -- sending, in-doubt, then sent / deferred / failed
    reply TEXT NOT NULL DEFAULT ''
);
"""


@dataclass(frozen=True)
class Delivery:
    """Where the message of one issue to one reader stands."""

    issue: str
    address: str
    message_id: str
    generation: int
    state: State
    attempts: int
    reply: str
    updated: str


class Ledger:
    """The ledger file, open."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    @classmethod
    def open(cls, path: Path) -> Ledger:
        """Open the ledger at ``path``, making it if need be, readable by its owner only (it holds every address)."""
        connection = open_private(path)
        connection.executescript(_SCHEMA)
        return cls(connection)

    @classmethod
    def open_existing(cls, path: Path) -> Ledger | None:
        """The ledger at ``path`` if there is one (a dry run makes none)."""
        return cls.open(path) if path.is_file() else None

    def close(self) -> None:
        self.connection.close()

    def deliveries(self, issue: str) -> dict[str, Delivery]:
        """Address -> delivery, for every reader the issue was ever tried for."""
        rows = self.connection.execute("SELECT * FROM delivery WHERE issue = ?", (issue,))
        return {row[1]: Delivery(*row[:4], State(row[4]), *row[5:]) for row in rows}

    def start(self, issue: str, address: str, message_id: str, generation: int) -> int:
        """Record that a try begins (before MAIL FROM); the attempt's id."""
        now = _now()
        with self._transaction() as db:
            db.execute(
                """INSERT INTO delivery VALUES (?, ?, ?, ?, 'sending', 1, '', ?)
                   ON CONFLICT (issue, address) DO UPDATE SET
                       state = 'sending', updated = excluded.updated, reply = '',
                       attempts = CASE WHEN generation = excluded.generation THEN attempts + 1 ELSE 1 END,
                       message_id = excluded.message_id, generation = excluded.generation""",
                (issue, address, message_id, generation, now),
            )
            cursor = db.execute(
                "INSERT INTO attempt (issue, address, message_id, started, outcome) VALUES (?, ?, ?, ?, 'sending')",
                (issue, address, message_id, now),
            )
        return int(cursor.lastrowid or 0)

    def not_made(self, issue: str, address: str, message_id: str, generation: int, reason: str) -> None:
        """Record that the reader's message could not be made: the server never saw it, a rerun tries again."""
        self.finish(self.start(issue, address, message_id, generation), State.NOT_MADE, reason)

    def handing_over(self, attempt: int) -> None:
        """Record that the final ``.`` is about to leave: from now on the server may have the message."""
        self._set(attempt, State.IN_DOUBT, "", finished=False)

    def finish(self, attempt: int, state: State, reply: str) -> None:
        """Record how a try ended."""
        self._set(attempt, state, reply, finished=True)

    def message(self, message_id: str) -> tuple[str, str] | None:
        """(issue, address) of the message with this Message-ID, as a bounce or complaint names it; None if unknown."""
        row = self.connection.execute(
            "SELECT issue, address FROM delivery WHERE message_id = ?", (message_id.strip(),)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def refusals_in_a_row(self, address: str) -> int:
        """How many issues in a row, newest first, the reader's server refused for good."""
        states = self.connection.execute(
            "SELECT state FROM delivery WHERE address = ? ORDER BY issue DESC", (address,)
        ).fetchall()
        count = 0
        for (state,) in states:
            if state == State.SENT:
                break
            count += state == State.FAILED
        return count

    def _set(self, attempt: int, state: State, reply: str, *, finished: bool) -> None:
        now = _now()
        with self._transaction() as db:
            issue, address = db.execute("SELECT issue, address FROM attempt WHERE id = ?", (attempt,)).fetchone()
            db.execute(
                "UPDATE delivery SET state = ?, reply = ?, updated = ? WHERE issue = ? AND address = ?",
                (state.value, reply, now, issue, address),
            )
            db.execute(
                "UPDATE attempt SET outcome = ?, reply = ?, finished = ? WHERE id = ?",
                (state.value, reply, now if finished else None, attempt),
            )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def move_ledger(old: Path, new: Path) -> None:
    """Move the ledger at ``old`` to ``new`` (which does not exist yet) with nothing lost.

    SQLite's online backup copies it, its write-ahead log included, to a file beside ``new`` that is renamed
    into place once every row is there; only then are ``old`` and its side files removed. Interrupted at
    any point, one of the two is whole and the other absent or ignored.
    """
    new.parent.mkdir(parents=True, exist_ok=True)
    moving = new.with_name(f".{new.name}.moving")
    moving.unlink(missing_ok=True)
    os.close(os.open(moving, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
    source = sqlite3.connect(old, isolation_level=None, timeout=30)
    target = sqlite3.connect(moving, isolation_level=None)
    try:
        source.backup(target)
        counts = "SELECT (SELECT count(*) FROM delivery), (SELECT count(*) FROM attempt)"
        if source.execute(counts).fetchone() != target.execute(counts).fetchone():
            raise OSError(f"the copy of {old} at {moving} does not hold every row")
    finally:
        target.close()
        source.close()
    with open(moving, "rb") as file:
        os.fsync(file.fileno())
    os.replace(moving, new)
    for file in database_files(old):
        file.unlink(missing_ok=True)
