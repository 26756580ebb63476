"""``build-site init``: a new project builds and passes ``check`` as created; nothing is written over or into what exists."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import uuid
import zoneinfo
from pathlib import Path

import lxml.html
import pytest
import yaml

from site_builder import __version__
from site_builder.authoring import init
from site_builder.cli import authoring as project_commands
from site_builder.content.settings import SiteConfig
from site_builder.model.schedule import publication_day

from ...conftest import REPO, _actionlint, require, run_cli, tree_digest

EXPECTED_FILES = [
    ".github/workflows/publish.yml",
    ".gitignore",
    "README.md",
    "computed/__init__.py",
    "computed/mean_squared_error.py",
    "content/features/your-first-feature.yaml",
    "content/problems/mean-squared-error.yaml",
    "content/site.yaml",
    "content/topics/your-first-topic.yaml",
    "requirements.txt",
]
SETTINGS = [
    "--title",
    "Gradients: Weekly",
    "--base-url",
    "https://news.example.net/ml",
    "--timezone",
    "America/New_York",
    "--author",
    "Ada & friends",
    "--sender",
    "Gradients <letters@news.example.net>",
]


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project started with every setting given, built once."""
    folder = tmp_path_factory.mktemp("init") / "letters"
    result = run_cli("init", folder, *SETTINGS)
    assert result.exit_code == 0, result.stderr
    assert (
        result.stderr
        == f"started Gradients: Weekly in {folder}: build it with `cd {folder} && build-site`, preview it with `build-site serve`\n"
    )
    return folder


def test_init_writes_the_project_with_the_settings_given(started: Path) -> None:
    issue = started / "content/issues"
    (issue_file,) = issue.iterdir()
    assert _files(started) == sorted([*EXPECTED_FILES, f"content/issues/{issue_file.name}"])
    site = yaml.safe_load((started / "content/site.yaml").read_text())
    assert (site["title"], site["base_url"], site["timezone"], site["author"]) == (
        "Gradients: Weekly",
        "https://news.example.net/ml/",  # the final / added
        "America/New_York",
        "Ada & friends",
    )
    assert site["email"]["sender"] == "Gradients <letters@news.example.net>"
    assert site["email"]["unsubscribe_mailto"] == "unsubscribe@news.example.net"
    assert uuid.UUID(site["feed_id"]).version == 4
    data = yaml.safe_load(issue_file.read_text())
    assert "draft" not in data
    assert (data["topic"], data["problem"], data["feature"]) == (
        "your-first-topic",
        "mean-squared-error",
        "your-first-feature",
    )
    assert (started / "requirements.txt").read_text().splitlines()[-1] == f"build-site=={__version__}"
    assert not (started / "templates").exists()


def test_the_example_issue_is_out_on_the_day_init_ran_and_the_project_builds_and_checks(started: Path) -> None:
    site = SiteConfig.model_validate(yaml.safe_load((started / "content/site.yaml").read_text()))
    (issue_file,) = (started / "content/issues").iterdir()
    # Its date is the publication day when init ran: a build right after it publishes the issue.
    now = dt.datetime.now(dt.UTC)
    assert issue_file.stem in {
        publication_day(site.timezone, site.publish_time, now).isoformat(),
        publication_day(site.timezone, site.publish_time, now - dt.timedelta(minutes=5)).isoformat(),
    }

    result = run_cli("check", "--root", started)
    assert result.exit_code == 0, result.stderr
    assert "no problems in 1 issue (1 published" in result.stderr
    result = run_cli("--root", started, "--date", issue_file.stem)
    assert result.exit_code == 0, result.stderr
    page = lxml.html.parse(str(started / f"output/issues/{issue_file.stem}/index.html")).getroot()
    text = page.text_content()
    assert "Mean Squared Error" in text and "Your First Topic" in text and "Your First Feature" in text
    problem = lxml.html.parse(str(started / "output/problems/mean-squared-error/index.html")).getroot()
    # The worked example, computed: residuals (-0.5, 0.5, 0, 1), squares (0.25, 0.25, 0, 1), their mean 0.375.
    assert "the mean squared error is 0.375." in " ".join(problem.text_content().split())
    assert "✓ verified against computed/mean_squared_error.py" in problem.text_content()
    assert (started / "output/problems/mean-squared-error/constant-prediction.svg").is_file()
    # No subscription service yet: the site's copies of the email offer the unsubscribe address, no placeholder.
    for part in ("email.html", "email.txt"):
        copy = (started / f"output/issues/{issue_file.stem}" / part).read_text()
        assert "mailto:unsubscribe@news.example.net" in copy and "{{" not in copy, part


def test_the_gitignore_keeps_what_builds_make_out_of_git(started: Path, tmp_path: Path) -> None:
    require("git")
    project = tmp_path / "project"
    shutil.copytree(started, project)
    (issue_file,) = (project / "content/issues").iterdir()
    assert run_cli("--root", project, "--date", issue_file.stem, "-q").exit_code == 0
    (project / "subscribers.csv").write_text("address,name,status\n")
    made = {p.split("/")[0] for p in _files(project)} - {p.split("/")[0] for p in EXPECTED_FILES} - {"content"}
    assert {"output", ".build-cache", ".output.build-state", "subscribers.csv"} <= made
    subprocess.run(["git", "init", "-q", project], check=True)
    untracked = subprocess.run(
        ["git", "-C", project, "ls-files", "--others", "--exclude-standard"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(untracked) == sorted([*EXPECTED_FILES, f"content/issues/{issue_file.name}"])


def test_settings_are_asked_on_a_terminal_with_defaults_and_asked_again_when_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(project_commands, "on_terminal", lambda: True)
    monkeypatch.setenv("TZ", "Europe/Lisbon")
    from click.testing import CliRunner

    from site_builder.cli.main import main

    answers = (
        "\n".join(["", "news.example.org", "https://news.example.org/", "Mars/Olympus", "", "", "nobody", ""]) + "\n"
    )
    result = CliRunner().invoke(main, ["init", str(tmp_path / "deep-learning-daily")], input=answers)
    assert result.exit_code == 0, result.output
    assert "Title [Deep Learning Daily]: " in result.output
    assert "Error: 'news.example.org' is not an address such as https://news.example.org/" in result.output
    assert "Error: unknown time zone 'Mars/Olympus'" in result.output
    assert "Time zone [Europe/Lisbon]: " in result.output
    assert "Error: 'nobody' has no mail address" in result.output
    site = yaml.safe_load((tmp_path / "deep-learning-daily/content/site.yaml").read_text())
    assert (site["title"], site["base_url"], site["timezone"], site["author"], site["email"]["sender"]) == (
        "Deep Learning Daily",
        "https://news.example.org/",
        "Europe/Lisbon",
        "The editors of Deep Learning Daily",
        "Deep Learning Daily <newsletter@news.example.org>",
    )


def test_without_a_terminal_the_defaults_are_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    result = run_cli("init", tmp_path / "site", "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    site = yaml.safe_load((tmp_path / "site/content/site.yaml").read_text())
    assert (site["title"], site["base_url"], site["timezone"]) == ("Site", "https://example.org/", "Asia/Tokyo")
    assert site["email"]["sender"] == "Site <newsletter@example.org>"


def test_bad_settings_are_refused_naming_their_options_and_nothing_is_written(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    result = run_cli(
        "init", folder, "--title", "two\nlines", "--base-url", "ftp://x", "--timezone", "Moon/Base", "--sender", "me"
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "--base-url: 'ftp://x' is not an address such as https://news.example.org/",
        "--sender: 'me' has no mail address: write it as 'Name <newsletter@example.org>'",
        "--timezone: unknown time zone 'Moon/Base'",
        "--title: 'two\\nlines' is not one line of text",
        "4 problems found (configuration).",
    ]
    assert not folder.exists()


def test_a_folder_that_is_not_empty_is_refused_unless_forced_and_no_file_is_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "notes.md").write_text("ideas\n")
    result = run_cli("init", folder)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{folder}: is not empty (notes.md); nothing written (start the project in a new or empty folder, "
        "or add --force to add its files to this one (init never overwrites a file))",
        "1 problem found (configuration).",
    ]
    assert _files(folder) == ["notes.md"]

    (folder / "content").mkdir()
    (folder / "content/site.yaml").write_text("title: mine\n")
    before = tree_digest(folder)
    result = run_cli("init", folder, "--force")
    assert result.exit_code == 2
    assert "content/site.yaml: already exists; not overwritten" in result.stderr
    assert tree_digest(folder) == before

    (folder / "content/site.yaml").unlink()
    result = run_cli("init", folder, "--force", "-q")
    assert result.exit_code == 0, result.stderr
    assert (folder / "notes.md").read_text() == "ideas\n"
    assert "content/site.yaml" in _files(folder)


@pytest.mark.parametrize(
    ("zone", "cron", "note"),
    [
        (
            "Europe/Berlin",
            "5 6 * * *",
            "06:05 UTC is 07:05 in Europe/Berlin in standard time and 08:05 in summer time: after the 07:00 publish time either way",
        ),
        ("Asia/Tokyo", "5 22 * * *", "22:05 UTC is 07:05 in Asia/Tokyo: after the 07:00 publish time"),
        ("Asia/Kolkata", "35 1 * * *", "01:35 UTC is 07:05 in Asia/Kolkata: after the 07:00 publish time"),
        (
            "America/New_York",
            "5 12 * * *",
            "12:05 UTC is 07:05 in America/New_York in standard time and 08:05 in summer time: after the 07:00 publish time either way",
        ),
        (
            "Australia/Sydney",
            "5 21 * * *",
            "21:05 UTC is 07:05 in Australia/Sydney in standard time and 08:05 in summer time: after the 07:00 publish time either way",
        ),
        ("UTC", "5 7 * * *", "07:05 UTC is 07:05 in UTC: after the 07:00 publish time"),
    ],
)
def test_the_workflow_runs_after_the_publish_time_on_every_day_of_the_year(zone: str, cron: str, note: str) -> None:
    assert init.publish_schedule(zone, dt.time(7, 0), 2027) == (cron, note)
    minute, hour = (int(part) for part in cron.split()[:2])
    tz = zoneinfo.ZoneInfo(zone)
    day = dt.date(2027, 1, 1)
    while day.year == 2027:  # every run, seen from the site's time zone, is 0 to 65 minutes after 07:00
        run = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC).astimezone(tz)
        late = dt.datetime.combine(run.date(), run.time()) - dt.datetime.combine(run.date(), dt.time(7, 0))
        assert dt.timedelta(0) < late <= dt.timedelta(minutes=65), (zone, day, run)
        day += dt.timedelta(days=1)


def test_the_repository_workflow_is_the_scaffold_filled_for_the_bundled_site() -> None:
    site = SiteConfig.model_validate(yaml.safe_load((REPO / "content/site.yaml").read_text()))
    cron, note = init.publish_schedule(site.timezone, site.publish_time, 2026)
    expected = init.workflow(
        site.timezone,
        cron,
        note,
        install="pip install .",
        see_also='deploy/README.md and the README\'s "Sending the newsletter"',
    )
    assert (REPO / init.WORKFLOW).read_text() == expected, (
        "edit site_builder/authoring/scaffolds/publish.yml, then regenerate"
    )


@pytest.mark.slow  # runs actionlint
def test_the_new_projects_workflow_installs_its_pinned_build_site_and_passes_actionlint(started: Path) -> None:
    workflow = yaml.safe_load((started / init.WORKFLOW).read_text())
    triggers = workflow.get("on", workflow.get(True))
    assert [s["cron"] for s in triggers["schedule"]] == ["5 12 * * *"]  # America/New_York
    installs = [
        step.get("run")
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if "Install" in step.get("name", "")
    ]
    assert installs == ["pip install -r requirements.txt"] * 2  # build and plan; the send job asks the service
    require("actionlint")
    actionlint = _actionlint()
    assert actionlint is not None
    result = subprocess.run([*actionlint, str(started / init.WORKFLOW)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
