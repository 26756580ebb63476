"""``build-site plan``: the next days' issues, gaps, reuse and drafts, and an exit status a job can alert on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from site_builder.load import load_content
from site_builder.plan import Reuse, plan_schedule

from .conftest import REPO, copy_project, run_cli
from .publishing import write_issue, write_problem, write_topic


@pytest.fixture
def planned(tmp_path: Path) -> Path:
    """The bundled project with its issues replaced by a known week (whatever issues are bundled).

    26 Nov: the bundled issue.  27: the same entries again.  28: new entries.
    29: a draft.  30: nothing.  1 Dec: the entries of the 28th again.  20 Nov: a forgotten draft.
    """
    root = copy_project(tmp_path / "project")
    for path in (root / "content" / "issues").glob("*.yaml"):
        if path.stem != "2026-11-26":
            path.unlink()
    write_topic(root, "fresh-topic", "Fresh Topic", "Fresh Chapter", r"y = \frac{1}{2} x")
    write_problem(root, "fresh-problem", "Fresh Problem", "Fresh Collection")
    fresh = {"topic": "fresh-topic", "problem": "fresh-problem"}
    write_issue(root, "2026-11-20", draft=True)
    write_issue(root, "2026-11-27")
    write_issue(root, "2026-11-28", **fresh)
    write_issue(root, "2026-11-29", draft=True, **fresh)
    write_issue(root, "2026-12-01", **fresh)
    return root


EXPECTED_PLAN = """\
Plan after Thu 2026-11-26 (issues go out at 07:00 Europe/Berlin): the next 5 days

2026-11-27 Fri  issue  Perplexity · Batch Normalization Forward Pass
                       reuses topics/perplexity, featured on 2026-11-26 (1 day before)
                       reuses problems/batch-norm-forward, featured on 2026-11-26 (1 day before)
                       reuses features/implementation-walkthroughs, featured on 2026-11-26 (1 day before)
2026-11-28 Sat  issue  Fresh Topic · Fresh Problem
                       reuses features/implementation-walkthroughs, featured on 2026-11-27 (1 day before)
2026-11-29 Sun  GAP    only a draft: Fresh Topic · Fresh Problem (content/issues/2026-11-29.yaml has draft: true)
                       reuses topics/fresh-topic, featured on 2026-11-28 (1 day before)
                       reuses problems/fresh-problem, featured on 2026-11-28 (1 day before)
                       reuses features/implementation-walkthroughs, featured on 2026-11-28 (1 day before)
2026-11-30 Mon  GAP    no issue (add one: build-site new issue 2026-11-30)
2026-12-01 Tue  issue  Fresh Topic · Fresh Problem
                       reuses topics/fresh-topic, featured on 2026-11-28 (3 days before)
                       reuses problems/fresh-problem, featured on 2026-11-28 (3 days before)
                       reuses features/implementation-walkthroughs, featured on 2026-11-28 (3 days before)

On 2026-11-27, a build makes the email and dev.to editions of the issues of 2026-11-21 to 2026-11-27 (delivery.window: 7 days); `build-site editions --date D` makes them for any published day.
Overdue drafts (their day has passed; they never went out): 2026-11-20
Drafts due in the next 5 days: 2026-11-29
Entries reused within 30 days: 10
2 gaps in the next 5 days.
"""


def test_plan_lists_issues_gaps_reuse_and_drafts(planned: Path) -> None:
    result = run_cli("plan", "--root", planned, "--date", "2026-11-26", "--days", "5")
    assert result.stdout == EXPECTED_PLAN
    assert result.exit_code == 0, "the 27th has an issue"
    assert "planning after 2026-11-26 (given with --date)" in result.stderr


@pytest.mark.parametrize(
    ("date", "status", "last_line"),
    [
        ("2026-11-26", 0, "1 gap in the next 3 days."),
        ("2026-11-28", 3, "Nothing goes out on 2026-11-29, the next publication day."),  # only a draft
        ("2026-11-29", 3, "Nothing goes out on 2026-11-30, the next publication day."),  # nothing at all
        ("2026-11-30", 0, "2 gaps in the next 3 days."),
    ],
)
def test_exit_status_says_whether_tomorrow_has_a_gap(planned: Path, date: str, status: int, last_line: str) -> None:
    result = run_cli("plan", "--root", planned, "--date", date, "--days", "3")
    assert result.exit_code == status, result.stderr
    assert result.stdout.splitlines()[-1] == last_line


def test_plan_defaults_to_fourteen_days(planned: Path) -> None:
    result = run_cli("plan", "--root", planned, "--date", "2026-11-26")
    days = [line for line in result.stdout.splitlines() if line[:4] == "2026"]
    assert len(days) == 14 and days[-1].startswith("2026-12-10 Thu  GAP")


def test_plan_builds_the_issues_due_so_a_broken_one_fails_early(planned: Path, tmp_path: Path) -> None:
    """An issue that would fail on its day makes the plan fail today, while today's build still succeeds."""
    write_topic(planned, "broken-topic", "Broken Topic", "Fresh Chapter", r"\begin{cases} a \end{cases}")
    write_issue(planned, "2026-12-01", topic="broken-topic")
    build = run_cli("--root", planned, "--out", tmp_path / "out", "--date", "2026-11-26")
    assert build.exit_code == 0, build.stderr
    result = run_cli("plan", "--root", planned, "--date", "2026-11-26", "--days", "5")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[-2:] == [
        "content/topics/broken-topic.yaml:15:12: formulas[0].latex: the email edition cannot draw the formula "
        "'\\\\begin{cases} a \\\\end{cases}': matplotlib mathtext says ParseFatalException: Unknown symbol: \\begin",
        "1 problem found (content).",
    ]


def test_plan_of_invalid_content_exits_2(planned: Path) -> None:
    write_issue(planned, "2026-11-27", topic="no-such-topic")
    result = run_cli("plan", "--root", planned, "--date", "2026-11-26")
    assert result.exit_code == 2
    assert "content/issues/2026-11-27.yaml:2:8: topic: 'no-such-topic' does not exist" in result.stderr


def test_reuse_counts_thirty_days_back_and_never_drafts(planned: Path) -> None:
    for date in ("2026-11-27", "2026-12-01"):
        (planned / "content/issues" / f"{date}.yaml").unlink()
    write_issue(planned, "2026-12-26")  # the bundled entries, 30 days after 26 Nov
    # 31 days after the fresh entries of 28 Nov, 30 after the draft of the 29th: neither counts.
    write_issue(planned, "2026-12-29", topic="fresh-topic", problem="fresh-problem")
    plan = plan_schedule(load_content(planned), dt.date(2026, 12, 25), days=4)
    assert [day.date.day for day in plan.days] == [26, 27, 28, 29]
    assert [day.is_gap for day in plan.days] == [False, True, True, False] and not plan.gap_tomorrow
    assert plan.days[0].reused == (
        Reuse("topics", "perplexity", dt.date(2026, 11, 26)),
        Reuse("problems", "batch-norm-forward", dt.date(2026, 11, 26)),
        Reuse("features", "implementation-walkthroughs", dt.date(2026, 11, 28)),  # the latest earlier one
    )
    assert plan.days[3].reused == (Reuse("features", "implementation-walkthroughs", dt.date(2026, 12, 26)),)
    assert plan.overdue_drafts == (dt.date(2026, 11, 20), dt.date(2026, 11, 29))
    shorter = plan_schedule(load_content(planned), dt.date(2026, 12, 25), days=4, reuse_window=29)
    assert shorter.days[0].reused == (Reuse("features", "implementation-walkthroughs", dt.date(2026, 11, 28)),)


def test_readme_documents_the_plan_command() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("### `build-site plan`", 1)[1].split("\n## ", 1)[0]
    for option in ("--root", "--date", "--days"):
        assert f"`{option}" in section, option
    for status in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert status in section, status


def test_the_command_a_gap_names_fills_it(planned: Path) -> None:
    plan = run_cli("plan", "--root", planned, "--date", "2026-11-26", "--days", "5")
    command = next(line for line in plan.stdout.splitlines() if "GAP    no issue" in line).split("add one: ")[1]
    name, subcommand, kind, date = command.rstrip(")").split()
    assert (name, subcommand, kind, date) == ("build-site", "new", "issue", "2026-11-30")
    assert run_cli(subcommand, kind, date, "--root", planned, "-q").exit_code == 0
    after = run_cli("plan", "--root", planned, "--date", "2026-11-26", "--days", "5")
    assert "2026-11-30 Mon  GAP    only a draft:" in after.stdout  # filled, as a draft to finish
