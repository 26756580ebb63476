"""Shared fixtures: a copy of the bundled project in a temporary folder, and a way to run the CLI."""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from site_builder.cli.main import main
from site_builder.compute.computer import compute_all
from site_builder.content.load import load_content
from site_builder.errors import BuildError
from site_builder.incremental.cache import CACHE_FOLDER, Cache
from site_builder.render.theme import eject, theme_names

REPO = Path(__file__).resolve().parent.parent
PROJECT_PARTS = ("content", "templates", "computed")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path) -> CliResult:
    """Run ``build-site`` in-process and capture its streams."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


def edit_file(project: Path, relative: str, old: str, new: str) -> None:
    """Replace the first ``old`` in a project file by ``new``; ``old`` must be there."""
    path = project / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


def line_of(project: Path, relative: str, needle: str) -> int:
    """1-based number of the first line of a project file that contains ``needle``."""
    lines = (project / relative).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def copy_project(target: Path, *, warm_cache: bool = True) -> Path:
    """A fresh copy of the bundled project (content, computed, and templates if it overrides any) under ``target``.

    With ``warm_cache`` the copy starts with the build cache of the bundled project,
    computed once per session, so each test does not redo every computation
    (tests of the cache itself ask for a cold copy).
    """
    for part in PROJECT_PARTS:
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
    warm = _warm_cache() if warm_cache else None
    if warm is not None:
        shutil.copytree(warm, target / CACHE_FOLDER)
    return target


def eject_theme(project: Path, *names: str) -> Path:
    """Copy files of the default theme (all of them without ``names``) into the project's templates/, to edit them."""
    eject(project, [name for name in names or theme_names() if not (project / "templates" / name).exists()])
    return project


@functools.cache
def _warm_cache() -> Path | None:
    """The bundled project's build cache, or None if its computations fail (the tests will say why)."""
    root = Path(tempfile.mkdtemp(prefix="build-site-warm-cache-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    copy_project(root, warm_cache=False)
    try:
        compute_all(root, load_content(root), Cache.at(root))
    except BuildError:
        return None
    return root / CACHE_FOLDER


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under ``folder``: compares trees byte for byte."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the bundled project."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project built once as of 2026-11-28; tests must not modify it."""
    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = run_cli("--root", root, "--date", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    return root / "output"


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright; skipped, saying why, where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (.ci/run installs it with apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Hypothesis: the default "ci" profile is derandomized (the same examples every run, no example
# database) and moderate, so the suite is fast and reproducible; HYPOTHESIS_PROFILE=dev searches
# randomly and longer, for local fuzzing sessions.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
