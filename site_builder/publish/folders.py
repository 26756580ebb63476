"""The output folder: where it is, its lock, what interrupted builds left beside it, and the atomic swap.

A build never changes ``output/`` in place. Under a lock (``.output-build.lock``
beside it) it writes the whole new tree into ``.output.staging-PID`` beside it
(``publication``), flushes it to disk, and swaps it in with one atomic exchange
(``swap``), so a web server serving ``output/`` sees the old site or the new one,
never a mix and never nothing. A build that fails or is killed before the swap
leaves ``output/`` untouched; leftovers are removed by the next build.

``output/`` stays a real folder, not a symlink, so every tool that reads it
works unchanged. A process that has ``cd``-ed *into* ``output/`` keeps seeing the
old tree after a swap; serve it by path (``python -m http.server -d output``).
Without ``renameat2(RENAME_EXCHANGE)`` (not Linux, or a filesystem without it)
the swap is two renames with a window of microseconds in which ``output/`` is
missing; a build killed exactly there leaves the previous tree beside it, and
the next build puts it back before doing anything else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import ConfigError, OutputError, Problem
from ..incremental.deps import digest
from ..incremental.state import OutputRow
from ..locks import file_lock
from . import atomic

log = logging.getLogger(__name__)

MARKER = ".build-site"
"""File in every published output folder: a folder without it is never replaced (it may be someone's data)."""
MARKER_TEXT = b"This folder is written by build-site: every build replaces all of it.\n"
LOCK_TIMEOUT = 60.0
"""Seconds a build waits for another build of the same output folder before giving up."""

_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\:]")


def safe_join(out: Path, relative: str) -> Path:
    """Join an output path under ``out``, refusing anything that would land outside it or is not a plain name."""
    parts = relative.split("/")
    if not relative or relative.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise OutputError(Problem(relative, message="output path escapes the output folder"))
    if _FORBIDDEN.search(relative):
        raise OutputError(Problem(relative, message="output path contains a forbidden character"))
    return out.joinpath(*parts)


def lock_path(out: Path) -> Path:
    """The lock file that serialises builds of ``out``: beside it, since ``out`` itself is swapped."""
    out = real_path(out)
    return out.parent / f".{out.name}-build.lock"


@contextlib.contextmanager
def output_lock(out: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold the lock of ``out`` (a second build waits, then fails clearly after ``timeout`` s).

    Once it is held, whatever an interrupted build left is repaired (a tree moved
    aside is put back, staging folders are deleted), so even a build that then
    fails on bad content cleans up after a killed one; and an output folder that
    build-site did not write is refused before any work is done.
    """
    out = real_path(out)
    with file_lock(lock_path(out), timeout=timeout, what=f"the output folder {out}"):
        try:
            restore_interrupted(out)
            remove_leftovers(out)
        except OSError as exc:
            raise OutputError(Problem(str(out), message=f"cannot tidy up after an earlier build: {exc}")) from exc
        _check_replaceable(out)
        yield


def real_path(out: Path) -> Path:
    """``out`` as an absolute path; a symlinked output folder is published where the link points."""
    out = Path(os.path.abspath(out))
    return out.resolve() if out.is_symlink() else out


def _check_replaceable(out: Path) -> None:
    if not os.path.lexists(out):
        return
    if not out.is_dir():
        raise ConfigError(Problem(str(out), message="the output path exists and is not a folder"))
    if (out / MARKER).is_file() or not any(out.iterdir()):
        return
    raise ConfigError(
        Problem(
            str(out),
            message=f"refusing to replace this folder: it is not empty and was not written by build-site (no {MARKER} file)",
            hint="choose another --out, or delete the folder if it is an old build",
        )
    )


def _leftovers(out: Path, kind: str) -> list[Path]:
    prefix = f".{out.name}.{kind}-"
    return sorted(p for p in out.parent.iterdir() if p.name.startswith(prefix))


def restore_interrupted(out: Path) -> None:
    """Put back the previous tree if a two-rename swap was killed between its renames."""
    if not out.parent.is_dir():
        return
    previous = _leftovers(out, "old")
    if not os.path.lexists(out) and previous:
        newest = max(previous, key=lambda p: p.stat().st_mtime)
        log.warning("restoring %s from an interrupted build", out)
        os.rename(newest, out)


def remove_leftovers(out: Path) -> None:
    """Delete staging and old trees left by builds that failed or were killed (we hold the lock: none is live)."""
    for path in [*_leftovers(out, "staging"), *_leftovers(out, "old")]:
        log.debug("removing leftover %s", path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def swap(staging: Path, out: Path) -> Path | None:
    """Publish ``staging`` as ``out``; return where the replaced tree now is, to delete."""
    if not os.path.lexists(out):
        os.rename(staging, out)
        return None
    if atomic.exchange_folders(staging, out):
        atomic.checkpoint("exchanged")
        return staging
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    os.rename(out, old)
    atomic.checkpoint("moved-aside")
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(old, out)
        raise
    return old


TREE_LINE = "tree "


def marker_bytes(tree: str) -> bytes:
    """The marker of a published tree: it says build-site wrote the folder, and which tree it is."""
    return MARKER_TEXT + f"{TREE_LINE}{tree}\n".encode()


def marker_tree(folder: Path) -> str | None:
    """The tree digest written in a published tree's marker, if there is one."""
    try:
        text = (folder / MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith(TREE_LINE):
            return line[len(TREE_LINE) :].strip()
    return None


def read_output(out: Path) -> dict[str, OutputRow]:
    """Every file of a published tree with its digest, read from disk (when no state describes it)."""
    found = {}
    if marker_tree(out) is None:
        return found
    for folder, _, names in os.walk(out):
        for name in names:
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, out).replace(os.sep, "/")
            if relative == MARKER or os.path.islink(path):
                continue
            info = os.lstat(path)
            with open(path, "rb") as stream:
                # No job is known to make it (owners 0): kept only if a job of this build makes it again.
                found[relative] = OutputRow(digest(stream.read()), info.st_ino, info.st_size, info.st_mtime_ns, 0)
    return found


def intact_outputs(out: Path, published: Mapping[str, OutputRow]) -> set[str]:
    """The published files that are still as published (same inode, size and modification time)."""
    return intact_or_moved(out, published, tree_moved=False)[0]


def intact_or_moved(
    out: Path, published: Mapping[str, OutputRow], *, tree_moved: bool
) -> tuple[set[str], dict[str, OutputRow]]:
    """The published files still as published, and, when the whole tree was moved, those found under a new inode.

    One ``lstat`` of each file. With ``tree_moved``, a file with its recorded size and time under another inode is
    taken for the one published (and is intact): its row with the inode now is in the second value.
    """
    intact: set[str] = set()
    moved: dict[str, OutputRow] = {}
    base = str(out)
    for path, row in published.items():
        try:
            info = os.lstat(f"{base}/{path}")
        except OSError:
            continue
        if (info.st_size, info.st_mtime_ns) != (row.size, row.mtime):
            continue
        if info.st_ino == row.ino:
            intact.add(path)
        elif tree_moved:
            moved[path] = dataclasses.replace(row, ino=info.st_ino)
            intact.add(path)
    return intact, moved
