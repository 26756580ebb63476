"""Publishing under SIGKILL: a build process killed at any moment of publishing leaves the old site or the complete
new one, and the next build cleans up; a build process waits for the lock another holds."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.errors import ContentError
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions
from site_builder.publish import atomic
from site_builder.publish.folders import output_lock

from ..conftest import REPO, tree_digest

DATE = dt.date(2026, 11, 28)
BESIDE_A_BUILT_SITE = [".output-build.lock", ".output.build-state"]
"""What a build leaves beside output/: its lock, and its state (the previous tree and the records of both)."""
TOPIC = "content/topics/perplexity.yaml"


def _siblings(out: Path) -> list[str]:
    """Names beside ``out`` that a build made (staging, old trees, the lock)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith((f".{out.name}.", f".{out.name}-")))


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
