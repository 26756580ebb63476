"""Shared fixtures: a copy of the bundled project in a temporary folder, and a way to run the CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from site_builder.cli import main

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


def copy_project(target: Path) -> Path:
    """A fresh copy of the bundled project (content, templates, computed) under ``target``."""
    for part in PROJECT_PARTS:
        shutil.copytree(REPO / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
    return target


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


# Hypothesis: the default "ci" profile is derandomized (the same examples every run, no example
# database) and moderate, so the suite is fast and reproducible; HYPOTHESIS_PROFILE=dev searches
# randomly and longer, for local fuzzing sessions.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=60)
settings.register_profile("dev", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
