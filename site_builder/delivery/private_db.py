"""An SQLite file that holds addresses: readable by its owner only, in WAL mode, every commit on disk."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

SIDE_FILES = ("-wal", "-shm")
"""What SQLite keeps beside a database in WAL mode: part of the database until checkpointed."""


def database_files(path: Path) -> tuple[Path, ...]:
    """The database and the side files SQLite may keep beside it."""
    return (path, *(path.with_name(path.name + side) for side in SIDE_FILES))


def open_private(path: Path, *, any_thread: bool = False) -> sqlite3.Connection:
    """The database at ``path``, made (mode 0600) if need be, in autocommit mode with ``synchronous=FULL``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Made private before SQLite opens it. Only a new file is opened here: closing a descriptor of a database
    # this process has open would drop SQLite's POSIX locks on it, and another process closing its connection
    # would then take itself for the last one and delete the write-ahead log under ours.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    for file in database_files(path):
        with contextlib.suppress(FileNotFoundError):  # SQLite makes its side files with the database's mode
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
    connection = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=not any_thread)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    return connection
