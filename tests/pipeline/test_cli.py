"""The ``build-site`` group: options given before a command's name apply to the command, or are refused."""

from __future__ import annotations

from pathlib import Path

from ..conftest import run_cli


def test_options_before_the_command_apply_to_it(project: Path) -> None:
    before = run_cli("--root", project, "--date", "2026-11-27", "check")
    after = run_cli("check", "--root", project, "--date", "2026-11-27")
    assert before.exit_code == after.exit_code == 0, before.stderr
    assert "(2 published as of 2026-11-27)" in after.stderr.splitlines()[-1]
    assert before.stderr == after.stderr


def test_an_option_after_the_command_wins_over_one_before(project: Path) -> None:
    result = run_cli("--date", "2026-11-26", "check", "--root", project, "--date", "2026-11-27")
    assert result.exit_code == 0, result.stderr
    assert "(2 published as of 2026-11-27)" in result.stderr.splitlines()[-1]


def test_quiet_before_the_command_quiets_it(project: Path) -> None:
    result = run_cli("-q", "--root", project, "--date", "2026-11-28", "check")
    assert (result.exit_code, result.stderr) == (0, "")


def test_root_before_the_command_is_the_project_it_reads(project: Path) -> None:
    (project / "content/issues/2026-11-28.yaml").unlink()
    result = run_cli("--root", project, "plan", "--date", "2026-11-27", "--days", "1")
    assert result.exit_code == 3, result.stderr
    assert "2026-11-28 Sat  GAP    no issue" in result.stdout


def test_an_option_the_command_does_not_take_is_refused(project: Path) -> None:
    result = run_cli("--root", project, "--out", project / "elsewhere", "check")
    assert result.exit_code == 2
    assert (
        result.stderr.splitlines()[-1]
        == "Error: `build-site check` has no option --out (see `build-site check --help`)"
    )
    assert not (project / "elsewhere").exists()


def test_an_option_some_commands_of_a_group_do_not_take_is_refused(project: Path) -> None:
    result = run_cli("--date", "2026-11-27", "subscribers", "list", "--root", project)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: `build-site subscribers` has no option --date (see `build-site subscribers --help`)"
    )


def test_an_option_every_command_of_a_group_takes_applies_to_them(project: Path) -> None:
    (project / "templates").mkdir(exist_ok=True)
    (project / "templates" / "404.html").write_text("{% extends 'base.html' %}\n")
    result = run_cli("--root", project, "theme", "list")
    assert result.exit_code == 0, result.stderr
    assert "404.html\ttemplates/" in result.stdout.splitlines()
