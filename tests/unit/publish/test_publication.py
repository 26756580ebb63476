"""Publishing: output/ is replaced atomically, never half-written, never lost, one build at a time.

On tiny trees; a killed build process is tests/system/test_sigkill.py's case, two builds of the bundled
project at once tests/pipeline/test_output_lock.py's.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import pytest

from site_builder.errors import ConfigError, OutputError
from site_builder.publish import atomic, publication
from site_builder.publish.folders import MARKER, output_lock, safe_join
from site_builder.publish.publication import write_output

from ...conftest import tree_digest


def _files(**extra: bytes) -> dict[str, bytes]:
    return {"index.html": b"<p>home</p>", "a/b/page.html": b"<p>page</p>", **extra}


def _siblings(out: Path) -> list[str]:
    """Names beside ``out`` that a build made (staging, old trees, the lock)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith((f".{out.name}.", f".{out.name}-")))


def test_first_write_creates_exactly_the_files_and_a_marker(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(_files(), out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        MARKER,
        "a/b/page.html",
        "index.html",
    ]
    assert (out / "a/b/page.html").read_bytes() == b"<p>page</p>"
    assert _siblings(out) == [".site-build.lock"], "no staging folder is left behind"


def test_rewrite_drops_stale_files_and_keeps_unchanged_ones(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(_files(**{"old.html": b"gone soon"}), out)
    unchanged = (out / "a/b/page.html").stat()
    os.utime(out / "a/b/page.html", ns=(unchanged.st_atime_ns, 1_000_000_000))
    write_output({"index.html": b"<p>new home</p>", "a/b/page.html": b"<p>page</p>"}, out)
    assert not (out / "old.html").exists(), "pages of deleted entries disappear"
    assert (out / "index.html").read_bytes() == b"<p>new home</p>"
    assert (out / "a/b/page.html").stat().st_mtime_ns == 1_000_000_000, "an unchanged file keeps its mtime"
    assert _siblings(out) == [".site-build.lock"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_both_swap_methods_publish_the_same_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    out = tmp_path / "site"
    write_output(_files(), out)
    if not exchange:
        monkeypatch.setenv(atomic.FAULTS_VARIABLE, "no-exchange")
    write_output({"index.html": b"v2"}, out)
    assert tree_digest(out).keys() == {MARKER, "index.html"}
    assert (out / "index.html").read_bytes() == b"v2"
    assert _siblings(out) == [".site-build.lock"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2(RENAME_EXCHANGE) is Linux-only")
def test_folders_are_exchanged_in_one_step_on_linux(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a/from-a").touch()
    (tmp_path / "b").mkdir()
    (tmp_path / "b/from-b").touch()
    assert atomic.exchange_folders(tmp_path / "a", tmp_path / "b"), "this filesystem should support RENAME_EXCHANGE"
    assert os.listdir(tmp_path / "a") == ["from-b"] and os.listdir(tmp_path / "b") == ["from-a"]


def test_a_failure_while_staging_leaves_output_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write_output(_files(), out)
    before = tree_digest(out)

    def disk_full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publication.os, "write", disk_full)
    with pytest.raises(OutputError) as info:
        write_output({"index.html": b"<p>new home</p>", "more.html": b"more"}, out)
    monkeypatch.undo()
    assert str(info.value).startswith(f"{out}: cannot write output: [Errno 28] No space left on device")
    assert tree_digest(out) == before
    assert _siblings(out) == [".site-build.lock"]


def test_a_path_that_is_both_a_file_and_a_folder_is_refused_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(_files(), out)
    before = tree_digest(out)
    with pytest.raises(OutputError) as info:
        write_output({"x": b"a file", "x/y.html": b"needs x to be a folder"}, out)
    assert str(info.value).startswith("x: output path is both a file and a folder")
    assert tree_digest(out) == before


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("../evil.html", "output path escapes the output folder"),
        ("a/../../evil.html", "output path escapes the output folder"),
        ("/etc/passwd", "output path escapes the output folder"),
        ("chapters//index.html", "output path escapes the output folder"),
        ("./index.html", "output path escapes the output folder"),
        ("", "output path escapes the output folder"),
        ("a\\..\\evil.html", "output path contains a forbidden character"),
        ("C:/evil.html", "output path contains a forbidden character"),
        ("a\0b.html", "output path contains a forbidden character"),
        ("a\nb.html", "output path contains a forbidden character"),
    ],
)
def test_unsafe_output_paths_are_refused_before_writing(tmp_path: Path, relative: str, message: str) -> None:
    with pytest.raises(OutputError) as info:
        safe_join(tmp_path, relative)
    assert info.value.problems[0].message == message
    with pytest.raises(OutputError):
        write_output({**_files(), relative: b"x"}, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_odd_but_harmless_names_stay_inside(tmp_path: Path) -> None:
    assert safe_join(tmp_path, "static/café ☕.png") == tmp_path / "static" / "café ☕.png"
    assert safe_join(tmp_path, "..hidden/…") == tmp_path / "..hidden" / "…"


def test_a_folder_not_written_by_build_site_is_never_replaced(tmp_path: Path) -> None:
    precious = tmp_path / "Documents"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(ConfigError) as info:
        write_output(_files(), precious)
    assert str(info.value.problems[0]) == (
        f"{precious}: refusing to replace this folder: it is not empty and was not written by build-site "
        "(no .build-site file) (choose another --out, or delete the folder if it is an old build)"
    )
    assert (precious / "thesis.tex").read_text() == "years of work"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="the output path exists and is not a folder"):
        write_output(_files(), tmp_path / "file")
    (tmp_path / "empty").mkdir()
    write_output(_files(), tmp_path / "empty")
    assert (tmp_path / "empty/index.html").is_file(), "an empty folder may be used"


def test_a_symlinked_output_folder_is_updated_where_it_points(tmp_path: Path) -> None:
    real = tmp_path / "www" / "site"
    write_output(_files(), real)
    (tmp_path / "output").symlink_to(real)
    write_output({"index.html": b"v2"}, tmp_path / "output")
    assert (tmp_path / "output").is_symlink()
    assert (real / "index.html").read_bytes() == b"v2" and not (real / "a").exists()


def test_leftovers_of_killed_builds_are_removed_by_the_next(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(_files(), out)
    (tmp_path / ".site.staging-99999/issues").mkdir(parents=True)
    (tmp_path / ".site.old-99999").mkdir()
    (tmp_path / ".sitemap.staging-1").mkdir()  # another folder's: not ours to delete
    write_output(_files(), out)
    assert _siblings(out) == [".site-build.lock"]
    assert (tmp_path / ".sitemap.staging-1").is_dir()


def test_a_tree_moved_aside_by_an_interrupted_swap_is_restored(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(_files(), out)
    before = tree_digest(out)
    out.rename(tmp_path / ".site.old-12345")
    with output_lock(out):
        assert tree_digest(out) == before, "restored as soon as the next build holds the lock"
    assert _siblings(out) == [".site-build.lock"]
