"""Write stage: publish the rendered files atomically; the only stage that touches the output folder.

A build never changes ``output/`` in place. Under a lock (``.output-build.lock``
beside it) it writes the whole new tree into ``.output.staging-PID`` beside it,
flushes it to disk, and swaps it in with one atomic exchange, so a web server
serving ``output/`` sees the old site or the new one, never a mix and never
nothing. A build that fails or is killed before the swap leaves ``output/``
untouched; leftovers are removed by the next build. Files whose bytes did not
change are hard-linked from the previous tree, so they keep their modification
time (HTTP caches and rsync see only what changed).

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
import logging
import os
import re
import shutil
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path

from ..errors import ConfigError, OutputError, Problem
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
    with atomic.exclusive_lock(lock_path(out), timeout=timeout, what=str(out)):
        try:
            restore_interrupted(out)
            remove_leftovers(out)
        except OSError as exc:
            raise OutputError(Problem(str(out), message=f"cannot tidy up after an earlier build: {exc}")) from exc
        _check_replaceable(out)
        yield


def write_output(files: Mapping[str, bytes], out: Path) -> None:
    """Replace the folder ``out`` with exactly ``files``, atomically; on any failure ``out`` is left as it was."""
    for relative in files:
        safe_join(Path("."), relative)  # refuse a bad path before touching the disk
    out = real_path(out)
    with output_lock(out):
        staging = out.parent / f".{out.name}.staging-{os.getpid()}"
        try:
            _stage(files, staging, out)
            atomic.flush_to_disk(staging)
            atomic.checkpoint("staged")
            replaced = swap(staging, out)
        except OSError as exc:
            raise OutputError(Problem(str(out), message=f"cannot write output: {exc}")) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if replaced is not None:
            shutil.rmtree(replaced, ignore_errors=True)


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


def _stage(files: Mapping[str, bytes], staging: Path, previous: Path) -> None:
    """Write every file into ``staging``; a file identical to the previous tree's is hard-linked from it."""
    staging.mkdir()
    with contextlib.suppress(OSError):
        os.chmod(staging, stat.S_IMODE(os.stat(previous).st_mode))
    (staging / MARKER).write_bytes(MARKER_TEXT)
    made: set[Path] = {staging}
    ordered = sorted(files)
    for index, relative in enumerate(ordered):
        if index == len(ordered) // 2:
            atomic.checkpoint("staging")
        target = safe_join(staging, relative)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.update(target.parents)
        data = files[relative]
        if not _link_unchanged(safe_join(previous, relative), target, data):
            target.write_bytes(data)


def _link_unchanged(old: Path, target: Path, data: bytes) -> bool:
    try:
        info = os.lstat(old)
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(data) or old.read_bytes() != data:
            return False
        os.link(old, target)
    except OSError:  # no previous file, or no hard links on this filesystem: write it
        return False
    return True


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
