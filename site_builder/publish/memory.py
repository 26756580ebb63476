"""A site kept in memory (``serve``, ``check``, editions on demand): the write stage's destination when there is no folder."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class MemoryOutput:
    """A site kept in memory (``serve``, ``check``, editions on demand): the same stages, no folder."""

    shared = False
    """Worker processes send the bytes back; the parent puts them here."""

    def __init__(self, files: dict[str, bytes] | None = None) -> None:
        self.files: dict[str, bytes] = files if files is not None else {}
        self.published: dict[str, str] = {}
        """The digest of each file a finished build left here: nothing changes memory by hand, so all are intact."""
        self._made: dict[str, str] = {}
        self.started = False

    def put(self, path: str, data: bytes, digest: str) -> None:
        self.files[path] = data
        self._made[path] = digest

    def start(self, previous_tree: str | None, stale: Iterable[str], folders: Mapping[str, int] | None = None) -> None:
        self.started = True

    def seal(self, tree: str, gone: Iterable[str], paths: Iterable[str], written: Iterable[str]) -> dict[str, int]:
        for path in gone:
            self.files.pop(path, None)
            self.published.pop(path, None)
        return {}

    def finish(self) -> None:
        self.keep_previous()

    def stats(self, paths: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        return {path: (0, len(self.files[path]), 0) for path in paths}

    def keep_previous(self) -> None:
        self.published.update(self._made)
        self._made = {}

    def abort(self) -> None:
        self._made = {}  # the caller puts back the files of the last good build (``preview.Session``)
