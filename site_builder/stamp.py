"""The no-op check: a build whose inputs and output are as the last build left them has nothing to do.

A successful build leaves a stamp in the output's state folder
(``.OUTPUT.build-state/stamp.marshal``): the options it ran with, the day it
published as of, the stat (inode, size, modification and change times) of
every file under ``content/``, ``templates/`` and ``computed/``, of
build-site's own modules and of the folders Python imports packages from, and
the stat of every file it published. The next build first compares all of
that with the disk; if nothing differs, the output is exactly what a full build
would make, and the build ends there, before the pipeline (pydantic, Jinja,
Markdown, numpy) is even imported.

Any difference (an edited, added or removed file, another day, other options,
an output file touched by hand, an upgraded library) means a real build, which
then renders only what changed. Files changed within two seconds before the
stamp was taken are not trusted (an edit in the same timestamp tick can leave
a stat unchanged) and also mean a real build. This module imports only the
standard library, so the check costs milliseconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import marshal
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
NAME = "stamp.marshal"
WATCHED = ("content", "templates", "computed")
"""Folders of the project a build reads."""
RACY_NS = 2_000_000_000
"""A file changed this close before its stat was taken is not trusted by the next check."""
MARKER = ".build-site"

Stat = tuple[int, int, int, int]


def clock() -> int:
    """Now, in nanoseconds since 1970 (the tests move it)."""
    return time.time_ns()


def _stat(path: str) -> Stat:
    info = os.stat(path)
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def input_stats(root: Path) -> dict[str, Stat]:
    """Relative path -> stat of every file a build of ``root`` may read (its content, templates and code)."""
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
                        found[name] = _stat(entry.path)

    for part in WATCHED:
        walk(os.path.join(root, part), part)
    return found


def builder_stats() -> dict[str, Any]:
    """What build-site runs with: Python, build-site's files, and the folders packages are installed in.

    Python's ``site-packages`` folders change (their mtime) when a package is installed or removed.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    files: dict[str, Stat] = {}
    for folder in (here, os.path.join(here, "scaffolds")):
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file() and entry.name.endswith((".py", ".yaml")):
                    files[entry.path] = _stat(entry.path)
    paths = {}
    for entry in sys.path:  # not the working folder, whose mtime a build itself changes
        if os.path.basename(entry) in ("site-packages", "dist-packages"):
            with contextlib.suppress(OSError):
                paths[entry] = os.stat(entry).st_mtime_ns  # changes when a package is installed there
    return {"python": sys.version, "executable": sys.executable, "files": files, "paths": paths}


@dataclass
class Stamp:
    """What a successful build saw and made."""

    options: tuple[str, str, str | None, bool, bool]
    """(root, output folder, --date or None, drafts, future)."""
    as_of: str
    """The publication day it published as of."""
    timezone: str
    publish_time: str
    """The site's time zone and publish time (HH:MM): what the day follows when --date is not given."""
    source_date_epoch: str | None
    recorded_ns: int
    """When the stats below were taken."""
    inputs: dict[str, Stat]
    builder: dict[str, Any]
    tree: str
    """Digest of the published tree, as its marker says."""
    output: dict[str, tuple[int, int, int]]
    """Published path -> (inode, size, modification time)."""
    issues: int

    def dumps(self) -> bytes:
        return marshal.dumps((FORMAT, sys.version, *self.__dict__.values()))


def stamp_path(state: Path) -> Path:
    return state / NAME


def write_stamp(state: Path, stamp: Stamp) -> None:
    """Store ``stamp`` (atomically); a stamp that cannot be written only costs the next build its shortcut."""
    with contextlib.suppress(OSError):
        state.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=state, prefix=".stamp-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(stamp.dumps())
            os.replace(temporary, stamp_path(state))
        except OSError:
            os.unlink(temporary)
            raise


def read_stamp(state: Path) -> Stamp | None:
    try:
        fields = marshal.loads(stamp_path(state).read_bytes())
        if fields[0] != FORMAT or fields[1] != sys.version:
            return None
        return Stamp(*fields[2:])
    except (OSError, ValueError, EOFError, TypeError, IndexError):
        return None


def publication_day(timezone: str, publish_time: str, now_ns: int) -> str:
    """The day a build without --date publishes as of (as ``schedule.publication_day``, which a test compares)."""
    import zoneinfo

    local = dt.datetime.fromtimestamp(now_ns / 1e9, dt.UTC).astimezone(zoneinfo.ZoneInfo(timezone))
    if local.time() >= dt.time.fromisoformat(publish_time):
        return local.date().isoformat()
    return (local.date() - dt.timedelta(days=1)).isoformat()


def now_for_build(environ: dict[str, str] | os._Environ[str] = os.environ) -> int | None:
    """The time a build runs at, as ``schedule.build_time`` reads it; None if ``SOURCE_DATE_EPOCH`` is malformed."""
    value = environ.get("SOURCE_DATE_EPOCH")
    if value is None or value == "":
        return clock()
    if not re.fullmatch(r"[0-9]{1,12}", value):
        return None
    return int(value) * 1_000_000_000


def up_to_date(root: Path, out: Path, options: tuple[str, str, str | None, bool, bool]) -> Stamp | None:
    """The stamp of the last build, if a build with ``options`` now would change nothing; else None."""
    from .record import state_folder

    state = state_folder(out)
    stamp = read_stamp(state)
    if stamp is None or stamp.options != options:
        return None
    if stamp.source_date_epoch != (os.environ.get("SOURCE_DATE_EPOCH") or None):
        return None
    if options[2] is None:
        now = now_for_build()
        if now is None or publication_day(stamp.timezone, stamp.publish_time, now) != stamp.as_of:
            return None
    if builder_stats() != stamp.builder or _racy(stamp.builder["files"].values(), stamp.recorded_ns):
        return None
    inputs = input_stats(root)
    if inputs != stamp.inputs or _racy(inputs.values(), stamp.recorded_ns):
        return None
    if _marker_tree(out) != stamp.tree:
        return None
    base = str(out)
    try:
        for path, recorded in stamp.output.items():
            info = os.lstat(f"{base}/{path}")
            if (info.st_ino, info.st_size, info.st_mtime_ns) != recorded:
                return None
    except OSError:
        return None
    return stamp


def _racy(stats: Any, recorded_ns: int) -> bool:
    limit = recorded_ns - RACY_NS
    return any(max(s[2], s[3]) >= limit for s in stats)


def _marker_tree(out: Path) -> str | None:
    try:
        text = (out / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith("tree "):
            return line[5:].strip()
    return None
