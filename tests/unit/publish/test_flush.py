"""What a publication flushes to disk before the swap: what staging changed, or the whole filesystem when that is much."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from site_builder.incremental.deps import digest
from site_builder.publish import atomic
from site_builder.publish.folders import MARKER, intact_outputs, output_lock, read_output
from site_builder.publish.publication import Publication


@pytest.fixture
def flushed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths ``os.fsync`` was called on, and ``<filesystem>`` for a flush of the whole filesystem."""
    calls: list[str] = []
    real_fsync = os.fsync
    monkeypatch.delenv(atomic.NO_FLUSH_VARIABLE, raising=False)  # the suite turns flushing off (tests/conftest.py)

    def fsync(fd: int) -> None:
        calls.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(atomic, "flush_to_disk", lambda folder: calls.append("<filesystem>"))
    return calls


def _publish(out: Path, state: Path, files: dict[str, bytes], tree: str, before: dict | None = None) -> Publication:
    """One build's publication of ``files``; ``before``: the previous tree's name, what changed since, its folders."""
    with output_lock(out):
        published = read_output(out)
        output = Publication(out, state, published, intact_outputs(out, published))
        if before:
            output.start(before["tree"], before["changed"], before["folders"])
        else:
            output.start(None, ())
        digests = {path: digest(data) for path, data in files.items()}
        for path, data in files.items():
            output.put(path, data, digests[path])
        written = [path for path in files if output.published.get(path) != digests[path]]
        output.folders = output.seal(tree, set(published) - set(files), files, written)  # type: ignore[attr-defined]
        output.finish()
    return output


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads the flushed paths from /proc/self/fd (Linux)")
def test_a_build_from_the_previous_tree_flushes_only_what_it_wrote_and_the_folders_it_changed(
    tmp_path: Path, flushed: list[str]
) -> None:
    out, state = tmp_path / "output", tmp_path / "state"
    state.mkdir()
    site = {"index.html": b"home", "a/page.html": b"page", "b/other.html": b"other"}
    first = _publish(out, state, site, "t1")
    _publish(out, state, {**site, "index.html": b"home 2"}, "t2")  # t1 is kept as the previous tree
    assert flushed == ["<filesystem>", "<filesystem>"], "no previous tree: every staged file is new"
    flushed.clear()
    before = {"tree": "t1", "changed": ["index.html"], "folders": first.folders}  # type: ignore[attr-defined]
    output = _publish(out, state, {**site, "index.html": b"home 2", "c/d/new.html": b"new"}, "t3", before)
    staging = os.path.realpath(output.staging)
    assert sorted(os.path.relpath(path, staging) for path in flushed) == sorted(
        ["c/d/new.html", MARKER, "c/d", "c", "."]
    ), "the file written, the marker and their folders; not index.html, linked from output/ where it is durable"
    assert (out / "c/d/new.html").read_bytes() == b"new" and (out / "index.html").read_bytes() == b"home 2"


def test_the_test_suites_switch_turns_every_flush_off(
    tmp_path: Path, flushed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f").write_bytes(b"x")
    monkeypatch.setenv(atomic.NO_FLUSH_VARIABLE, "1")
    atomic.flush_changes(tmp_path, ["f"], [""])
    assert flushed == []
    monkeypatch.delenv(atomic.NO_FLUSH_VARIABLE)
    atomic.flush_changes(tmp_path, ["f"], [""])
    assert [os.path.relpath(path, tmp_path) for path in flushed] == ["f", "."]


def test_many_changes_flush_the_whole_filesystem_at_once(tmp_path: Path, flushed: list[str]) -> None:
    files = [f"f{i}" for i in range(atomic.FLUSH_ONE_BY_ONE)]
    for name in files:
        (tmp_path / name).write_bytes(b"x")
    atomic.flush_changes(tmp_path, files, [""])
    assert flushed == ["<filesystem>"]
    flushed.clear()
    atomic.flush_changes(tmp_path, files[:-1], [""])
    assert len(flushed) == atomic.FLUSH_ONE_BY_ONE and "<filesystem>" not in flushed
