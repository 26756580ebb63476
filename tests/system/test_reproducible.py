"""Reproducible builds across processes and places: the bundled project built elsewhere, under another name, in
another process, gives the same bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ..conftest import REPO, copy_project, tree_digest


def test_two_builds_in_different_places_and_processes_are_byte_identical(built_site: Path, tmp_path: Path) -> None:
    # Another folder name and depth, another process, another hash seed, time zone, locale and working folder,
    # and no cache: every computation, plot, formula image and card made afresh gives the cached build's bytes.
    root = copy_project(tmp_path / "elsewhere" / "a different name", warm_cache=False)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PYTHONHASHSEED": "12345",
        "TZ": "Pacific/Kiritimati",
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
    }
    env.pop("SOURCE_DATE_EPOCH", None)
    command = [
        sys.executable,
        "-m",
        "site_builder",
        "--root",
        str(root),
        "--out",
        str(tmp_path / "out"),
        "-q",
        "--no-cache",
    ]
    subprocess.run([*command, "--date", "2026-11-28"], env=env, cwd=tmp_path, check=True)
    first, second = tree_digest(built_site), tree_digest(tmp_path / "out")
    assert len(first) > 10
    assert first == second, sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))
