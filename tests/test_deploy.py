"""The scheduled job's files: systemd units, crontab and CI workflow run the commands the README documents."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from .conftest import REPO

DEPLOY = REPO / "deploy"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text())
    return parser


def test_publish_timer_fires_after_the_sites_publish_time() -> None:
    site = yaml.safe_load((REPO / "content/site.yaml").read_text())
    timer = _unit("build-site-publish.timer")
    assert timer["Timer"]["Unit"] == "build-site-publish.service"
    when, zone = re.fullmatch(r"\*-\*-\* (\d\d:\d\d:\d\d) (\S+)", timer["Timer"]["OnCalendar"]).groups()
    assert zone == site["timezone"]
    assert when > site["publish_time"], "a run before the publish time would publish yesterday's issue again"
    assert timer["Timer"]["Persistent"] == "yes"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_services_run_build_site_and_the_plan() -> None:
    publish = _unit("build-site-publish.service")["Service"]
    assert publish["Type"] == "oneshot"
    assert publish["ExecStart"].split()[1:] == ["--root", "/srv/daily-gradient", "--out", "/srv/www/daily-gradient"]
    assert publish["ExecStart"].split()[0].endswith("/bin/build-site")
    plan = _unit("build-site-plan.service")["Service"]
    assert plan["ExecStart"].split()[1:] == ["plan", "--root", "/srv/daily-gradient"]
    assert _unit("build-site-plan.timer")["Timer"]["Unit"] == "build-site-plan.service"


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd); the units are checked above")
    for unit in DEPLOY.glob("build-site-*.*"):
        # Point ExecStart at a program that exists here, so only the units' own syntax is judged.
        text = re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", unit.read_text(), flags=re.MULTILINE)
        (tmp_path / unit.name).write_text(text)
    units = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run(
        [analyze, "verify", "--man=no", "--recursive-errors=no", *units], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_crontab_lines_are_five_fields_and_a_build_site_command() -> None:
    jobs = [
        line
        for line in (DEPLOY / "crontab").read_text().splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(jobs) == 2
    for line in jobs:
        fields = line.split(maxsplit=5)
        assert all(re.fullmatch(r"[\d*/,-]+", f) for f in fields[:5]), line
        assert "build-site" in fields[5] and "%" not in fields[5], "cron would turn % into a newline"
    assert jobs[0].startswith("1 7 * * * ") and "plan" not in jobs[0]
    assert "build-site plan" in jobs[1]
    assert "CRON_TZ=Europe/Berlin" in (DEPLOY / "crontab").read_text()


def test_ci_workflow_builds_daily_and_uploads_the_site() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert [s["cron"] for s in triggers["schedule"]] == ["5 6 * * *"]
    steps = workflow["jobs"]["publish"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert "pip install ." in runs
    build = runs.index('build-site ${DATE:+--date "$DATE"} --out output')
    upload = next(i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert steps[upload]["with"]["path"] == "output/"
    plan = runs.index('build-site plan ${DATE:+--date "$DATE"}')
    assert build < upload < plan, "the site is uploaded even when the plan then fails"
