"""Reproducible builds: the same content gives the same bytes, wherever and whenever it is built."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ..conftest import run_cli, tree_digest

BERLIN = dt.timezone(dt.timedelta(hours=1))  # Europe/Berlin in November


def _epoch(moment: dt.datetime) -> str:
    return str(int(moment.timestamp()))


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
