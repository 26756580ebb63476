"""Write stage: the new tree, staged beside ``output/`` from the tree before it, swapped in atomically.

A tree of thousands of files is not staged afresh. The tree the last build replaced is
kept in the state folder (``.OUTPUT.build-state/previous/``, sharing every unchanged file
with ``output/`` through hard links, so it takes almost no room); the next build renames it
to its staging folder and brings it up to date: the paths the last build changed are linked
from ``output/``, the files this build makes are written (by the render stage's workers,
see ``put``), the files it drops are removed. Then what staging changed (the files written and
the folders whose entries changed; the linked files were made durable when first published) is
flushed to disk, and the staging folder exchanged with ``output/`` in one step (``folders.swap``);
the tree it replaced becomes the next one's starting point. The work grows with what changed, not
with the site.

``output/`` itself is never written: a failed or killed build leaves it as it was (and
leaves a staging folder the next build removes; that build then stages from ``output/``
once). A file whose bytes did not change is the very file published before (a hard link),
so it keeps its modification time; any other file is written afresh.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import OutputError, Problem
from ..incremental.deps import digest
from ..incremental.state import OutputRow
from . import atomic
from .folders import (
    MARKER,
    intact_outputs,
    marker_bytes,
    marker_tree,
    output_lock,
    read_output,
    real_path,
    safe_join,
    swap,
)

log = logging.getLogger(__name__)

PREVIOUS = "previous"
"""Name of the previous tree inside the state folder."""


class Publication:
    """The next tree of ``out``, made in a staging folder, then swapped in. Create it holding the output's lock."""

    shared = True
    """Worker processes put files into the staging folder themselves."""

    def __init__(self, out: Path, state: Path | None, published: Mapping[str, OutputRow], intact: set[str]) -> None:
        self.out = out
        self.state = state
        """The state folder, where the tree this one replaces is kept for the next build; None: it is deleted."""
        self.rows = dict(published)
        """Every file of ``output/`` as published."""
        self.paths = frozenset(self.rows)
        self.published = {path: row.digest for path, row in published.items() if path in intact}
        """The files of ``output/`` that are still as published, and their digests."""
        self.staging = out.parent / f".{out.name}.staging-{os.getpid()}"
        self.started = False
        self._times: dict[str, int] = {}
        """The modification time of each staged folder when staging began (from the previous tree)."""
        self._changed: set[str] = set()
        """Paths staging changed (and ``folder/`` for a folder it swept): their folders' times are not those."""
        self._flush: tuple[list[str], frozenset[str]] | None = None
        """The files and folders that ``finish`` makes durable; None: the whole staging folder."""
        self._from_previous = False

    # --- staging ---------------------------------------------------------------------------------

    def start(self, previous_tree: str | None, stale: Iterable[str], folders: Mapping[str, int] | None = None) -> None:
        """Make the staging folder equal to ``output/``: from the previous tree (if it is ``previous_tree``),

        fixing the ``stale`` paths (changed since that tree was replaced, or touched by hand), or else by
        linking every file of ``output/``. ``folders``: the modification time of each folder of the previous
        tree when it was published (``seal``); a folder changed since (a file put into ``output/`` by hand,
        then swapped out with it) is swept of what ``output/`` lacks.
        """
        self.started = True
        previous = self.state / PREVIOUS if self.state is not None else None
        try:
            if (
                previous is not None
                and previous_tree
                and marker_tree(previous) == previous_tree
                and os.path.isdir(self.out)
            ):
                os.rename(previous, self.staging)  # renaming a tree leaves the times of the folders in it
                self._from_previous = True
                for folder in folders or {}:
                    found = _mtime(self.staging, folder)
                    if found is not None:
                        self._times[folder] = found
                touched = {f for f, mtime in (folders or {}).items() if self._times.get(f) != mtime}
                for path in sorted(set(stale)):
                    self._refresh(path)
                    self._changed.add(path)
                suspects = sorted({"", *touched}) if folders is not None else self._every_folder()
                for folder in suspects:
                    self._sweep(folder)
                    self._changed.add(f"{folder}/")
                log.debug("staging from the previous tree")
            else:
                if previous is not None and previous.exists():
                    shutil.rmtree(previous)
                self._link_tree()
            with contextlib.suppress(OSError):
                os.chmod(self.staging, stat.S_IMODE(os.stat(self.out).st_mode))
        except OSError as exc:
            raise OutputError(Problem(str(self.out), message=f"cannot write output: {exc}")) from exc

    def _refresh(self, path: str) -> None:
        """Make the staged ``path`` the file ``output/`` holds (or remove it if ``output/`` has none)."""
        target = safe_join(self.staging, path)
        source = safe_join(self.out, path)
        _remove(target)
        if os.path.lexists(source) and path in self.published:
            _make_parent(target)
            os.link(source, target)

    def _every_folder(self) -> list[str]:
        return sorted(_folders(self.paths))

    def _sweep(self, folder: str) -> None:
        """Remove from a staged folder what ``output/`` does not hold there (put into the previous tree by hand)."""
        folders = _folders(self.paths)
        try:
            entries = list(os.scandir(self.staging / folder if folder else self.staging))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            relative = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_dir(follow_symlinks=False):
                if relative not in folders:
                    shutil.rmtree(entry.path)
            elif relative not in self.rows and relative != MARKER:
                os.unlink(entry.path)

    def _link_tree(self) -> None:
        self.staging.mkdir()
        if not os.path.isdir(self.out):
            return
        for path in sorted(self.published):
            target = safe_join(self.staging, path)
            _make_parent(target)
            try:
                os.link(safe_join(self.out, path), target)
            except OSError:  # no hard links here: copy (which gives a new modification time)
                shutil.copyfile(safe_join(self.out, path), target)

    def put(self, path: str, data: bytes, digest: str) -> None:
        """``path`` in the new tree holds ``data``: written, unless ``output/`` holds these very bytes."""
        if self.published.get(path) == digest:
            return
        target = safe_join(self.staging, path)
        try:
            fd = _create(target)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        except OSError as exc:
            raise OutputError(Problem(str(self.out), message=f"cannot write output: {exc}")) from exc
        atomic.checkpoint("staging")  # the staging folder is being changed (a test kills the build here)

    # --- publishing ------------------------------------------------------------------------------

    def seal(self, tree: str, gone: Iterable[str], paths: Iterable[str], written: Iterable[str]) -> dict[str, int]:
        """Remove the ``gone`` paths and mark the staged tree as ``tree``, whose files are ``paths``.

        Returns the modification time of each of its folders, now that nothing changes them any
        more: once this tree is swapped out in turn, a folder whose time differs was changed by hand.
        Only the folders holding a path staging changed (``written``, ``gone``, those brought up to
        date) are timed again; the others kept the times found when staging began.
        """
        gone = list(gone)
        try:
            for path in gone:
                target = safe_join(self.staging, path)
                _remove(target)
                _prune_empty(self.staging, path)
            marker = self.staging / MARKER
            _remove(marker)
            marker.write_bytes(marker_bytes(tree))
        except OSError as exc:
            self.abort()
            raise OutputError(Problem(str(self.out), message=f"cannot write output: {exc}")) from exc
        written = list(written)
        changed = _folders(frozenset([*written, *gone, *self._changed]))
        if self._from_previous:  # every other staged file is a link to a published (durable) one
            self._flush = ([*written, MARKER], changed)
        times = {}
        for folder in _folders(paths):
            if not folder:
                continue  # the root is always swept
            found = self._times.get(folder) if folder not in changed else None
            if found is None:
                found = _mtime(self.staging, folder)
            if found is not None:
                times[folder] = found
        return times

    def finish(self) -> None:
        """Swap the sealed tree in; the tree it replaces is kept as the next build's previous tree."""
        try:
            if self._flush is not None:
                atomic.flush_changes(self.staging, *self._flush)
            else:
                atomic.flush_to_disk(self.staging)
            atomic.checkpoint("staged")
            replaced = swap(self.staging, self.out)
        except OSError as exc:
            self.abort()
            raise OutputError(Problem(str(self.out), message=f"cannot write output: {exc}")) from exc
        try:
            if replaced is not None and self.state is not None and marker_tree(replaced) is not None:
                os.rename(replaced, self.state / PREVIOUS)  # the next build starts from it
            elif replaced is not None:
                shutil.rmtree(replaced, ignore_errors=True)
        except OSError as exc:
            log.debug("could not keep the previous tree: %s", exc)
            shutil.rmtree(replaced, ignore_errors=True)  # type: ignore[arg-type]

    def stats(self, paths: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        """(inode, size, mtime) of staged files: the swap keeps them."""
        found = {}
        base = str(self.staging)
        for path in paths:
            info = os.lstat(f"{base}/{path}")
            found[path] = (info.st_ino, info.st_size, info.st_mtime_ns)
        return found

    def keep_previous(self) -> None:
        """Nothing to publish after all: the staged tree (equal to ``output/``) becomes the previous tree again."""
        if not self.started:
            return
        try:
            if self.state is None:
                raise OSError("no state folder keeps it")
            os.rename(self.staging, self.state / PREVIOUS)
        except OSError:
            shutil.rmtree(self.staging, ignore_errors=True)

    def abort(self) -> None:
        """Drop the staged tree (after a failure): ``output/`` was never touched."""
        if self.started:
            shutil.rmtree(self.staging, ignore_errors=True)


@functools.lru_cache(maxsize=2)
def _folders_of(paths: frozenset[str]) -> frozenset[str]:
    folders = {""}
    for path in paths:
        parent = path.rpartition("/")[0]
        while parent not in folders:  # most files share a folder seen already: stop there
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    return frozenset(folders)


def _folders(paths: Iterable[str]) -> frozenset[str]:
    """Every folder holding one of ``paths``, at any depth, and the root ``""``."""
    return _folders_of(paths if isinstance(paths, frozenset) else frozenset(paths))


def _mtime(tree: Path, folder: str) -> int | None:
    try:
        return os.stat(tree / folder).st_mtime_ns
    except OSError:
        return None


def _remove(target: Path) -> None:
    try:
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    except FileNotFoundError:
        pass


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _create(target: Path) -> int:
    """A new file at ``target`` (never a file shared with the published tree: what was there is unlinked first).

    Two workers may put the same file at once (a formula image two emails show, with the same
    bytes): one's file may appear between the other's unlink and create, so that is tried again.
    """
    for _ in range(3):
        try:
            return os.open(target, _NEW_FILE, 0o666)
        except FileExistsError:
            _remove(target)
        except (FileNotFoundError, NotADirectoryError):
            _make_parent(target)  # tried first: most files go where a folder already is
    return os.open(target, _NEW_FILE, 0o666)


def _make_parent(target: Path) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        # A file of the previous tree is where a folder must be now: remove it.
        for parent in reversed(target.parents):
            if parent.is_file() or parent.is_symlink():
                parent.unlink()
                break
        target.parent.mkdir(parents=True, exist_ok=True)


def _prune_empty(root: Path, path: str) -> None:
    """Remove the folders of ``path`` left empty, up to ``root``."""
    parts = path.split("/")[:-1]
    while parts:
        with contextlib.suppress(OSError):
            os.rmdir(root.joinpath(*parts))
        parts.pop()


def write_output(files: Mapping[str, bytes], out: Path) -> None:
    """Replace the folder ``out`` with exactly ``files``, atomically, as a build publishes (``build-site editions``).

    One ``Publication`` without a state folder: a file whose bytes did not change stays the file published
    before (a hard link, with its modification time); the tree it replaces is deleted. On any failure
    ``out`` is left as it was.
    """
    folders = set()
    for relative in files:
        safe_join(Path("."), relative)  # refuse a bad path before touching the disk
        folders.update(_folders_of(frozenset([relative])) - {""})
    for relative in sorted(folders & set(files)):
        raise OutputError(Problem(relative, message="output path is both a file and a folder"))
    out = real_path(out)
    with output_lock(out):
        published = read_output(out)
        output = Publication(out, None, published, intact_outputs(out, published))
        digests = {path: digest(data) for path, data in files.items()}
        output.start(None, ())
        try:
            for path, data in files.items():
                output.put(path, data, digests[path])
            tree = digest(*(f"{path}={digests[path]}" for path in sorted(digests)))
            written = [path for path in digests if output.published.get(path) != digests[path]]
            output.seal(tree, set(published) - set(files), digests, written)
        except BaseException:
            output.abort()
            raise
        output.finish()
