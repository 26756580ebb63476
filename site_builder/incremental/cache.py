"""On-disk cache of computed results, so an unchanged computation is not run again.

Layout (``ROOT/.build-cache/``, git-ignored; delete it any time)::

    v1/                                   cache format version
      topics/perplexity/example-sentence.json
      topics/perplexity/formula-perplexity.json
      topics/perplexity/plot-pp-vs-ce.json  + plot-pp-vs-ce.svg + plot-pp-vs-ce.png
      problems/batch-norm-forward/solution.json
      math/, cards/, search/              formula images, social cards, search shards
      fragments/topics/perplexity.web.z   an entry's rendering (``fragments``)

One *slot* per computation (entry and item), holding the key it was computed
under, the components of that key, and the result. The key hashes:

- ``code``: sha256 of every file the function can depend on: its module in
  ``computed/`` and, transitively, the sibling modules it imports relatively
  (``from .perplexity import ...``), plus any non-Python file in ``computed/``
  (data a module may read). Editing an unrelated module does not invalidate.
- ``function`` and ``inputs`` (and ``spec``: e.g. a formula's LaTeX and verify block);
- ``versions`` of numpy (and matplotlib for plots) and Python's minor version;
- ``builder``: sha256 of the site_builder modules that produce the result.

Because the components are stored, a miss can say *why* it ran (``source of
computed/perplexity.py changed``). Results are JSON: Python writes floats by
``repr``, which reads back to the identical float, so cached numbers are exactly
the computed ones. A slot is written only after its computation succeeded
(JSON last, atomically), so a failing computation never poisons the cache, and
an unreadable slot is simply recomputed. Slots no build uses any more are
removed after a successful build.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import json
import logging
import os
import platform
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FORMAT = "v1"
CACHE_FOLDER = ".build-cache"
PRUNED = ".pruned"
"""In the cache folder: the digest of the slots the last prune kept, removed by the next store."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value: Any) -> str:
    """JSON with sorted keys and exact floats: equal values give equal text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def versions(*packages: str) -> dict[str, str]:
    """Installed versions of ``packages`` read from metadata, without importing them; plus Python's."""
    found = {"python": ".".join(platform.python_version_tuple()[:2])}
    for package in packages:
        found[package] = _version(package)
    return found


@functools.cache
def _version(package: str) -> str:
    # Reading package metadata scans sys.path (milliseconds); versions do not change during a build.
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "missing"


@dataclass
class CodeIndex:
    """Which files of ``computed/`` each module depends on, with their hashes; computed once per build."""

    folder: Path
    _hashes: dict[str, str] = field(default_factory=dict)
    _imports: dict[str, set[str]] = field(default_factory=dict)
    _manifests: dict[str, dict[str, str]] = field(default_factory=dict)
    _data_files: list[Path] | None = None

    def manifest(self, module: str) -> dict[str, str]:
        """``computed/x.py`` -> sha256 for ``module``, the modules it imports relatively (transitively), and data files."""
        if module in self._manifests:
            return dict(self._manifests[module])
        seen: set[str] = set()
        pending = [module]
        while pending:
            name = pending.pop()
            if name in seen or not (self.folder / f"{name}.py").is_file():
                continue
            seen.add(name)
            pending.extend(self._relative_imports(name))
        files = {f"computed/{name}.py": self._hash(self.folder / f"{name}.py") for name in sorted(seen)}
        for path in self.data_files():
            files[f"computed/{path.relative_to(self.folder).as_posix()}"] = self._hash(path)
        self._manifests[module] = files
        return dict(files)

    def data_files(self) -> list[Path]:
        """Files of ``computed/`` that are not Python (data a module may read), listed once per build."""
        if self._data_files is None:
            self._data_files = []
            for path in sorted(self.folder.rglob("*")):
                relative = path.relative_to(self.folder)
                if (
                    path.is_file()
                    and path.suffix not in (".py", ".pyc")
                    and "__pycache__" not in relative.parts
                    and not any(part.startswith(".") for part in relative.parts)
                ):
                    self._data_files.append(path)
        return self._data_files

    def _hash(self, path: Path) -> str:
        key = str(path)
        if key not in self._hashes:
            self._hashes[key] = digest(path.read_bytes())
        return self._hashes[key]

    def _relative_imports(self, module: str) -> set[str]:
        if module not in self._imports:
            found: set[str] = set()
            try:
                tree = ast.parse((self.folder / f"{module}.py").read_bytes())
            except (SyntaxError, ValueError):
                tree = ast.Module(body=[], type_ignores=[])  # the import itself will report it
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 1:
                    if node.module:
                        found.add(node.module.split(".")[0])
                    else:
                        found.update(alias.name for alias in node.names)
            self._imports[module] = found
        return self._imports[module]


@dataclass(frozen=True)
class Key:
    """What a result depends on; equal keys mean the stored result can be reused."""

    components: Mapping[str, Any]

    @functools.cached_property  # looked up twice per computation; the components are never changed
    def hash(self) -> str:
        return digest(canonical(self.components).encode())


@dataclass(frozen=True)
class Hit:
    """A reusable stored result."""

    data: Mapping[str, Any]
    files: Mapping[str, bytes]


class Cache:
    """The slots under ``folder``; ``Cache(None)`` is disabled: every lookup misses and nothing is stored.

    A ``read_only`` cache is looked up but never written or pruned (``check`` writes nothing).
    """

    def __init__(self, folder: Path | None, *, read_only: bool = False) -> None:
        self.folder = folder / FORMAT if folder is not None else None
        self.read_only = read_only
        self.used: set[str] = set()
        self._warned = False
        self._marked = True
        """False once this object removed the mark of the last prune (see ``prune``)."""

    @classmethod
    def at(cls, root: Path, *, read_only: bool = False) -> Cache:
        return cls(root / CACHE_FOLDER, read_only=read_only)

    def lookup(self, slot: str, key: Key, files: tuple[str, ...] = ()) -> tuple[Hit | None, str]:
        """The stored result for ``slot`` if its key is ``key``, else None and the reason it must run."""
        self.used.add(slot)
        if self.folder is None:
            return None, "the cache is off (--no-cache)"
        path = self.folder / f"{slot}.json"
        if not path.is_file():
            return None, "not computed before"
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored["key"] != key.hash:
                return None, explain_change(stored["components"], key.components)
            blobs = {}
            for suffix in files:
                blob = (self.folder / f"{slot}.{suffix}").read_bytes()
                if digest(blob) != stored["files"][suffix]:
                    return None, f"the cached .{suffix} file does not match its record"
                blobs[suffix] = blob
            return Hit(stored["data"], blobs), "unchanged"
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return None, f"the cache entry is unreadable ({type(exc).__name__})"

    def store(self, slot: str, key: Key, data: Mapping[str, Any], files: Mapping[str, bytes] | None = None) -> None:
        """Record a successful result; a cache that cannot be written is a warning, not a failed build."""
        if self.folder is None or self.read_only:
            return
        files = files or {}
        record = {
            "key": key.hash,
            "components": key.components,
            "data": data,
            "files": {suffix: digest(blob) for suffix, blob in files.items()},
        }
        try:
            self.unmark()
            for suffix, blob in files.items():
                write_atomic(self.folder / f"{slot}.{suffix}", blob)
            # Not sorted: the order of a result's named steps is the order the page shows them in.
            text = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            write_atomic(self.folder / f"{slot}.json", (text + "\n").encode())
        except (OSError, ValueError) as exc:
            if not self._warned:
                log.warning("cannot write the build cache in %s: %s", self.folder, exc)
                self._warned = True

    def unmark(self) -> None:
        """A file is added: the next prune must walk the cache (see ``prune``)."""
        if self._marked and self.folder is not None:
            self.folder.joinpath(PRUNED).unlink(missing_ok=True)
            self._marked = False

    def prune_entry(self, where: str, *, gone: bool = False) -> None:
        """Remove the slots of entry ``where`` (``topics/perplexity``) this build did not look up; all if it is ``gone``."""
        if self.folder is None or self.read_only:
            return
        folder = self.folder / where
        with contextlib.suppress(OSError):
            for path in folder.iterdir():
                slot = f"{where}/{path.name.rpartition('.')[0] or path.name}"
                if gone or slot not in self.used:
                    path.unlink()
            if gone:
                folder.rmdir()

    def prune(self, *folders: str) -> None:
        """Remove slots under ``folders`` that this build did not look up (entries or items that no longer exist)."""
        if self.folder is None or self.read_only or not self.folder.is_dir():
            return
        # The last prune left the digest of the slots it kept, and any store since removed it: if this
        # build uses the same slots, the walk would find nothing to remove (~25 ms for 1,000 issues).
        kept = sorted(slot for slot in self.used if slot.split("/", 1)[0] in folders)
        mark = digest("\n".join([*folders, "", *kept]).encode()).encode()
        marker = self.folder / PRUNED
        with contextlib.suppress(OSError):
            if marker.read_bytes() == mark:
                return
        base = str(self.folder)
        for folder in folders:  # os.walk and plain strings: thousands of slots, every build
            for directory, _, names in os.walk(os.path.join(base, folder)):
                relative = os.path.relpath(directory, base).replace(os.sep, "/")
                for name in names:
                    slot = f"{relative}/{name.rpartition('.')[0] or name}"
                    if slot not in self.used:
                        with contextlib.suppress(OSError):
                            os.unlink(os.path.join(directory, name))
        with contextlib.suppress(OSError):
            write_atomic(marker, mark)
            self._marked = True


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def explain_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """Why a stored result no longer applies, in words: ``source of computed/perplexity.py changed``."""
    reasons: list[str] = []
    old_code, new_code = old.get("code", {}), new.get("code", {})
    for path in sorted(set(old_code) | set(new_code)):
        if path not in old_code:
            reasons.append(f"{path} is new")
        elif path not in new_code:
            reasons.append(f"{path} is no longer used")
        elif old_code[path] != new_code[path]:
            reasons.append(f"source of {path} changed")
    if old.get("function") != new.get("function"):
        reasons.append(f"function changed from {old.get('function')} to {new.get('function')}")
    if old.get("inputs") != new.get("inputs"):
        reasons.append("inputs changed")
    if old.get("spec") != new.get("spec"):
        reasons.append(f"{new.get('spec_name', 'definition')} changed")
    old_versions, new_versions = old.get("versions", {}), new.get("versions", {})
    for package in sorted(set(old_versions) | set(new_versions)):
        if old_versions.get(package) != new_versions.get(package):
            reasons.append(
                f"{package} {old_versions.get(package, 'not used')} -> {new_versions.get(package, 'not used')}"
            )
    old_builder, new_builder = old.get("builder", {}), new.get("builder", {})
    for path in sorted(set(old_builder) | set(new_builder)):
        if old_builder.get(path) != new_builder.get(path):
            reasons.append(f"build-site's {path} changed")
    return "; ".join(reasons) or "the cache key changed"
