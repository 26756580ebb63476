"""The dependency record of a published tree: which job wrote which file from what, kept beside the output.

For every file of a published tree the record holds its digest and stat, for
every job the key it was rendered under, the files it wrote and the site files
it looked up, and for every page what it links to and which ids it holds (so
the links of pages that are not rendered again need not be read again).

Records live in the output's state folder, ``.OUTPUT.build-state/`` beside
it, named after the tree they describe: ``tree-<tree digest>.marshal``. The tree digest
digests every (path, file digest) of the tree and is written into the tree's
``.build-site`` marker, so a record is used only for the tree it was made for,
whatever happened in between (a build killed at any point, a tree restored by
hand). A record is written before its tree is published and never changed
after, so it can only describe a tree that is, or was, complete.

Stats (inode, size, modification time) tell whether a file is still the one
recorded; a file changed or removed by hand is treated as unknown and written
again. They are not part of the tree: the published tree stays byte-identical
wherever it is built.
"""

from __future__ import annotations

import contextlib
import logging
import marshal
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .fingerprint import digest_text

log = logging.getLogger(__name__)

FORMAT = 1
STATE_SUFFIX = ".build-state"
RECORD_PREFIX, RECORD_SUFFIX = "tree-", ".marshal"
TREE_LINE = "tree "


@dataclass
class FileState:
    """A file of a published tree."""

    digest: str
    ino: int = 0
    size: int = -1
    mtime_ns: int = 0


@dataclass
class JobState:
    """A job of the build that published a tree."""

    key: str
    paths: list[str]
    files_used: dict[str, str | None] = field(default_factory=dict)


@dataclass
class LinkState:
    """What a page links to, and the ids it holds, for checking links without reading it again."""

    targets: list[tuple[str, str]]
    """(site path, fragment) of every internal link."""
    ids: list[str] | None = None
    """Ids of its elements (HTML pages of the site; None for other outputs)."""
    duplicate_ids: list[str] = field(default_factory=list)
    edition: bool = False
    """An edition's links: they must reach a file of the site or an edition, fragments are not checked."""


@dataclass
class Record:
    """Everything a build knew about the tree it published."""

    tree: str
    files: dict[str, FileState]
    jobs: dict[str, JobState]
    links: dict[str, LinkState]

    def dumps(self) -> bytes:
        """The record as ``marshal`` data (plain values only; about ten times faster to read than JSON)."""
        targets: dict[tuple[str, str], int] = {}
        links = {}
        for path, state in self.links.items():
            indexes = [targets.setdefault((t[0], t[1]), len(targets)) for t in state.targets]
            links[path] = (indexes, state.ids, state.duplicate_ids, state.edition)
        return marshal.dumps(
            {
                "format": FORMAT,
                "python": sys.version,
                "tree": self.tree,
                "files": {p: (f.digest, f.ino, f.size, f.mtime_ns) for p, f in self.files.items()},
                "jobs": {j: (s.key, s.paths, s.files_used) for j, s in self.jobs.items()},
                "targets": list(targets),
                "links": links,
            }
        )

    @classmethod
    def loads(cls, data: bytes, *, files_only: bool = False) -> Record:
        """The record in ``data``; ``files_only``: its tree and files, with no jobs or links (a tree to stage from)."""
        stored = marshal.loads(data)
        if stored.get("format") != FORMAT or stored.get("python") != sys.version:
            raise ValueError("a record of another format or Python version")
        targets = stored["targets"]
        for path in stored["files"]:
            if not is_safe_path(path):
                raise ValueError(f"a record naming the path {path!r}")
        files = {p: FileState(*f) for p, f in stored["files"].items()}
        if files_only:
            return cls(stored["tree"], files, {}, {})
        return cls(
            stored["tree"],
            files,
            {j: JobState(k, list(paths), dict(used)) for j, (k, paths, used) in stored["jobs"].items()},
            {
                p: LinkState([targets[i] for i in indexes], ids, list(duplicates), edition)
                for p, (indexes, ids, duplicates, edition) in stored["links"].items()
            },
        )


_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\:]")


def is_safe_path(path: str) -> bool:
    """A relative output path as ``write.safe_join`` accepts it (checked again: a record is read from disk)."""
    return bool(path) and not _FORBIDDEN.search(path) and all(p not in ("", ".", "..") for p in path.split("/"))


def tree_digest(digests: Mapping[str, str]) -> str:
    """The digest of a whole tree: every path with its file's digest (the marker itself excluded)."""
    return digest_text("tree", *(f"{path}={digests[path]}" for path in sorted(digests)))


def state_folder(out: Path) -> Path:
    """Beside ``out``: the previous tree and the records."""
    return out.parent / f".{out.name}{STATE_SUFFIX}"


def marker_tree(folder: Path, marker: str) -> str | None:
    """The tree digest written in a published tree's marker, if there is one."""
    try:
        text = (folder / marker).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith(TREE_LINE):
            return line[len(TREE_LINE) :].strip()
    return None


def read_record(state: Path, tree: str | None, *, files_only: bool = False) -> Record | None:
    """The record of tree ``tree`` from ``state``, or None if there is none or it cannot be read (see ``loads``)."""
    if not tree:
        return None
    path = state / f"{RECORD_PREFIX}{tree}{RECORD_SUFFIX}"
    try:
        record = Record.loads(path.read_bytes(), files_only=files_only)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, AttributeError) as exc:
        log.debug("ignoring the unreadable record %s: %s", path, exc)
        return None
    return record if record.tree == tree else None


def write_record(state: Path, record: Record) -> None:
    """Store ``record`` (atomically: a killed build leaves the old one or the new one)."""
    state.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=state, prefix=".record-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(record.dumps())
        os.replace(temporary, state / f"{RECORD_PREFIX}{record.tree}{RECORD_SUFFIX}")
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def prune_records(state: Path, keep: Iterable[str | None]) -> None:
    """Delete the records of trees that are gone."""
    wanted = {f"{RECORD_PREFIX}{tree}{RECORD_SUFFIX}" for tree in keep if tree}
    with contextlib.suppress(OSError):
        for entry in os.scandir(state):
            if (
                entry.name.startswith(RECORD_PREFIX) and entry.name not in wanted and entry.is_file()
            ) or entry.name.startswith(".record-"):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
