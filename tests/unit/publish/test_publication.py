"""Publishing: output/ is replaced atomically, never half-written, never lost, one build at a time."""

from __future__ import annotations

import datetime as dt
import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from site_builder.errors import ConfigError, ContentError, OutputError
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions
from site_builder.publish import atomic, publication
from site_builder.publish.folders import MARKER, output_lock, safe_join
from site_builder.publish.publication import write_output

from ...conftest import REPO, tree_digest

DATE = dt.date(2026, 11, 28)
BESIDE_A_BUILT_SITE = [".output-build.lock", ".output.build-state"]
"""What a build leaves beside output/: its lock, and its state (the previous tree and the records of both)."""
TOPIC = "content/topics/perplexity.yaml"


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


def test_a_second_build_gives_up_with_a_clear_message(project: Path) -> None:
    out = project / "output"
    errors: list[BaseException] = []

    def second_build() -> None:
        try:
            build_site(project, out, BuildOptions(date=DATE, lock_timeout=0.3))
        except BaseException as exc:
            errors.append(exc)

    with output_lock(out):
        thread = threading.Thread(target=second_build)
        thread.start()
        thread.join()
    assert len(errors) == 1 and isinstance(errors[0], OutputError)
    assert str(errors[0]).splitlines()[0] == (
        f"{project}/.output-build.lock: another build-site command (pid {os.getpid()}) is using the output folder {out}; "
        "gave up after 0.3 s (wait for it to finish, or stop it)"
    )
    assert not out.exists()


def test_a_second_build_waits_for_the_first(project: Path) -> None:
    out = project / "output"
    done: list[float] = []

    def second_build() -> None:
        build_site(project, out, BuildOptions(date=DATE, lock_timeout=30))
        done.append(time.monotonic())

    with output_lock(out):
        thread = threading.Thread(target=second_build)
        thread.start()
        time.sleep(0.3)
        assert not done and not out.exists(), "the second build waits while the first holds the lock"
        released = time.monotonic()
    thread.join()
    assert done and done[0] >= released
    assert (out / "index.html").is_file()


# --- Killing real build processes --------------------------------------------------------------


def _build_process(project: Path, faults: str = "") -> subprocess.Popen[bytes]:
    env = {**os.environ, atomic.FAULTS_VARIABLE: faults, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "site_builder", "--root", str(project), "--date", DATE.isoformat(), "-q"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_build_process_waits_for_the_lock_held_by_another(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "stderr.txt"
    waiting = (
        f"waiting for another build-site command (pid {os.getpid()}) to finish with the output folder {project}/output"
    )
    with output_lock(project / "output"), log.open("wb") as stderr:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        command = [sys.executable, "-m", "site_builder", "--root", str(project), "--date", DATE.isoformat()]
        process = subprocess.Popen(command, env=env, stderr=stderr)
        deadline = time.monotonic() + 60
        while waiting not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.05)
        assert waiting in log.read_text()
        time.sleep(0.2)
        assert process.poll() is None and not (project / "output").exists(), "still waiting"
    assert process.wait(timeout=60) == 0, log.read_text()
    assert (project / "output/index.html").is_file()


@pytest.fixture
def two_versions(project: Path, tmp_path: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    """A project published once, then edited so that a new build would change nearly every page.

    Returns the project, the digest of what is published, and the digest a complete new build gives.
    """
    build_site(project, project / "output", BuildOptions(date=DATE))
    old = tree_digest(project / "output")
    path = project / TOPIC
    path.write_text(path.read_text().replace("title: Perplexity", "title: Perplexity, edited", 1))
    build_site(project, tmp_path / "expected", BuildOptions(date=DATE))
    new = tree_digest(tmp_path / "expected")
    assert old != new
    # The same files but the search index's (Pagefind names its files by their content), the title's pages changed.
    pages = {p for p in old if not p.startswith("pagefind/")}
    assert pages == {p for p in new if not p.startswith("pagefind/")} and any(old[p] != new[p] for p in pages)
    return project, old, new


@pytest.mark.parametrize(
    ("faults", "published"),
    [
        ("kill@staging", "old"),  # half the files staged
        ("kill@staged", "old"),  # everything staged and flushed, not swapped yet
        ("kill@exchanged", "new"),  # swapped in; the old tree not yet deleted
    ],
)
def test_sigkill_at_each_point_of_publishing_leaves_a_complete_site(
    two_versions: tuple[Path, dict[str, str], dict[str, str]], faults: str, published: str
) -> None:
    project, old, new = two_versions
    process = _build_process(project, faults)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert tree_digest(project / "output") == {"old": old, "new": new}[published]
    assert [p.name for p in project.glob(".output.staging-*")], "the killed build left its staging folder"
    build_site(project, project / "output", BuildOptions(date=DATE))
    assert tree_digest(project / "output") == new
    assert _siblings(project / "output") == BESIDE_A_BUILT_SITE, "the next build cleaned up"


def test_sigkill_between_the_two_renames_of_the_fallback_is_repaired(
    two_versions: tuple[Path, dict[str, str], dict[str, str]],
) -> None:
    project, old, _ = two_versions
    process = _build_process(project, "no-exchange,kill@moved-aside")
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert not (project / "output").exists(), "the documented window of the fallback"
    (aside,) = project.glob(".output.old-*")
    assert tree_digest(aside) == old
    # Even a build that then fails on bad content puts the published site back.
    (project / "content/issues/2026-11-26.yaml").write_text("date: [\n")
    with pytest.raises(ContentError):
        build_site(project, project / "output", BuildOptions(date=DATE))
    assert tree_digest(project / "output") == old
    assert _siblings(project / "output") == BESIDE_A_BUILT_SITE


def test_sigkill_at_random_moments_never_leaves_a_partial_site(
    two_versions: tuple[Path, dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    project, _, _ = two_versions
    start = time.monotonic()
    process = _build_process(project)
    assert process.wait(timeout=60) == 0
    duration = time.monotonic() - start
    path = project / TOPIC
    text = path.read_text()
    for step in range(6):
        # A new title each time, so every build would change the published site.
        path.write_text(text.replace("title: Perplexity, edited", f"title: Perplexity, version {step}", 1))
        build_site(project, tmp_path / f"expected-{step}", BuildOptions(date=DATE))
        before = tree_digest(project / "output")
        process = _build_process(project)
        time.sleep(duration * (step + 0.5) / 6)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        after = tree_digest(project / "output")
        assert after in (before, tree_digest(tmp_path / f"expected-{step}")), "the old site or the complete new one"
    build_site(project, project / "output", BuildOptions(date=DATE))
    assert _siblings(project / "output") == BESIDE_A_BUILT_SITE
