"""The scheduled job's files: systemd units, crontab and CI workflow run the commands the README documents."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from ..conftest import REPO, _actionlint, require

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


def test_the_send_starts_only_after_a_successful_build_and_reads_its_secrets_from_a_file() -> None:
    publish = _unit("build-site-publish.service")
    assert publish["Unit"]["OnSuccess"] == "build-site-send.service", "build -> send, the send only on success"
    send = _unit("build-site-send.service")["Service"]
    assert send["Type"] == "oneshot"
    assert send["ExecStart"].split()[1:] == [
        "send",
        "--root",
        "/srv/daily-gradient",
        "--out",
        "/srv/www/daily-gradient",
    ], "the same output folder as the build: the ledger lives beside it"
    assert send["EnvironmentFile"] == "/etc/build-site/send.env"
    text = (DEPLOY / "build-site-send.service").read_text()
    assert "BUILD_SITE_SMTP_PASSWORD=" in text and "Environment=BUILD_SITE_SMTP_PASSWORD" not in text
    # The ledger beside the output and the list in the project must be writable.
    assert {"/srv/www", "/srv/daily-gradient"} <= set(send["ReadWritePaths"].split())
    rsync = re.search(
        r"^# ExecStartPost=(/usr/bin/rsync .*)$", (DEPLOY / "build-site-publish.service").read_text(), re.M
    )
    assert rsync is not None, "the documented copy to another web server runs between the build and the send"
    assert rsync.group(1).split()[2:5] == ["--delete", "--delay-updates", "/srv/www/daily-gradient/"]


@pytest.mark.slow  # runs another program (actionlint, systemd-analyze)
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    require("systemd-analyze")  # the units are checked above without it
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None
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
    build, send = jobs[0].index("build-site -q --out"), jobs[0].index("build-site send -q --out")
    assert build < send and "&&" in jobs[0][build:send], "the send runs only if the build succeeded"
    assert "build-site plan" in jobs[1]
    assert "CRON_TZ=Europe/Berlin" in (DEPLOY / "crontab").read_text()


def _workflow() -> dict:
    return yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text())


def _runs(job: dict) -> list[str]:
    return [step.get("run", "") for step in job["steps"]]


def _uses(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


def test_ci_workflow_builds_deploys_to_pages_then_sends() -> None:
    workflow = _workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert [s["cron"] for s in triggers["schedule"]] == ["5 6 * * *"]
    jobs = workflow["jobs"]
    build, deploy, send = jobs["build"], jobs["deploy"], jobs["send"]
    assert "pip install ." in _runs(build)
    runs = _runs(build)
    cache = next(i for i, step in enumerate(build["steps"]) if step.get("uses", "").startswith("actions/cache@"))
    assert build["steps"][cache]["with"]["path"] == ".build-cache"
    built = runs.index('build-site ${DATE:+--date "$DATE"} --out output')
    assert cache < built
    assert (
        _uses(build, "actions/configure-pages")
        and _uses(build, "actions/upload-pages-artifact")[0]["with"]["path"] == "output/"
    )
    assert deploy["needs"] == "build" and _uses(deploy, "actions/deploy-pages")
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert send["needs"] == "deploy", "build -> deploy -> send"
    # The list and the ledger stay on the host of the subscription service: the job only asks it to send.
    assert not _uses(send, "actions/cache/restore") and not _uses(send, "actions/cache/save"), "no ledger in a cache"
    (asking,) = send["steps"]
    assert "secrets.SUBSCRIBERS_CSV" not in str(send), "no subscriber list in a secret"
    assert asking["env"]["SEND_TOKEN"] == "${{ secrets.SEND_TOKEN }}"
    assert '"${SERVICE_URL%/}/send"' in asking["run"] and 'exit "$(jq -r .exit_code' in asking["run"]
    assert jobs["plan"]["needs"] == "build" and 'build-site plan ${DATE:+--date "$DATE"}' in _runs(jobs["plan"])


@pytest.mark.slow  # runs another program (actionlint, systemd-analyze)
def test_actionlint_accepts_the_workflow_and_refuses_a_broken_one(tmp_path: Path) -> None:
    require("actionlint")
    actionlint = _actionlint()
    assert actionlint is not None
    workflow = REPO / ".github/workflows/publish.yml"
    result = subprocess.run([*actionlint, str(workflow)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()
    broken = tmp_path / "publish.yml"
    broken.write_text(workflow.read_text().replace("needs: deploy", "needs: deploy-site"))
    result = subprocess.run([*actionlint, str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert 'needs job "deploy-site" which does not exist' in result.stdout + result.stderr
