"""Locks between ``build-site send`` and ``subscribers`` commands: one process at a time per list and per ledger.

An ``flock`` on a small file, which the kernel releases when its holder dies
(even by SIGKILL), so a killed command never blocks the next one. The holder's
pid is written into the file, so a command that has to wait can say for whom.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from ..errors import OutputError, Problem

log = logging.getLogger(__name__)


class LockBusy(OutputError):
    """Another command held the lock for longer than we could wait."""


@contextlib.contextmanager
def file_lock(lock_file: Path, *, timeout: float, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (made if need be); wait at most ``timeout`` seconds for it."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        Problem(
                            str(lock_file),
                            message=f"another build-site command (pid {holder}) is using {what}",
                            hint="wait for it to finish, or stop it",
                        )
                    ) from None
                if not told:
                    log.info("waiting for another build-site command (pid %s) to finish with %s", holder, what)
                    told = True
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock
