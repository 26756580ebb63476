"""The no-op check: a build whose inputs and output are as the last build left them has nothing to do.

The last successful build recorded, in the build state beside the output (``state``), the
options it ran with, the day it published as of, the stat of every file it read and of
every file it published, and the stat of build-site's own modules and of the folders
Python imports packages from. If all of that is still so, the output is exactly what a
build would make, and the command ends before the pipeline (pydantic, Jinja, Markdown,
numpy) is even imported. This module imports only the standard library: it costs
milliseconds.
"""

from __future__ import annotations

import datetime as dt
import marshal
import os
import sqlite3
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..incremental.builder import builder_stats
from ..incremental.scan import Snapshot, take_snapshot, unchanged
from ..model.schedule import build_time, publication_day
from ..publish.folders import MARKER, marker_tree
from .options import Key


def stamp(options: Key, out: Path, as_of: dt.date, timezone: str, publish_time: dt.time, issues: int) -> dict[str, Any]:
    """What a successful build of ``out`` records for the next no-op check."""
    return {
        "marker": _marker_stat(out),
        "options": list(options),
        "as_of": as_of.isoformat(),
        "timezone": timezone,
        "publish_time": publish_time.strftime("%H:%M:%S.%f"),
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH") or None,
        "builder_stats": builder_stats(),
        "issues": issues,
    }


def up_to_date(
    root: Path, out: Path, options: Key, state_file: Path, seen: list[Snapshot] | None = None
) -> dict[str, Any] | None:
    """The stamp of the last build, if a build with ``options`` now would change nothing; else None.

    ``seen`` gets the stats of the project's files, if they were taken (for the build that follows).
    """
    try:
        db = sqlite3.connect(f"file:{state_file}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        meta = {key: marshal.loads(value) for key, value in db.execute("SELECT key, value FROM meta")}
        if meta.get("options") != list(options) or not _same_day(meta, options):
            return None
        if meta.get("later") or meta.get("builder_stats") != builder_stats() or marker_tree(out) != meta.get("tree"):
            return None
        if meta.get("marker") != _marker_stat(out):
            return None
        inputs = {p: (marshal.loads(s), d) for p, s, d in db.execute("SELECT path, stat, digest FROM inputs")}
        snapshot = take_snapshot(root)
        if seen is not None:
            seen.append(snapshot)
        if not unchanged(snapshot, inputs, meta.get("recorded_ns", 0)):
            return None
        base = str(out)
        count = 0
        for path, ino, size, mtime in db.execute("SELECT path, ino, size, mtime FROM outputs"):
            info = os.lstat(f"{base}/{path}")
            if (info.st_ino, info.st_size, info.st_mtime_ns) != (ino, size, mtime):
                return None
            count += 1
        meta["files"] = count
        return meta
    except (sqlite3.Error, OSError, ValueError, EOFError, TypeError, KeyError):
        return None
    finally:
        db.close()


def _same_day(meta: dict[str, Any], options: Key) -> bool:
    if meta.get("source_date_epoch") != (os.environ.get("SOURCE_DATE_EPOCH") or None):
        return False
    if options[2] is not None:
        return True
    try:
        now = build_time()
    except ConfigError:  # a malformed SOURCE_DATE_EPOCH: the build says what is wrong
        return False
    publish_time = dt.time.fromisoformat(meta["publish_time"])
    return publication_day(meta["timezone"], publish_time, now).isoformat() == meta.get("as_of")


def _marker_stat(out: Path) -> tuple[int, int, int] | None:
    try:
        info = os.lstat(out / MARKER)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)
