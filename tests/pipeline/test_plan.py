"""``build-site plan``: the next days' issues, gaps, reuse and drafts, and an exit status a job can alert on."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from site_builder.authoring.calendar import Reuse, plan_schedule
from site_builder.content.load import load_content

from ..conftest import REPO, copy_project, run_cli
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


ENTRY_FOLDERS = {"topic": "topics", "problem": "problems", "feature": "features"}
DAY_LINE = re.compile(r"(\d{4}-\d\d-\d\d) (\w{3})  (issue|GAP  )  (.*)")
REUSE_LINE = re.compile(r" {23}reuses (\w+)/([\w-]+), featured on (\S+) \((\d+) days? before\)")


def _yaml(root: Path, relative: str) -> dict[str, Any]:
    return yaml.safe_load((root / "content" / relative).read_text(encoding="utf-8"))


def _issues(root: Path) -> dict[dt.date, dict[str, Any]]:
    """The fixture's issue files, read with plain PyYAML, by date."""
    return {
        dt.date.fromisoformat(p.stem): _yaml(root, f"issues/{p.name}") for p in (root / "content/issues").glob("*.yaml")
    }


def _reuses(issues: dict[dt.date, dict[str, Any]], day: dt.date) -> set[tuple[str, str, dt.date]]:
    """(folder, id, last date) of each entry of ``day``'s issue a published issue of the 30 days before featured."""
    found = set()
    for key, folder in ENTRY_FOLDERS.items():
        earlier = [
            d
            for d, issue in issues.items()
            if not issue.get("draft") and issue[key] == issues[day][key] and 0 < (day - d).days <= 30
        ]
        if earlier:
            found.add((folder, issues[day][key], max(earlier)))
    return found


def test_plan_lists_issues_gaps_reuse_and_drafts(planned: Path) -> None:
    after, days = dt.date(2026, 11, 26), 5
    result = run_cli("plan", "--root", planned, "--date", after.isoformat(), "--days", str(days))
    assert result.exit_code == 0, "the 27th has an issue"
    assert "planning after 2026-11-26 (given with --date)" in result.stderr
    site = _yaml(planned, "site.yaml")
    issues = _issues(planned)
    header, *body = result.stdout.split("\n\n")
    assert header == (
        f"Plan after {after:%a %Y-%m-%d} (issues go out at {site['publish_time']} {site['timezone']}): the next {days} days"
    )
    # Each planned day: its line, then one line per entry reused; checked fact by fact against the fixture.
    blocks: list[list[str]] = []
    for line in body[0].splitlines():
        if DAY_LINE.fullmatch(line):
            blocks.append([line])
        else:
            blocks[-1].append(line)
    assert len(blocks) == days
    gaps = reused = 0
    for offset, (line, *reuse_lines) in enumerate(blocks, 1):
        day = after + dt.timedelta(days=offset)
        date, weekday, status, what = DAY_LINE.fullmatch(line).groups()
        assert (date, weekday) == (day.isoformat(), f"{day:%a}")
        issue = issues.get(day)
        gaps += status == "GAP  "
        if issue is None:
            assert (status, what) == ("GAP  ", f"no issue (add one: build-site new issue {day})")
            assert reuse_lines == []
            continue
        topic = _yaml(planned, f"topics/{issue['topic']}.yaml")["title"]
        problem = _yaml(planned, f"problems/{issue['problem']}.yaml")["title"]
        titles = f"{topic} · {problem}"
        if issue.get("draft"):
            assert (status, what) == ("GAP  ", f"only a draft: {titles} (content/issues/{day}.yaml has draft: true)")
        else:
            assert (status, what) == ("issue", titles)
        parsed = [REUSE_LINE.fullmatch(reuse).groups() for reuse in reuse_lines]
        assert {(folder, ref, dt.date.fromisoformat(last)) for folder, ref, last, _ in parsed} == _reuses(issues, day)
        assert all((day - dt.date.fromisoformat(last)).days == int(n) for _, _, last, n in parsed)
        assert [folder for folder, *_ in parsed] == [f for f in ENTRY_FOLDERS.values() if f in {p[0] for p in parsed}]
        reused += len(parsed)
    drafts = sorted(d for d, issue in issues.items() if issue.get("draft"))
    window = site.get("delivery", {}).get("window", 7)
    tomorrow = after + dt.timedelta(days=1)
    assert body[1].splitlines() == [
        f"On {tomorrow}, a build makes the email and dev.to editions of the issues of "
        f"{tomorrow - dt.timedelta(days=window - 1)} to {tomorrow} (delivery.window: {window} days); "
        "`build-site editions --date D` makes them for any published day.",
        "Overdue drafts (their day has passed; they never went out): "
        + ", ".join(str(d) for d in drafts if d <= after),
        f"Drafts due in the next {days} days: "
        + ", ".join(str(d) for d in drafts if after < d <= after + dt.timedelta(days=days)),
        f"Entries reused within 30 days: {reused}",
        f"{gaps} gaps in the next {days} days.",
    ]
    # The fixture has each kind of day: so the checks above met every branch.
    assert gaps == 2 and reused == 10 and len(body) == 2


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
