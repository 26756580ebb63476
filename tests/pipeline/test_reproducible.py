"""Reproducible builds: the same content gives the same bytes, wherever and whenever it is built."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO, copy_project, run_cli, tree_digest

BERLIN = dt.timezone(dt.timedelta(hours=1))  # Europe/Berlin in November


def _epoch(moment: dt.datetime) -> str:
    return str(int(moment.timestamp()))


def test_two_builds_in_different_places_and_processes_are_byte_identical(built_site: Path, tmp_path: Path) -> None:
    # Another folder name and depth, another process, another hash seed, time zone, locale and working folder.
    root = copy_project(tmp_path / "elsewhere" / "a different name")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PYTHONHASHSEED": "12345",
        "TZ": "Pacific/Kiritimati",
        "LC_ALL": "C.UTF-8",
        "LANG": "C.UTF-8",
    }
    env.pop("SOURCE_DATE_EPOCH", None)
    command = [sys.executable, "-m", "site_builder", "--root", str(root), "--out", str(tmp_path / "out"), "-q"]
    subprocess.run([*command, "--date", "2026-11-28"], env=env, cwd=tmp_path, check=True)
    first, second = tree_digest(built_site), tree_digest(tmp_path / "out")
    assert len(first) > 10
    assert first == second, sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k))


def test_a_rebuild_in_place_changes_nothing(project: Path) -> None:
    assert run_cli("--root", project, "--date", "2026-11-28").exit_code == 0
    before = tree_digest(project / "output")
    assert run_cli("--root", project, "--date", "2026-11-28").exit_code == 0
    assert tree_digest(project / "output") == before


def test_source_date_epoch_is_the_build_time(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("--root", project, "--out", tmp_path / "dated", "--date", "2026-11-28").exit_code == 0
    # Noon in Berlin on the 28th: the 28th's issue is out (publish time 07:00).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(dt.datetime(2026, 11, 28, 12, 0, tzinfo=BERLIN)))
    result = run_cli("--root", project, "--out", tmp_path / "epoch")
    assert result.exit_code == 0, result.stderr
    assert "as of 2026-11-28" in result.stderr
    assert tree_digest(tmp_path / "epoch") == tree_digest(tmp_path / "dated")
    # 06:59 in Berlin on the 26th: the publish time has not come, so the day before is the newest out.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(dt.datetime(2026, 11, 26, 6, 59, tzinfo=BERLIN)))
    result = run_cli("--root", project, "--out", tmp_path / "early")
    assert result.exit_code == 0, result.stderr
    assert "published 0 issues as of 2026-11-25" in result.stderr
    assert not (tmp_path / "early/issues").exists()


def test_a_malformed_source_date_epoch_is_an_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2026-11-28")
    result = run_cli("--root", project)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2:] == [
        "SOURCE_DATE_EPOCH: must be whole seconds since 1970-01-01 UTC, got '2026-11-28'",
        "1 problem found (configuration).",
    ]
    assert not (project / "output").exists()
