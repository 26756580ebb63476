"""``build-site check``: every problem at once, over drafts, future issues and unused entries, writing nothing."""

from __future__ import annotations

from pathlib import Path

from ..conftest import edit_file, line_of, run_cli, tree_digest


def _sources(project: Path) -> dict[str, str]:
    return {part: tree_digest(project / part) for part in ("content", "templates")}


def _add_issue(project: Path, date: str, topic: str, problem: str, feature: str, draft: bool = False) -> None:
    text = f"date: {date}\ntopic: {topic}\nproblem: {problem}\nfeature: {feature}\n"
    (project / f"content/issues/{date}.yaml").write_text(text + ("draft: true\n" if draft else ""))


CHECKED_DESPITE_CONTENT_PROBLEMS = (
    "content problems: the computations and formulas of the valid entries are checked too;"
    " pages and links are checked once the content is valid"
)


def test_bundled_project_passes_and_nothing_is_written(project: Path) -> None:
    before = _sources(project)
    cache = tree_digest(project / ".build-cache")
    result = run_cli("check", "--root", project, "--date", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    issues = len(list((project / "content/issues").glob("*.yaml")))
    assert f"no problems in {issues} issue" in result.stderr
    assert f"({issues} published as of 2026-11-28)" in result.stderr
    assert not (project / "output").exists()
    assert [p.name for p in project.iterdir() if p.name.startswith(".")] == [".build-cache"], "no staging folder"
    assert tree_digest(project / ".build-cache") == cache, "the cache is read, not written"
    assert _sources(project) == before


def test_three_errors_in_three_files_are_reported_in_one_run(project: Path) -> None:
    topic, problem, issue = (
        "content/topics/perplexity.yaml",
        "content/problems/batch-norm-forward.yaml",
        "content/issues/2026-11-26.yaml",
    )
    edit_file(project, topic, "  - heading: The definition", "\t- heading: The definition")
    edit_file(project, problem, "difficulty: Hard", "difficulty: 3")
    edit_file(project, issue, "feature: implementation-walkthroughs", "feature: implementation-walkthrough")
    tab_line = line_of(project, topic, "\t- heading")
    result = run_cli("check", "--root", project, "--date", "2026-11-28")
    assert result.exit_code == 2, result.stderr
    note, *lines = result.stderr.splitlines()
    assert note == CHECKED_DESPITE_CONTENT_PROBLEMS
    assert lines[0] == (
        f"{issue}:4:10: feature: 'implementation-walkthrough' does not exist (did you mean 'implementation-walkthroughs'?)"
    )
    assert lines[1] == f"{problem}:3:13: difficulty: Input should be 'Easy', 'Medium' or 'Hard' (got 3)"
    assert lines[2].startswith(f"{topic}:{tab_line}:")
    assert "YAML syntax" in lines[2] and lines[2].endswith("(indent with spaces; YAML does not allow tabs)")
    assert lines[3:] == ["3 problems found (content)."]


def test_a_content_error_does_not_hide_a_wrong_formula_in_another_file(project: Path) -> None:
    problem, topic = "content/problems/batch-norm-forward.yaml", "content/topics/softmax-temperature.yaml"
    edit_file(project, problem, "difficulty: Hard", "difficulty: hard")
    edit_file(project, topic, "latex: 'H = -\\sum_{i=1}^{K}", "latex: 'H = \\sum_{i=1}^{K}")  # the sign dropped
    result = run_cli("check", "--root", project, "--date", "2026-11-28")
    assert result.exit_code == 2, result.stderr
    note, *lines = result.stderr.splitlines()
    assert note == CHECKED_DESPITE_CONTENT_PROBLEMS
    assert lines[0] == (
        f"{problem}:3:13: difficulty: Input should be 'Easy', 'Medium' or 'Hard' (got 'hard') (did you mean 'Hard'?)"
    )
    formula_line = line_of(project, topic, "latex: 'H = \\sum_{i=1}^{K}")
    assert lines[1].startswith(f"{topic}:{formula_line}:12: formulas[3].latex: formula 'entropy' `H = \\sum")
    assert "disagrees with softmax.softmax_steps on the worked example 'logits'" in lines[1]
    assert lines[2:] == ["2 problems found (content)."]
    assert not (project / "output").exists()
    assert not (project / "output").exists()


def test_link_to_a_page_not_yet_published_is_caught(project: Path) -> None:
    # The feature of 2026-11-26 links to a problem that only a later issue publishes:
    # fine in the preview with every issue, broken in the site as published on 2026-11-28.
    assert run_cli("new", "problem", "softmax-grad", "--root", project, "-q").exit_code == 0
    _add_issue(project, "2031-01-01", "perplexity", "softmax-grad", "implementation-walkthroughs")
    edit_file(
        project,
        "content/features/implementation-walkthroughs.yaml",
        "url: /problems/batch-norm-forward/",
        "url: /problems/softmax-grad/",
    )
    assert run_cli("--root", project, "--date", "2026-11-28", "--future", "--out", project / "preview").exit_code == 0
    result = run_cli("check", "--root", project, "--date", "2026-11-28", "-q")
    assert result.exit_code == 2, result.stderr
    # Broken on the feature's page, the issue's and in the feed: reported once, where the author wrote it.
    line = line_of(project, "content/features/implementation-walkthroughs.yaml", "url: /problems/softmax-grad/")
    assert result.stderr.splitlines() == [
        f"content/features/implementation-walkthroughs.yaml:{line}:8: call_to_action.url: "
        "broken link '/problems/softmax-grad/' (only in the site as published on 2026-11-28)",
        "1 problem found (content).",
    ]


def test_future_draft_issue_is_checked_today(project: Path) -> None:
    assert run_cli("new", "topic", "attention", "--root", project, "-q").exit_code == 0
    edit_file(project, "content/topics/attention.yaml", "latex: 'y = f(x)'", "latex: 'y = \\frac{1}{x'")
    _add_issue(project, "2031-01-01", "attention", "batch-norm-forward", "implementation-walkthroughs", draft=True)
    # The scheduled build does not publish the draft, so it passes ...
    assert run_cli("--root", project, "--date", "2026-11-28").exit_code == 0
    # ... but check renders it, and finds the formula that would break it.
    result = run_cli("check", "--root", project, "--date", "2026-11-28", "-q")
    assert result.exit_code == 2, result.stderr
    # Reported at the formula, not at the fence that places it.
    line = line_of(project, "content/topics/attention.yaml", "latex: 'y = \\frac{1}{x'")
    assert result.stderr.splitlines() == [
        f"content/topics/attention.yaml:{line}:12: formulas[0].latex: unbalanced braces in LaTeX 'y = \\\\frac{{1}}{{x'",
        "1 problem found (content).",
    ]


def test_entry_in_no_issue_is_checked_on_its_own(project: Path) -> None:
    assert run_cli("new", "topic", "attention", "--root", project, "-q").exit_code == 0
    result = run_cli("check", "--root", project, "--date", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    assert "not in any issue yet (checked on their own): topics/attention" in result.stderr
    edit_file(project, "content/topics/attention.yaml", "like $x_i$", "like $\\notacommand$")
    line = line_of(project, "content/topics/attention.yaml", "like $\\notacommand$")
    text = (project / "content/topics/attention.yaml").read_text().splitlines()[line - 1]
    result = run_cli("check", "--root", project, "--date", "2026-11-28", "-q")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"content/topics/attention.yaml:{line}:{text.index('$') + 1}: sections[0].body: unknown LaTeX command \\notacommand in '\\\\notacommand'",
        "1 problem found (content).",
    ]


def test_an_entry_in_no_issue_in_a_chapter_of_its_own_passes(project: Path) -> None:
    # Its chapter has no page until an issue features it: the entry's page names the chapter without a link.
    assert run_cli("new", "topic", "attention", "--root", project, "-q").exit_code == 0
    edit_file(project, "content/topics/attention.yaml", "chapter: ", "chapter: Brand New Chapter\n# was: ")
    result = run_cli("check", "--root", project, "--date", "2026-11-28")
    assert result.exit_code == 0, result.stderr
    assert "not in any issue yet (checked on their own): topics/attention" in result.stderr


def test_computation_failures_are_reported_with_exit_status_2(project: Path) -> None:
    edit_file(
        project, "content/problems/batch-norm-forward.yaml", "running_mean: [1.0, 1.0]", "running_mean: [1.0, 1.5]"
    )
    result = run_cli("check", "--root", project, "--date", "2026-11-28")
    assert result.exit_code == 2, result.stderr
    assert "content/problems/batch-norm-forward.yaml:" in result.stderr
    assert "tests[1].expected: batchnorm.batch_norm_forward returned" in result.stderr
    assert result.stderr.endswith("1 problem found (compute).\n")
    assert not (project / "output").exists()


def test_quiet_check_prints_nothing_when_all_is_well(project: Path) -> None:
    result = run_cli("check", "--root", project, "--date", "2026-11-28", "--quiet")
    assert (result.exit_code, result.stderr) == (0, "")
