"""``build-site new``: scaffolds that pass ``check`` as created, never overwrite, and reject bad ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from site_builder.authoring import scaffold

from ..conftest import run_cli, sweep, tree_digest

ISSUE_FIELDS = ("topic", "problem", "feature")


def _check(project: Path) -> str:
    result = run_cli("check", "--root", project, "--date", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    ("kind", "entry_id", "created"),
    sweep(
        [
            pytest.param("topic", "layer-normalization", ["content/topics/layer-normalization.yaml"], id="topic"),
            pytest.param(
                "problem",
                "top-k-accuracy",
                ["computed/top_k_accuracy.py", "content/problems/top-k-accuracy.yaml"],
                id="problem",
            ),
            pytest.param("feature", "dark-mode", ["content/features/dark-mode.yaml"], id="feature"),
        ],
        fast={"problem"},
    ),
)
def test_new_entry_passes_check_as_created(project: Path, kind: str, entry_id: str, created: list[str]) -> None:
    before = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    result = run_cli("new", kind, entry_id, "--root", project)
    assert result.exit_code == 0, result.stderr
    after = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert sorted(after - before) == created
    assert f"created {project / created[-1]}" in result.stderr
    data = yaml.safe_load((project / created[-1]).read_text())
    assert data["id"] == entry_id and data["title"] == entry_id.replace("-", " ").title()
    stderr = _check(project)
    assert f"not in any issue yet (checked on their own): {scaffold.KINDS[kind]}/{entry_id}" in stderr


def test_new_problem_reuses_the_most_used_collection(project: Path) -> None:
    assert run_cli("new", "problem", "top-k-accuracy", "--root", project).exit_code == 0
    data = yaml.safe_load((project / "content/problems/top-k-accuracy.yaml").read_text())
    assert data["collection"] == "CV: Deep Learning"  # quoted in YAML, it has a colon
    assert data["solution"] == "top_k_accuracy.top_k_accuracy"


def test_new_issue_takes_the_next_free_date_and_unused_entries(project: Path) -> None:
    (project / "content/issues/2031-01-01.yaml").write_text(
        "date: 2031-01-01\ntopic: perplexity\nproblem: batch-norm-forward\nfeature: implementation-walkthroughs\n"
    )
    for kind, entry_id in (("topic", "attention"), ("problem", "top-k"), ("feature", "dark-mode")):
        assert run_cli("new", kind, entry_id, "--root", project, "-q").exit_code == 0
    result = run_cli("new", "issue", "--root", project)
    assert result.exit_code == 0, result.stderr
    issue = project / "content/issues/2031-01-02.yaml"
    assert f"created {issue}" in result.stderr
    data = yaml.safe_load(issue.read_text())
    assert data == {
        "date": dt.date(2031, 1, 2),
        "topic": "attention",
        "problem": "top-k",
        "feature": "dark-mode",
        "draft": True,
    }
    assert "no problems in" in _check(project)
    # A draft: the scheduled build leaves it out, a preview with --drafts shows it.
    assert run_cli("--root", project, "--date", "2031-01-02").exit_code == 0
    assert not (project / "output/issues/2031-01-02").exists()
    assert run_cli("--root", project, "--date", "2031-01-02", "--drafts").exit_code == 0
    assert "Attention" in (project / "output/issues/2031-01-02/index.html").read_text()


def test_new_issue_with_a_date_and_chosen_entries(project: Path) -> None:
    result = run_cli("new", "issue", "2031-03-04", "--root", project, "--topic", "perplexity", "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    data = yaml.safe_load((project / "content/issues/2031-03-04.yaml").read_text())
    assert (data["topic"], data["draft"]) == ("perplexity", True)
    _check(project)


def test_new_issue_rejects_unknown_entries_and_bad_dates(project: Path) -> None:
    result = run_cli("new", "issue", "2031-03-04", "--root", project, "--topic", "perplexty")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2:] == [
        "content/issues/2031-03-04.yaml: topic: 'perplexty' does not exist (existing: adam-optimizer, perplexity, softmax-temperature)",
        "1 problem found (configuration).",
    ]
    result = run_cli("new", "issue", "2031-02-30", "--root", project)
    assert result.exit_code == 2
    assert "Invalid value for ID: '2031-02-30' is not a date of the form YYYY-MM-DD" in result.stderr
    assert not (project / "content/issues/2031-03-04.yaml").exists()


def test_new_refuses_to_overwrite(project: Path) -> None:
    before = tree_digest(project / "content")
    result = run_cli("new", "topic", "perplexity", "--root", project)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "content/topics/perplexity.yaml: already exists; not overwritten (pick another id)",
        "1 problem found (configuration).",
    ]
    result = run_cli("new", "issue", "2026-11-26", "--root", project)
    assert result.exit_code == 2
    assert "content/issues/2026-11-26.yaml: already exists; not overwritten" in result.stderr
    assert tree_digest(project / "content") == before


def test_new_problem_refuses_an_existing_solution_module_and_creates_nothing(project: Path) -> None:
    (project / "computed/top_k.py").write_text("def top_k(x):\n    return x\n")
    result = run_cli("new", "problem", "top-k", "--root", project)
    assert result.exit_code == 2
    assert "computed/top_k.py: already exists; not overwritten (pick another id)" in result.stderr
    assert not (project / "content/problems/top-k.yaml").exists()
    assert (project / "computed/top_k.py").read_text() == "def top_k(x):\n    return x\n"


@pytest.mark.parametrize(
    ("kind", "entry_id", "message"),
    [
        (
            "topic",
            "Softmax_Temp",
            "content/topics/Softmax_Temp.yaml: id: 'Softmax_Temp' is not a valid id: use lower-case letters a-z, digits and single hyphens, at most 64 characters (e.g. softmax-temperature)",
        ),
        (
            "feature",
            "../escape",
            "content/features/../escape.yaml: id: '../escape' is not a valid id: use lower-case letters a-z, digits and single hyphens, at most 64 characters (e.g. softmax-temperature)",
        ),
        (
            "problem",
            "2d-convolution",
            "content/problems/2d-convolution.yaml: id: a problem's id names its solution module, and computed/2d_convolution.py is not an importable name (start the id with a letter, and avoid Python keywords)",
        ),
        (
            "problem",
            "lambda",
            "content/problems/lambda.yaml: id: a problem's id names its solution module, and computed/lambda.py is not an importable name (start the id with a letter, and avoid Python keywords)",
        ),
    ],
)
def test_new_rejects_invalid_ids(project: Path, kind: str, entry_id: str, message: str) -> None:
    before = tree_digest(project)
    result = run_cli("new", kind, entry_id, "--root", project)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [message, "1 problem found (configuration)."]
    assert tree_digest(project) == before


def test_new_entry_needs_an_id() -> None:
    result = run_cli("new", "topic")
    assert result.exit_code == 2
    assert "a new topic needs an ID, e.g. build-site new topic softmax-temperature" in result.stderr


def test_next_issue_date_is_never_back_dated() -> None:
    days = [dt.date(2026, 11, 26), dt.date(2026, 11, 27)]
    assert scaffold.next_issue_date(days, first=dt.date(2026, 11, 20)) == dt.date(2026, 11, 28)
    assert scaffold.next_issue_date(days, first=dt.date(2026, 12, 5)) == dt.date(2026, 12, 5)
    assert scaffold.next_issue_date([], first=dt.date(2026, 12, 5)) == dt.date(2026, 12, 5)


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        ("2026-12-05T05:59:00", "2026-12-05"),  # 06:59 in Berlin: today's issue has not gone out
        ("2026-12-05T06:00:00", "2026-12-06"),  # 07:00 in Berlin: it has, tomorrow is the first day free
        ("2026-12-05T23:30:00", "2026-12-06"),  # 00:30 on the 6th in Berlin: the 6th's has not gone out
    ],
)
def test_new_issue_never_takes_a_day_that_has_gone_out(
    project: Path, monkeypatch: pytest.MonkeyPatch, utc: str, expected: str
) -> None:
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(now.timestamp())))
    result = run_cli("new", "issue", "--root", project, "-q")
    assert result.exit_code == 0, result.stderr
    assert (project / f"content/issues/{expected}.yaml").is_file()
    plan = run_cli("plan", "--root", project, "--days", "3")
    assert "Overdue drafts" not in plan.stdout
    assert f"Drafts due in the next 3 days: {expected}" in plan.stdout


def test_suggested_entry_is_unused_first_then_featured_longest_ago() -> None:
    existing = scaffold.ExistingContent(
        entries={"topic": ("a", "b", "c"), "problem": ("p",), "feature": ()},
        issues={
            dt.date(2026, 1, 1): {"topic": "b", "problem": "p"},
            dt.date(2026, 1, 2): {"topic": "a", "problem": "p"},
        },
        groups={"chapter": (), "collection": ()},
        timezone="UTC",
    )
    assert scaffold.suggest_entry("topic", existing) == "c"
    without_c = scaffold.ExistingContent(
        {**existing.entries, "topic": ("a", "b")}, existing.issues, existing.groups, "UTC"
    )
    assert scaffold.suggest_entry("topic", without_c) == "b"
    assert scaffold.suggest_entry("problem", existing) == "p"
    assert scaffold.suggest_entry("feature", existing) == ""
