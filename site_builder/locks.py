"""One process at a time: the ``flock`` every command takes before it changes a shared file (an output folder, the
subscriber list, the delivery ledger).

The kernel releases an ``flock`` when its holder dies (even by SIGKILL), so a killed command never
blocks the next one. The holder's pid is written into the lock file, so a command that has to wait
can say for whom. A lock is re-entrant within a thread: the build holds its output folder's lock
for the whole build while the write stage takes it too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError, Problem

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; nothing is locked there
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

_held = threading.local()


class LockBusy(OutputError):
    """Another command held the lock for longer than we could wait."""


@contextlib.contextmanager
def file_lock(lock_file: Path, *, timeout: float, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (made if need be, readable by its owner only) while ``what`` is used.

    Waits at most ``timeout`` seconds for another holder (0: fails at once), then raises ``LockBusy``.
    """
    key = str(lock_file.absolute())
    held: dict[str, int] = _held.__dict__.setdefault("counts", {})
    if held.get(key) or fcntl is None:
        held[key] = held.get(key, 0) + 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        _acquire(fd, lock_file, timeout, what)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        held[key] = 1
        try:
            yield
        finally:
            held[key] = 0
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, lock_file: Path, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            if time.monotonic() >= deadline:
                waited = f"; gave up after {timeout:g} s" if timeout else ""
                raise LockBusy(
                    Problem(
                        str(lock_file),
                        message=f"another build-site command (pid {holder}) is using {what}{waited}",
                        hint="wait for it to finish, or stop it",
                    )
                ) from None
            if not told:
                log.info("waiting for another build-site command (pid %s) to finish with %s", holder, what)
                told = True
            time.sleep(0.05)
