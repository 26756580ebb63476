"""Loading content: bad input is reported with file, line, column and field, all at once, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.content.load import load_content
from site_builder.errors import ContentError

from ..conftest import edit_file, line_of, run_cli, tree_digest

TOPIC = "content/topics/perplexity.yaml"


@pytest.fixture
def published(project: Path) -> tuple[Path, dict[str, str]]:
    """The project built once, with a digest of its output to compare against after a failed build."""
    assert run_cli("--root", project, "--date", "2026-11-28").exit_code == 0
    return project, tree_digest(project / "output")


def _fails_cleanly(project: Path, before: dict[str, str]) -> str:
    result = run_cli("--root", project, "--date", "2026-11-28")
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(project / "output") == before, "a failed build must leave output/ untouched"
    return result.stderr


def test_broken_yaml_names_file_line_and_column(published: tuple[Path, dict[str, str]]) -> None:
    project, before = published
    edit_file(project, TOPIC, "title: Perplexity", "title: [Perplexity")
    line = line_of(project, TOPIC, "title: [Perplexity")
    stderr = _fails_cleanly(project, before)
    assert f"{TOPIC}:{line + 1}:" in stderr and "YAML syntax" in stderr


def test_wrong_type_names_the_field(published: tuple[Path, dict[str, str]]) -> None:
    project, before = published
    edit_file(project, "content/problems/batch-norm-forward.yaml", "difficulty: Hard", "difficulty: 3")
    stderr = _fails_cleanly(project, before)
    assert stderr.splitlines() == [
        "content/problems/batch-norm-forward.yaml:3:13: difficulty: Input should be 'Easy', 'Medium' or 'Hard' (got 3)",
        "1 problem found (content).",
    ]


def test_unknown_key_gets_a_did_you_mean_hint(published: tuple[Path, dict[str, str]]) -> None:
    project, before = published
    edit_file(project, TOPIC, "chapter: Evaluation", "chaptr: Evaluation")
    stderr = _fails_cleanly(project, before)
    assert f"{TOPIC}:3:1: chaptr: unknown field (did you mean 'chapter'?)" in stderr
    assert f"{TOPIC}:1:1: chapter: required field is missing" in stderr


def test_all_problems_are_reported_at_once(published: tuple[Path, dict[str, str]]) -> None:
    project, before = published
    edit_file(project, TOPIC, "title: Perplexity", "titel: Perplexity")
    edit_file(project, "content/issues/2026-11-26.yaml", "topic: perplexity", "topic: perplexiti")
    edit_file(project, "content/features/implementation-walkthroughs.yaml", "tags: [python, learning]", "tags: python")
    stderr = _fails_cleanly(project, before)
    assert f"{TOPIC}:2:1: titel: unknown field (did you mean 'title'?)" in stderr
    assert (
        "content/issues/2026-11-26.yaml:2:8: topic: 'perplexiti' does not exist (no content/topics/perplexiti.yaml)"
        in stderr
    )
    assert "content/features/implementation-walkthroughs.yaml:5:7: tags: Input should be a valid list" in stderr
    assert "problems found (content)." in stderr


def test_dangling_reference_suggests_the_close_id(project: Path) -> None:
    edit_file(project, "content/issues/2026-11-26.yaml", "problem: batch-norm-forward", "problem: batch-norm-forwrd")
    with pytest.raises(ContentError) as info:
        load_content(project)
    assert [str(p) for p in info.value.problems] == [
        "content/issues/2026-11-26.yaml:3:10: problem: 'batch-norm-forwrd' does not exist (did you mean 'batch-norm-forward'?)"
    ]


def test_id_must_match_file_name(project: Path) -> None:
    edit_file(project, TOPIC, "id: perplexity", "id: perplexity-two")
    with pytest.raises(ContentError) as info:
        load_content(project)
    assert "id 'perplexity-two' does not match the file name 'perplexity.yaml'" in info.value.summary()


def test_issue_date_must_match_file_name_and_be_a_real_day(project: Path) -> None:
    edit_file(project, "content/issues/2026-11-26.yaml", "date: 2026-11-26", "date: 2026-02-30")
    with pytest.raises(ContentError) as info:
        load_content(project)
    assert "content/issues/2026-11-26.yaml:1:7: date: Input should be a valid date" in info.value.summary()


def test_unknown_directive_target_is_located_inside_the_body(project: Path) -> None:
    edit_file(project, TOPIC, "```{example} sentence", "```{example} sentense")
    line = line_of(project, TOPIC, "```{example} sentense")
    with pytest.raises(ContentError) as info:
        load_content(project)
    assert [str(p) for p in info.value.problems] == [
        f"{TOPIC}:{line}:7: sections[2].body: {{example}} 'sentense' does not exist (did you mean 'sentence'?)"
    ]


def test_non_finite_inputs_are_rejected(project: Path) -> None:
    edit_file(project, TOPIC, "probabilities: [0.25, 0.5, 0.125, 0.5]", "probabilities: [0.25, .nan, 0.125, 0.5]")
    with pytest.raises(ContentError) as info:
        load_content(project)
    assert "examples[0].inputs.probabilities: Value error, [1] is nan; numbers must be finite" in info.value.summary()


def test_missing_function_is_a_located_error(published: tuple[Path, dict[str, str]]) -> None:
    project, before = published
    edit_file(project, TOPIC, "function: perplexity.perplexity_steps", "function: perplexity.perplexity_stepz")
    line = line_of(project, TOPIC, "perplexity_stepz")
    stderr = _fails_cleanly(project, before)
    assert (
        f"{TOPIC}:{line}:15: examples[0].function: computed/perplexity.py has no function 'perplexity_stepz'" in stderr
    )


def test_a_choice_in_the_wrong_case_gets_the_right_spelling(project: Path) -> None:
    edit_file(project, "content/problems/batch-norm-forward.yaml", "difficulty: Hard", "difficulty: hard")
    with pytest.raises(ContentError) as info:
        load_content(project)
    assert [str(p) for p in info.value.problems] == [
        "content/problems/batch-norm-forward.yaml:3:13: difficulty: Input should be 'Easy', 'Medium' or 'Hard'"
        " (got 'hard') (did you mean 'Hard'?)"
    ]


def test_what_editors_leave_beside_content_files_is_not_a_problem(project: Path) -> None:
    topics = project / "content/topics"
    for name in (".DS_Store", ".perplexity.yaml.swp", "perplexity.yaml~", "#perplexity.yaml#", "4913"):
        (topics / name).write_text("not: [yaml\n")
    (project / "content/.git").mkdir()
    (project / "content/.git/HEAD").write_text("ref: refs/heads/main\n")
    assert len(load_content(project).entries) == 9


def test_every_file_the_loader_does_not_read_is_reported_at_once(project: Path) -> None:
    for relative in ("issues/2026/2026-11-30.yaml", "topic/a.yaml", "topic/b.yaml", "features/x.json", "notes.md"):
        (project / "content" / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / "content" / relative).write_text("id: a\n")
    with pytest.raises(ContentError) as info:
        load_content(project)
    assert [p.path for p in info.value.problems] == [
        "content/features/x.json",
        "content/issues/2026/2026-11-30.yaml",
        "content/notes.md",
        "content/topic/",
    ]
    assert "not read (2 files): build-site reads no folder content/topic/" in str(info.value)
