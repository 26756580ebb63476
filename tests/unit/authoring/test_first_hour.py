"""The stumbles of a new author's first hour (issue #27), each fixed: titles, clashing ids, what ``new issue``
chooses and says, and what ``check`` and ``plan`` print."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from site_builder.authoring import scaffold
from site_builder.errors import ConfigError

from ...conftest import run_cli

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("entry_id", "title"),
    [
        ("kl-divergence", "KL Divergence"),
        ("sgd-with-momentum", "SGD With Momentum"),
        ("relu-and-gelu", "ReLU And GELU"),
        ("dark-mode", "Dark Mode"),
        ("top-k-sampling", "Top K Sampling"),
        ("my-2nd-try", "My 2nd Try"),
    ],
)
def test_a_new_entrys_title_writes_acronyms_as_the_field_does(entry_id: str, title: str) -> None:
    assert scaffold.title_of(entry_id) == title


def _existing(elements: dict[tuple[str, str], frozenset[str]], issues: dict[dt.date, dict[str, str]] | None = None):  # type: ignore[no-untyped-def]
    return scaffold.ExistingContent(
        {"topic": ("kl-divergence",), "problem": ("mean-squared-error",), "feature": ("your-first-feature",)},
        issues or {},
        {"chapter": (), "collection": ()},
        "UTC",
        elements=elements,
    )


def test_the_topic_scaffold_suggests_ids_of_its_own_never_the_example_problems() -> None:
    text = scaffold.entry_files("topic", "kl-divergence", _existing({}))["content/topics/kl-divergence.yaml"]
    problem = yaml.safe_load(scaffold.fill("example-problem.yaml", {}))
    problem_ids = {item["id"] for field in ("formulas", "examples", "plots") for item in problem.get(field) or ()}
    suggested = set(re.findall(r"id: ([\w-]+)", text)) | set(re.findall(r"\{(?:formula|example)\} ([\w-]+)", text))
    assert suggested == {"kl-divergence", "kl-divergence-example"}
    assert not suggested & problem_ids


def test_new_issue_refuses_parts_that_share_an_id_naming_both_and_the_file_to_rename() -> None:
    clash = _existing(
        {
            ("topic", "kl-divergence"): frozenset({"example-small", "formula-kl"}),
            ("problem", "mean-squared-error"): frozenset({"example-small", "formula-mse"}),
            ("feature", "your-first-feature"): frozenset(),
        }
    )
    with pytest.raises(ConfigError) as info:
        scaffold.issue_files(clash, dt.date(2026, 12, 8))
    (problem,) = info.value.problems
    assert problem.field == "problem"
    assert "the topic 'kl-divergence' and the problem 'mean-squared-error' both have an example 'small'" in str(
        problem.message
    )
    assert problem.hint.startswith("rename it in content/problems/mean-squared-error.yaml")
    # the part the author named is the one they are working on: it comes first
    with pytest.raises(ConfigError) as info:
        scaffold.issue_files(clash, dt.date(2026, 12, 8), topic="kl-divergence")
    (problem,) = info.value.problems
    assert problem.hint == (
        "rename it in content/topics/kl-divergence.yaml (and its fence), or in "
        "content/problems/mean-squared-error.yaml, or choose another problem with --problem"
    )


def test_new_issue_says_its_date_and_why_and_names_each_entry_it_reuses() -> None:
    yesterday = dt.date(2026, 12, 7)
    existing = _existing({}, {yesterday: {"topic": "other", "problem": "mean-squared-error"}})
    files = scaffold.issue_files(existing, now=NOW)
    assert list(files) == ["content/issues/2026-12-08.yaml"]
    notes = scaffold.issue_notes(existing, files, date_given=False)
    assert notes == [
        "content/issues/2026-12-08.yaml is dated 2026-12-08, the day after the last scheduled issue (2026-12-07); "
        "give another date as `build-site new issue YYYY-MM-DD`",
        "it reuses the problem 'mean-squared-error', featured on 2026-12-07: choose another with --problem ID",
    ]
    given = scaffold.issue_files(existing, dt.date(2026, 12, 20))
    assert scaffold.issue_notes(existing, given, date_given=True) == notes[1:]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project as ``init`` makes it, with a new topic and a new issue featuring it."""
    folder = tmp_path_factory.mktemp("first-hour") / "letters"
    for command in (
        ("init", folder, "--defaults", "--timezone", "UTC"),
        ("new", "topic", "kl-divergence", "--root", folder),
        ("new", "issue", "--topic", "kl-divergence", "--root", folder),
    ):
        result = run_cli(*command)
        assert result.exit_code == 0, result.stderr
    return folder


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_check_says_once_what_it_loaded_and_publishes_and_why(project: Path) -> None:
    result = run_cli("check", "--root", project)
    assert result.exit_code == 0, result.stderr
    lines = _lines(result.stderr)
    assert [line for line, count in Counter(lines).items() if count > 1] == []
    loaded = [line for line in lines if line.startswith("loaded ")]
    publishing = [line for line in lines if line.startswith("publishing ")]
    assert len(loaded) == 1 and len(publishing) == 1, lines
    assert "--date" not in publishing[0] and "publish time" in publishing[0], publishing
    dated = run_cli("check", "--root", project, "--date", "2026-12-01")
    assert [line for line in _lines(dated.stderr) if line.startswith("publishing ")] == [
        "publishing 0 issues as of 2026-12-01 (given with --date)"
    ]


def test_plan_shows_the_plan_and_not_its_trial_builds_log(project: Path) -> None:
    result = run_cli("plan", "--root", project)
    lines = _lines(result.stderr + result.stdout)
    assert not [line for line in lines if line.startswith(("no issue goes out", "loaded ", "publishing "))], lines
    assert any("GAP" in line for line in lines)


def test_the_load_line_counts_in_words_that_agree(project: Path) -> None:
    result = run_cli("check", "--root", project)
    (loaded,) = [line for line in _lines(result.stderr) if line.startswith("loaded ")]
    assert re.fullmatch(r"loaded 2 issues and 4 entries \(\d+ files read\)", loaded), loaded
    assert not re.search(r"\b1 (issues|entries|files)\b|\ba example\b", result.stderr)
