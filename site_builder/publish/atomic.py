"""Filesystem primitives for publishing: an atomic folder exchange, flushes to disk, and the test hook that kills a build.

Linux has ``renameat2(RENAME_EXCHANGE)``, which swaps two paths in one step: a
reader resolving ``output/`` sees the old tree or the new one, never neither.
Python has no binding for it, so it is called through ``ctypes``. Where it is
missing (other systems, some filesystems, old C libraries) ``exchange_folders``
says so and the caller falls back to two renames.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import signal
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EPERM}

FAULTS_VARIABLE = "BUILD_SITE_FAULTS"
"""Test hook: comma-separated fault names. ``kill@POINT`` SIGKILLs the build at that point of the
write stage; ``no-exchange`` forces the two-rename fallback. Unset in normal use."""


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - a Linux without a loadable C library
        return None


def fault_injected(name: str) -> bool:
    """Whether the test hook asks for fault ``name``."""
    return name in os.environ.get(FAULTS_VARIABLE, "").split(",")


def checkpoint(point: str) -> None:
    """Die here, as a killed build would, if the test hook asks for ``kill@point``."""
    if fault_injected(f"kill@{point}"):
        os.kill(os.getpid(), signal.SIGKILL)


def exchange_folders(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False (nothing changed) if this system or filesystem cannot."""
    libc = _libc()
    renameat2 = getattr(libc, "renameat2", None) if libc is not None else None
    if renameat2 is None or fault_injected("no-exchange"):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        log.debug("renameat2(RENAME_EXCHANGE) is not supported here (%s); using two renames", os.strerror(code))
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


NO_FLUSH_VARIABLE = "BUILD_SITE_NO_FLUSH"
"""Set (non-empty) by the test suite only: publishing skips the flushes to disk below.

They guard against a power cut, which no test makes, and each waits for the disk: under a parallel test
run a whole-filesystem flush also waits for every other test's writes.
"""


def _flushing() -> bool:
    return not os.environ.get(NO_FLUSH_VARIABLE)


def flush_to_disk(folder: Path) -> None:
    """Make what was written under ``folder`` durable before it is published (a power cut cannot empty files)."""
    if not _flushing():
        return
    libc = _libc()
    syncfs = getattr(libc, "syncfs", None) if libc is not None else None
    if syncfs is None:
        if hasattr(os, "sync"):
            os.sync()
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        syncfs(fd)
    finally:
        os.close(fd)


FLUSH_ONE_BY_ONE = 256
"""Up to this many files and folders are flushed one by one (``fsync``); more, and the whole filesystem at once.

A day's build writes a few dozen files: an ``fsync`` each costs milliseconds, while ``syncfs`` waits for
every dirty page of the filesystem, other programs' too (0.1 to 0.4 s on a shared machine). A full build
writes thousands: one ``syncfs`` is then cheaper than thousands of journal commits.
"""


def flush_changes(root: Path, files: Iterable[str], folders: Iterable[str]) -> None:
    """Make ``files`` and the entries of ``folders`` (relative to ``root``, ``""`` for itself) durable.

    Every other file under ``root`` must be durable already (a hard link to a file published before).
    Falls back to ``flush_to_disk(root)`` when there are more than ``FLUSH_ONE_BY_ONE`` of them.
    """
    if not _flushing():
        return
    files, folders = list(files), list(folders)
    if len(files) + len(folders) > FLUSH_ONE_BY_ONE:
        flush_to_disk(root)
        return
    base = os.fspath(root)
    for relative in files:
        _fsync(f"{base}/{relative}")
    for relative in folders:
        # A folder the build emptied and removed is gone: its parent, among the folders, holds the change.
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            _fsync(f"{base}/{relative}" if relative else base)


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
