"""The bundled project published once per test worker, and copies of it a test may change.

A published project is two builds' worth of work (the day before, then the day, so that it has a
previous tree); each worker makes it once. A test gets its own copy (``copy_published``): ``cp -a``,
which keeps the hard links inside the copy (output/ and the previous tree share their unchanged
files, as after a real publish) and shares no file with the original, so a test that edits in
place cannot spoil another. A clean build to compare with is made in memory (``clean_build``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from site_builder.incremental.builder import builder_digest
from site_builder.incremental.cache import Cache
from site_builder.incremental.deps import digest
from site_builder.incremental.state import BuildState, StateUpdate, state_folder
from site_builder.pipeline.build import build_site, make_site
from site_builder.pipeline.options import BuildOptions
from site_builder.pipeline.stages import tree_sum
from site_builder.publish.folders import MARKER, marker_bytes

from ..conftest import copy_project, eject_theme

DATE = dt.date(2026, 11, 28)


def publish(root: Path, date: dt.date = DATE) -> Path:
    """Build ``root`` as of the day before ``date``, then as of ``date``: a published project with a previous tree."""
    for day in (date - dt.timedelta(days=1), date):
        build_site(root, root / "output", BuildOptions(date=day))
    return root


def copy_published(published: Path, target: Path) -> Path:
    """A copy of a published project that its next build treats as the same publication.

    ``cp -a`` keeps the copy's hard links and its files' times. A build recognises the files it
    published by inode as well (a file replaced by hand is made again), and the copy's files
    are new inodes: the copy's build state is told them, nothing else.
    """
    subprocess.run(["cp", "-a", "--", str(published), str(target)], check=True)
    out = target / "output"
    state = BuildState.open(state_folder(out), builder_digest)
    try:
        moved = {}
        for path, row in state.outputs().items():
            info = os.lstat(out / path)
            assert (info.st_size, info.st_mtime_ns) == (row.size, row.mtime), f"{path}: not copied as published"
            moved[path] = dataclasses.replace(row, ino=info.st_ino)
        state.commit(StateUpdate(outputs=moved))
    finally:
        state.close()
    return target


def clean_build(root: Path, date: dt.date = DATE, cache: Cache | None = None) -> dict[str, str]:
    """What a clean build of ``root`` publishes, as ``tree_digest`` gives it, made in memory.

    Every page is made from scratch (a new state); only what ``cache`` holds (default: the project's
    cache, read only: computed results, formula images, cards, the entries' kept renderings while what they
    read holds) is taken from it, as a clean build of a copy with that cache would take it. The
    output folder's marker, which a folder has and memory has not, is the one a clean build writes
    for those files.
    """
    cache = cache or Cache.at(root, read_only=True)
    files = dict(make_site(root, BuildOptions(date=date), cache=cache).files)
    tree = tree_sum((path, digest(data)) for path, data in files.items())
    files[MARKER] = marker_bytes(f"{tree:032x}")
    return {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())}


@pytest.fixture(scope="session")
def published_ejected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project with the whole theme in its templates/ (tests edit templates), published as of DATE.

    Tests must not change it: they copy it with ``copy_published``.
    """
    root = eject_theme(copy_project(tmp_path_factory.mktemp("published-ejected") / "project"))
    return publish(root)
