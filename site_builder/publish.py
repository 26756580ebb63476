"""Publishing a new tree by changing only what changed, with the same atomic swap as ``write.write_output``.

``write_output`` stages a complete new tree beside ``output/`` (hard-linking
unchanged files) and swaps it in. At a thousand issues that is about 13,000
links and folders made, and as many removed with the old tree: over a second,
whatever changed. A ``Publication`` keeps the tree it swapped out instead
(``.OUTPUT.build-state/previous/``, sharing every unchanged file with
``output/`` through hard links) and makes the next tree from it: it renames it
to the staging folder, changes the files that differ (from the records of both
trees, see ``record``), and swaps it in the same way. The work grows with what
changed in the last two builds, not with the size of the site.

The guarantees of ``write`` hold: the staging folder is the only one changed
until the swap, so a failed or killed build leaves ``output/`` as it was (a
killed one leaves its staging folder, which the next build removes, and
then has no previous tree to start from: it stages from scratch once). A file
whose bytes are the same as in ``output/`` is a hard link to that file, so it
keeps its modification time; any other file is written afresh, so it gets a new
one. A tree is never modified in place once published.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import shutil
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import atomic
from .errors import OutputError, Problem
from .fingerprint import digest_bytes
from .record import FileState, Record, marker_tree, prune_records, read_record, state_folder, tree_digest, write_record
from .write import MARKER, MARKER_TEXT, safe_join, swap

log = logging.getLogger(__name__)

PREVIOUS = "previous"
"""Name of the previous tree inside the state folder."""


def marker_bytes(tree: str) -> bytes:
    """The marker of a published tree: it says build-site wrote the folder, and which tree it is."""
    return MARKER_TEXT + f"tree {tree}\n".encode()


@dataclass
class PublishedTree:
    """A tree build-site published, as far as its record and the files' stats agree."""

    folder: Path
    record: Record | None
    intact: dict[str, FileState]
    """Files whose stat is still the recorded one: their digest is known without reading them."""

    @classmethod
    def read(
        cls, folder: Path, state: Path, *, verify: Iterable[str] | None = None, files_only: bool = False
    ) -> PublishedTree:
        """The tree in ``folder`` and its record; ``verify``: the paths to check by stat (default: all).

        ``files_only``: the record without its jobs and links (see ``record.Record.loads``).
        """
        record = read_record(state, marker_tree(folder, MARKER), files_only=files_only)
        intact: dict[str, FileState] = {}
        if record is not None:
            paths = record.files if verify is None else [p for p in verify if p in record.files]
            base = str(folder)
            for path in paths:  # checked when the record was read (record.is_safe_path)
                recorded = record.files[path]
                try:
                    info = os.lstat(f"{base}/{path}")
                except OSError:
                    continue
                if (info.st_ino, info.st_size, info.st_mtime_ns) == (recorded.ino, recorded.size, recorded.mtime_ns):
                    intact[path] = recorded
        return cls(folder, record, intact)


class Publication:
    """The next tree of ``out``, made in a staging folder from the previous tree, then swapped in.

    Create it while holding the output's lock (``write.output_lock``).
    """

    def __init__(self, out: Path, current: PublishedTree) -> None:
        self.out = out
        self.state = state_folder(out)
        self.current = current
        self.staging = out.parent / f".{out.name}.staging-{os.getpid()}"
        self.files: dict[str, FileState] = {}
        """What the new tree holds so far."""
        self.written = 0
        self.linked = 0
        self._base: dict[str, FileState] = {}
        self._placed: set[str] = set()
        """Paths whose file is already in the staging folder (the others are kept from ``output/``)."""
        self._base_record: Record | None = None
        self._suspects: set[str] | None = None
        """Folders of the previous tree changed since it was published (None: all), swept for stray files."""
        self._started = False

    # --- staging -----------------------------------------------------------------------------

    def _start(self) -> None:
        """Make the staging folder: the previous tree if it and its record are usable, else an empty folder."""
        if self._started:
            return
        self._started = True
        previous = self.state / PREVIOUS
        try:
            for leftover in self.state.glob(f"{PREVIOUS}.*"):  # a copy a killed build did not finish
                shutil.rmtree(leftover, ignore_errors=True)
            # Only its files are needed (and its tree): its jobs and links describe nothing this build makes.
            base = PublishedTree.read(previous, self.state, verify=(), files_only=True) if previous.is_dir() else None
            if base is not None and base.record is not None and not os.path.lexists(self.staging):
                self._suspects = _changed_folders(previous, self.state, base.record)
                self._base_record = base.record
                os.rename(previous, self.staging)
                self._base = dict(base.record.files)
                log.debug("staging from the previous tree (%d files)", len(self._base))
            else:
                if previous.exists():
                    shutil.rmtree(previous)
                self.staging.mkdir()
            with contextlib.suppress(OSError):
                os.chmod(self.staging, stat.S_IMODE(os.stat(self.out).st_mode))
        except OSError as exc:
            raise OutputError(Problem(str(self.out), message=f"cannot write output: {exc}")) from exc

    def put(self, path: str, data: bytes) -> str:
        """``path`` in the new tree holds ``data``; returns its digest."""
        digest = digest_bytes(data)
        if self.current.intact.get(path, _NONE).digest == digest:
            self.keep(path)
            return digest
        if self.current.record is None and self._same_as_published(path, data, digest):
            self.keep(path)  # no record (an older build-site, or it was deleted): compared byte for byte
            return digest
        if path in self._placed and self.files[path].digest == digest:
            return digest  # placed already (a formula image several emails show)
        self._start()
        target = safe_join(self.staging, path)
        base = self._base.get(path)
        try:
            if base is not None and base.digest == digest and not os.path.lexists(safe_join(self.out, path)):
                info = os.lstat(target)
                if (info.st_ino, info.st_size, info.st_mtime_ns) == (base.ino, base.size, base.mtime_ns):
                    self.files[path] = base  # staged before, and not in output/ now: nothing to refresh
                    self._placed.add(path)
                    return digest
        except OSError:
            pass
        self._write(path, target, data, digest)
        return digest

    def _write(self, path: str, target: Path, data: bytes, digest: str) -> None:
        try:
            self._clear(target, path)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                info = os.fstat(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise OutputError(Problem(str(self.out), message=f"cannot write output: {exc}")) from exc
        self.files[path] = FileState(digest, info.st_ino, info.st_size, info.st_mtime_ns)
        self._placed.add(path)
        self.written += 1
        if self.written == 1:
            atomic.checkpoint("staging")  # the staging folder is being changed (a test kills the build here)

    def _same_as_published(self, path: str, data: bytes, digest: str) -> bool:
        try:
            published = safe_join(self.out, path)
            info = os.lstat(published)
            if not stat.S_ISREG(info.st_mode) or info.st_size != len(data) or published.read_bytes() != data:
                return False
        except OSError:
            return False
        self.current.intact[path] = FileState(digest, info.st_ino, info.st_size, info.st_mtime_ns)
        return True

    def keep(self, path: str) -> None:
        """``path`` in the new tree is the file ``output/`` holds now (unchanged: same inode, same mtime).

        Nothing is done on disk yet: if nothing else changes, nothing is published at all.
        """
        self.files[path] = self.current.intact[path]
        self._placed.discard(path)

    def _link_kept(self) -> None:
        """Make every kept file of the staging folder the very file ``output/`` holds."""
        staging = str(self.staging)
        for path, current in self.files.items():
            if path in self._placed:
                continue
            try:  # a kept path comes from the record of output/, checked when it was read
                if os.lstat(f"{staging}/{path}").st_ino == current.ino:
                    continue
            except FileNotFoundError:
                pass
            target = safe_join(self.staging, path)
            self._clear(target, path)
            try:
                os.link(safe_join(self.out, path), target)
                self.linked += 1
            except OSError:  # no hard links here: copy (which gives a new modification time)
                self._write(path, target, safe_join(self.out, path).read_bytes(), current.digest)

    def read(self, path: str) -> bytes:
        """The bytes of a file already placed in the new tree."""
        folder = self.staging if path in self._placed else self.out
        return safe_join(folder, path).read_bytes()

    def _clear(self, target: Path, path: str) -> None:
        """Make room for a new file at ``target``: remove what the previous tree had there, create its folder."""
        try:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()
        except FileNotFoundError:
            pass
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            # A file of the previous tree is where a folder must be: remove it, unless this build wrote it.
            parts = path.split("/")
            for depth in range(1, len(parts)):
                prefix = "/".join(parts[:depth])
                blocker = safe_join(self.staging, prefix)
                if blocker.is_file() or blocker.is_symlink():
                    if prefix in self.files:
                        raise
                    blocker.unlink()
                    break
            target.parent.mkdir(parents=True, exist_ok=True)

    # --- publishing ------------------------------------------------------------------------

    def _remove_strays(self) -> None:
        """Remove from the staging folder what the new tree does not hold: files of the previous tree that
        are gone, and anything put into the previous tree by hand (found in folders whose mtime changed)."""
        folders = _folders(self.files)
        emptied = set()
        for path in set(self._base) - set(self.files):
            target = f"{self.staging}/{path}"
            with contextlib.suppress(FileNotFoundError):
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target)
                else:
                    os.unlink(target)
            parent = path.rpartition("/")[0]
            while parent and parent not in folders:
                emptied.add(parent)
                parent = parent.rpartition("/")[0]
        for folder in sorted(emptied, key=lambda f: f.count("/"), reverse=True):
            with contextlib.suppress(OSError):
                os.rmdir(f"{self.staging}/{folder}")  # only if empty: anything else there is swept below
        suspects = folders | emptied if self._suspects is None else self._suspects
        for folder in sorted(suspects):
            self._sweep(folder, folders)

    def _sweep(self, folder: str, folders: set[str]) -> None:
        """Remove entries of ``folder`` (in the staging folder) that the new tree does not hold."""
        try:
            entries = list(os.scandir(f"{self.staging}/{folder}" if folder else self.staging))
        except (FileNotFoundError, NotADirectoryError):
            return
        for entry in entries:
            relative = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_dir(follow_symlinks=False):
                if relative not in folders:
                    shutil.rmtree(entry.path)
                elif self._suspects is None:
                    continue  # swept on its own
            elif relative not in self.files and relative != MARKER:
                os.unlink(entry.path)

    def _remember_previous(self, record: Record | None) -> None:
        """Note the mtime of every folder of the previous tree, so the next build sweeps only those changed."""
        previous = self.state / PREVIOUS
        if record is None or marker_tree(previous, MARKER) != record.tree:
            return
        stored = {"tree": record.tree, "folders": _folder_mtimes(previous, record)}
        with contextlib.suppress(OSError, ValueError):
            (self.state / FOLDERS).write_bytes(marshal.dumps(stored))

    def unchanged(self, digests: Mapping[str, str]) -> bool:
        """True if ``digests`` is exactly what ``output/`` holds: nothing to publish."""
        record = self.current.record
        return (
            record is not None
            and not self._placed
            and record.files.keys() == digests.keys()
            and all(self.current.intact.get(p, _NONE).digest == d for p, d in digests.items())
        )

    def finish(self, record: Record) -> None:
        """Complete the staged tree as ``record`` describes it, store the record, and swap the tree in."""
        self._start()
        try:
            self._link_kept()
            self._remove_strays()
            marker = self.staging / MARKER
            with contextlib.suppress(FileNotFoundError):
                marker.unlink()
            marker.write_bytes(marker_bytes(record.tree))
            write_record(self.state, record)
            atomic.flush_to_disk(self.staging)
            atomic.checkpoint("staged")
            replaced = swap(self.staging, self.out)
        except OSError as exc:
            self.abort()
            raise OutputError(Problem(str(self.out), message=f"cannot write output: {exc}")) from exc
        previous_tree = self.current.record.tree if self.current.record else None
        try:
            if replaced is not None and marker_tree(replaced, MARKER) == previous_tree and previous_tree:
                os.rename(replaced, self.state / PREVIOUS)  # the next build starts from it
                self._remember_previous(self.current.record)
            else:
                if replaced is not None:
                    shutil.rmtree(replaced, ignore_errors=True)
                self.copy_previous(record.tree)
                previous_tree = record.tree
                self._remember_previous(record)
        except OSError as exc:
            log.debug("could not keep the previous tree: %s", exc)
            previous_tree = None
        prune_records(self.state, (record.tree, previous_tree))

    def copy_previous(self, tree: str) -> None:
        """Make the previous tree a linked copy of ``output/`` (after a first build, so the next one is quick)."""
        previous = self.state / PREVIOUS
        if previous.exists():
            return
        making = self.state / f"{PREVIOUS}.{os.getpid()}"
        for folder, names, files in os.walk(self.out):
            relative = os.path.relpath(folder, self.out)
            into = making if relative == "." else making / relative
            into.mkdir(parents=True)
            for name in files:
                if not (relative == "." and name == MARKER):
                    os.link(os.path.join(folder, name), into / name)
            names.sort()
        (making / MARKER).write_bytes(marker_bytes(tree))  # last: a copy without it is never used
        os.rename(making, previous)

    def abort(self) -> None:
        """Drop the staged tree (after a failure): ``output/`` was never touched."""
        if self._started:
            shutil.rmtree(self.staging, ignore_errors=True)

    def finish_unchanged(self, record: Record) -> None:
        """Nothing to publish: keep ``output/`` as it is and store its record (the jobs' keys may be new)."""
        if self._started:  # the previous tree was taken as the staging folder but not changed: put it back
            try:
                os.rename(self.staging, self.state / PREVIOUS)
            except OSError:
                shutil.rmtree(self.staging, ignore_errors=True)
        write_record(self.state, record)
        if self._started and self._base_record is not None:
            self._remember_previous(self._base_record)
        previous = self.state / PREVIOUS
        previous_tree = marker_tree(previous, MARKER) if previous.is_dir() else None
        prune_records(self.state, (record.tree, previous_tree))


_NONE = FileState("")
FOLDERS = "previous-folders.marshal"
"""The mtime of each folder of the previous tree when it became the previous tree."""


def _folder_mtimes(tree: Path, record: Record) -> dict[str, int]:
    found = {}
    for folder in _folders(record.files):
        with contextlib.suppress(OSError):
            found[folder] = os.stat(f"{tree}/{folder}" if folder else tree).st_mtime_ns
    return found


def _folders(paths: Iterable[str]) -> set[str]:
    """Every folder holding one of ``paths``, at any depth, and the root ``""``."""
    folders = {""}
    for path in paths:
        parent = path.rpartition("/")[0]
        while parent not in folders:  # most files share a folder seen already: stop there
            folders.add(parent)
            parent = parent.rpartition("/")[0]
    return folders


def _changed_folders(tree: Path, state: Path, record: Record) -> set[str] | None:
    """Folders of the previous tree whose mtime changed since it became that (None if unknown: all of them)."""
    try:
        stored = marshal.loads((state / FOLDERS).read_bytes())
        if stored["tree"] != record.tree:
            return None
        recorded: dict[str, int] = stored["folders"]
    except (OSError, ValueError, EOFError, KeyError, TypeError):
        return None
    now = _folder_mtimes(tree, record)
    return {folder for folder in recorded.keys() | now.keys() if recorded.get(folder) != now.get(folder)}


def new_record(files: Mapping[str, FileState], jobs: Mapping, links: Mapping) -> Record:  # type: ignore[type-arg]
    """The record of a tree holding ``files``."""
    return Record(tree_digest({p: f.digest for p, f in files.items()}), dict(files), dict(jobs), dict(links))
