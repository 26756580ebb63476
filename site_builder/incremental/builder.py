"""build-site's own fingerprint: its code and the libraries it runs with, taken as each use needs it.

- ``builder_stats``: the stat of every file of the package and of the folders packages are
  installed in. Milliseconds and the standard library only: the no-op check and the build
  state compare it first.
- ``builder_digest``: the bytes of every file of the package (the default theme included) and
  the versions of Python and of every library build-site requires: a change makes everything
  again. Hashing the code takes a tenth of a second, so it is taken only when the stats differ.
- ``module_digests``: the bytes of some modules, by path: what the compute cache keys its
  results, cards and formula images with, so changing how they are made invalidates them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import platform
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent.parent
"""The ``site_builder`` folder."""
THEME_FOLDER = "theme"
"""The default theme, inside the package: every file of it counts, whatever its kind (an image too)."""
_SOURCE_SUFFIXES = (".py", ".yaml", ".html", ".md", ".xml", ".css", ".js")


def builder_stats() -> dict[str, Any]:
    """What build-site runs with: Python, build-site's files, and the folders packages are installed in.

    Python's ``site-packages`` folders change (their mtime) when a package is installed or removed.
    """
    files: dict[str, tuple[int, int, int, int]] = {}
    for folder, _, names in os.walk(PACKAGE):
        if "__pycache__" in folder:
            continue
        for name in names:
            path = os.path.join(folder, name)
            with contextlib.suppress(OSError):
                info = os.stat(path)
                files[path] = (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    paths = {}
    for entry in sys.path:  # not the working folder, whose mtime a build itself changes
        if os.path.basename(entry) in ("site-packages", "dist-packages"):
            with contextlib.suppress(OSError):
                paths[entry] = os.stat(entry).st_mtime_ns
    return {"python": sys.version, "executable": sys.executable, "files": files, "paths": paths}


@functools.cache
def builder_digest() -> str:
    """build-site's code and the versions of Python and the libraries it depends on: any change makes everything again."""
    from .deps import digest

    parts = [f"python={platform.python_version()}"]
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if (
            path.is_file()
            and "__pycache__" not in path.parts
            and (path.suffix in _SOURCE_SUFFIXES or relative.parts[0] == THEME_FOLDER)
        ):
            parts.append(f"{relative.as_posix()}={digest(path.read_bytes())}")
    for package in sorted(_dependencies()):
        try:
            parts.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package}=missing")
    return digest(*parts)


def module_digests(*modules: str) -> dict[str, str]:
    """sha256 of build-site modules (``site_builder.outputs.cards``), by path: changing how results are made invalidates them."""
    return {_module_path(name): _module_digest(name) for name in modules}


def _module_path(module: str) -> str:
    path = module.replace(".", "/")
    return f"{path}/__init__.py" if (PACKAGE.parent / path).is_dir() else f"{path}.py"


@functools.cache
def _module_digest(module: str) -> str:
    # The code that runs is the code imported when the process started: read each module once.
    return hashlib.sha256((PACKAGE.parent / _module_path(module)).read_bytes()).hexdigest()


def _dependencies() -> set[str]:
    """The distributions build-site requires (its own metadata says which), and theirs."""
    found: set[str] = set()
    pending = ["build-site"]
    while pending:
        try:
            requires = metadata.requires(pending.pop()) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" in requirement:
                continue
            name = re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0].lower()
            if name and name not in found:
                found.add(name)
                if len(found) < 200:
                    pending.append(name)
    return found
