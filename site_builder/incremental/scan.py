"""The first step of every build: which files of the project exist, and which changed since the last build.

Every file under ``content/``, ``templates/`` and ``computed/`` is stat-ed (no file is read);
a file whose stat (inode, size, modification and change times) is the one the build state
recorded is unchanged. Any other file is read and hashed, and is changed only if its bytes
are. A stat can miss an edit made within the filesystem's timestamp granularity of the
moment it was recorded (git's "racy clean" problem), so a file modified shortly before the
last build recorded it is always read and hashed. This module imports only the standard
library: the check that nothing changed must cost milliseconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

WATCHED = ("content", "templates", "computed")
"""Folders of the project a build reads."""
RACY_NS = 2_000_000_000
"""A file changed this close before its stat was recorded is read again by the next build."""

Stat = tuple[int, int, int, int]


def clock() -> int:
    """Now, in nanoseconds since 1970 (the tests move it)."""
    return time.time_ns()


def file_stats(root: Path) -> dict[str, Stat]:
    """Relative path -> stat of every file a build of ``root`` may read."""
    found: dict[str, Stat] = {}

    def walk(folder: str, relative: str) -> None:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError), os.scandir(folder) as entries:
            for entry in entries:
                if entry.name == "__pycache__":
                    continue
                name = f"{relative}/{entry.name}"
                if entry.is_dir():
                    walk(entry.path, name)
                else:
                    with contextlib.suppress(OSError):
                        info = entry.stat()
                        found[name] = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)

    for part in WATCHED:
        walk(os.path.join(root, part), part)
    return found


@dataclass(frozen=True)
class Snapshot:
    """The stat of every file a build of a project may read, and when they were taken."""

    root: str
    taken_ns: int
    stats: dict[str, Stat]


def take_snapshot(root: Path) -> Snapshot:
    now = clock()
    return Snapshot(os.path.abspath(root), now, file_stats(root))


_handed: list[Snapshot] = []


def hand_over(snapshot: Snapshot) -> None:
    """The next scan of ``snapshot.root`` in this process starts from it, instead of stat-ing every file again.

    For the build the no-op check found something to do for, a moment before: an edit made in
    between is as one made just after the scan (its new stat makes the next build read it).
    """
    _handed[:] = [snapshot]


def _snapshot(root: Path) -> Snapshot:
    handed = _handed.pop() if _handed else None
    if handed is not None and handed.root == os.path.abspath(root):
        return handed
    return take_snapshot(root)


def _partial_snapshot(root: Path, recorded: Mapping[str, tuple[Stat, str]], only: Collection[str]) -> Snapshot | None:
    """The recorded stats, with those of ``only`` taken again; None if one is not a file known or found."""
    now = clock()
    stats = {path: known[0] for path, known in recorded.items()}
    for path in only:
        if path.split("/", 1)[0] not in WATCHED or "__pycache__" in path.split("/"):
            continue  # not a file a build reads
        try:
            info = os.stat(os.path.join(root, path))
        except OSError:
            if path not in recorded:
                return None  # a folder gone, or an editor's short-lived file: a full scan tells
            del stats[path]
            continue
        if not S_ISREG(info.st_mode):
            return None  # a folder made or moved: its files are not named
        stats[path] = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return Snapshot(os.path.abspath(root), now, stats)


def is_racy(stat: Stat, recorded_ns: int) -> bool:
    """True if the file changed so shortly before ``recorded_ns`` that a later edit may have kept its stat."""
    return max(stat[2], stat[3]) >= recorded_ns - RACY_NS


@dataclass
class Scan:
    """The project's files now, compared with what the last build read."""

    root: Path
    recorded_ns: int
    """When the stats were taken."""
    stats: dict[str, Stat]
    digests: dict[str, str] = field(default_factory=dict)
    """sha256 of every file, read or recorded."""
    changed: set[str] = field(default_factory=set)
    """Files that are new, or whose bytes differ from the last build's."""
    gone: set[str] = field(default_factory=set)
    """Files the last build read that are no longer there."""
    restated: set[str] = field(default_factory=set)
    """Files whose bytes are unchanged but whose stat is new (recorded again, not rebuilt)."""
    data: dict[str, bytes] = field(default_factory=dict)
    """The bytes of the files read by the scan (changed ones), so nothing reads them twice."""

    def read(self, path: str) -> bytes:
        """The bytes of a project file (kept if the scan read it already)."""
        if path not in self.data:
            self.data[path] = (self.root / path).read_bytes()
        return self.data[path]


def scan(
    root: Path, recorded: Mapping[str, tuple[Stat, str]], recorded_ns: int = 0, only: Collection[str] | None = None
) -> Scan:
    """Stat every file of ``root``; read and hash those ``recorded`` (path -> (stat, sha256)) does not vouch for.

    ``only``: the files that may have changed since (``serve``'s watcher reports them): only they are stat-ed.
    """
    snapshot = (only is not None and _partial_snapshot(root, recorded, only)) or _snapshot(root)
    found = Scan(root, snapshot.taken_ns, dict(snapshot.stats))
    unsure = []  # read and hashed: new, changed, or under a new stat
    racy = recorded_ns - RACY_NS  # ``is_racy``, inlined: a save in ``serve`` compares every file's stat
    for path, stat in found.stats.items():
        known = recorded.get(path)
        if known is not None and known[0] == stat and stat[2] < racy and stat[3] < racy:
            found.digests[path] = known[1]
        else:
            unsure.append(path)
    base = str(root)
    for path in unsure:
        read = _read_one(f"{base}/{path}")
        if read is None:
            continue  # gone since the stat: as if it never was (the next build sees it gone)
        data, digest = read
        found.digests[path] = digest
        known = recorded.get(path)
        if known is not None and known[1] == digest:
            found.restated.add(path)
        else:
            found.changed.add(path)
            found.data[path] = data
    found.stats = {p: s for p, s in found.stats.items() if p in found.digests}
    found.gone = set(recorded) - set(found.stats)
    return found


def _read_one(path: str) -> tuple[bytes, str] | None:
    """Its bytes and sha256, None if it cannot be read: without ``pathlib`` or a buffered file, a third of the time
    for the four thousand small files of a fresh checkout (two threads were slower on two busy cores)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    return data, hashlib.sha256(data).hexdigest()


def unchanged(snapshot: Snapshot, recorded: Mapping[str, tuple[Stat, str]], recorded_ns: int) -> bool:
    """True if every file of the project is exactly one the last build read, by stat alone (the no-op check)."""
    stats = snapshot.stats
    if stats.keys() != recorded.keys():
        return False
    return all(recorded[p][0] == s and not is_racy(s, recorded_ns) for p, s in stats.items())
