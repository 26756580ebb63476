"""What a build finds of the tree it published: the files still as published, and a tree moved as a whole.

One ``lstat`` of each published file tells both (the daily job restores ``output/`` from an
archive: every file under a new inode, with the size and time it was published with).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from site_builder.incremental.builder import builder_digest
from site_builder.incremental.state import BuildState, OutputRow, StateUpdate
from site_builder.pipeline.build import published_files
from site_builder.publish.folders import MARKER


def _published(out: Path, names: list[str]) -> BuildState:
    """A tree of ``names`` in ``out`` with its marker, and a state in memory that published it."""
    out.mkdir()
    rows = {}
    for name in names:
        (out / name).write_text(name)
        info = os.lstat(out / name)
        rows[name] = OutputRow("d", info.st_ino, info.st_size, info.st_mtime_ns)
    (out / MARKER).write_text("tree t\n")
    marker = os.lstat(out / MARKER)
    state = BuildState.open(None, builder_digest)
    state.commit(StateUpdate(meta={"marker": [marker.st_ino, marker.st_size, marker.st_mtime_ns]}, outputs=rows))
    return state


def test_files_as_published_are_intact_and_one_edited_by_hand_is_not(tmp_path: Path) -> None:
    out = tmp_path / "output"
    state = _published(out, ["a.html", "b.html"])
    (out / "b.html").write_text("edited by hand")
    os.utime(out / "b.html", ns=(1, 1))
    published, intact = published_files(out, state)
    assert intact == {"a.html"}
    assert published == state.outputs()


def test_a_tree_restored_with_its_times_is_found_under_its_new_inodes(tmp_path: Path) -> None:
    state = _published(tmp_path / "built", ["a.html", "b.html"])
    out = tmp_path / "output"
    shutil.copytree(tmp_path / "built", out)  # new inodes, the same times (copy2)
    shutil.rmtree(tmp_path / "built")
    (out / "b.html").write_text("changed after it was published")
    published, intact = published_files(out, state)
    assert intact == {"a.html"}
    assert published["a.html"].ino == os.lstat(out / "a.html").st_ino
    assert state.outputs()["a.html"].ino == published["a.html"].ino, "the state knows the new inode"
    assert published["b.html"].ino != os.lstat(out / "b.html").st_ino
