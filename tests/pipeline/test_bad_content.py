"""The bad-input corpus: each case in ``tests/bad_content/`` breaks a published project in one way.

A case is a folder holding ``case.yaml`` and, optionally, ``files/``:

- ``files/`` is laid over a copy of the bundled project (new or replaced files,
  byte for byte: encodings, tabs and binary data are kept);
- ``case.yaml`` says ``why``, and may list ``edits`` (``file``, ``old``, ``new``:
  replace text in a project file) and ``delete`` (project files to remove); then
  the expected ``exit`` status and ``stderr``, the exact lines the build prints
  with ``-q``. In them ``{line}`` is the line where the first edit's new text
  starts (``{line+1}`` the one after), and ``...`` stands for any text. ``xfail`` marks a
  case whose check is not implemented yet, with the reason.

Every case must fail with that message, name a file and line, and leave the
previously published site byte for byte as it was, with nothing left beside it.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from ..conftest import eject_theme, run_cli, sweep, tree_digest
from .conftest import copy_published

CORPUS = Path(__file__).parent.parent / "bad_content"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
DATE = "2026-11-28"
FAST = {
    "01-yaml-unclosed-bracket",
    "11-binary-file",
    "18-unknown-field",
    "19-missing-required-field",
    "24-dangling-directive-target",
    "36-computation-raises",
    "44-formula-disagrees",
    "46-broken-internal-link",
    "50-template-syntax-error",
    "54-template-breaks-the-feed",
    "63-formula-the-email-cannot-draw",
    "66-value-with-a-bad-format",
}
"""The cases the fast lane runs, one of each kind of bad input (YAML, fields, references, computations, formulas,
links, templates, the email); the whole suite runs them all."""


def _spec(case: Path) -> dict[str, Any]:
    return yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))


def _params() -> list[Any]:
    params = []
    for case in CASES:
        reason = _spec(case).get("xfail")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


@pytest.fixture
def published_project(built_site: Path) -> Path:
    """The bundled project, published once (as of DATE); each case starts from a copy of it."""
    return built_site.parent


def apply_case(case: Path, root: Path) -> int:
    """Break the project at ``root`` as ``case`` says; return the line of the first edit (0 without edits)."""
    spec = _spec(case)
    if (case / "files").is_dir():
        shutil.copytree(case / "files", root, dirs_exist_ok=True)
    first_line = 0
    for edit in spec.get("edits", []):
        path = root / edit["file"]
        if edit["file"].startswith("templates/") and not path.exists():  # edit the project's copy of the theme's
            eject_theme(root, edit["file"].removeprefix("templates/"))
        text = path.read_text(encoding="utf-8")
        assert text.count(edit["old"]) == 1, f"{case.name}: {edit['old']!r} must occur once in {edit['file']}"
        before, after = text.split(edit["old"])
        path.write_text(before + edit["new"] + after, encoding="utf-8")
        first_line = first_line or before.count("\n") + 1
    for name in spec.get("delete", []):
        (root / name).unlink()
    return first_line


def _matches(actual: list[str], expected: list[str]) -> bool:
    """Line for line equal, where ``...`` in an expected line stands for any text."""
    patterns = [re.compile(".*".join(map(re.escape, line.split("...")))) for line in expected]
    return len(actual) == len(patterns) and all(p.fullmatch(a) for p, a in zip(patterns, actual, strict=True))


def test_the_corpus_covers_at_least_thirty_kinds_of_bad_input() -> None:
    assert len(CASES) >= 30
    assert all(_spec(case).get("why") for case in CASES)


@pytest.mark.parametrize("case", sweep(_params(), fast=FAST))
def test_bad_input_fails_cleanly_and_leaves_the_site_untouched(
    case: Path, published_project: Path, tmp_path: Path
) -> None:
    spec = _spec(case)
    root = copy_published(published_project, tmp_path / "project")
    before = tree_digest(root / "output")
    line = apply_case(case, root)
    result = run_cli("--root", root, "--date", DATE, "-q")
    expected = [re.sub(r"\{line(?:\+(\d))?\}", lambda m: str(line + int(m.group(1) or 0)), t) for t in spec["stderr"]]
    assert _matches(result.stderr.splitlines(), expected), result.stderr
    assert result.exit_code == spec["exit"], result.stderr
    assert tree_digest(root / "output") == before, "the published site must stay byte for byte as it was"
    # No staging folder is left; the lock and the state folder (the previous tree, the records) stay.
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".output")) == [
        ".output-build.lock",
        ".output.build-state",
    ]


def test_template_errors_name_the_line_when_the_project_is_the_working_folder(
    published_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default --root is ".", which makes Jinja's file names relative.
    root = tmp_path / "project"
    shutil.copytree(published_project, root)
    line = apply_case(CORPUS / "51-template-undefined-variable", root)
    monkeypatch.chdir(root)
    result = run_cli("--date", DATE, "-q")
    assert (
        result.stderr.splitlines()[0]
        == f"templates/entry.html:{line + 1}:1: UndefinedError: 'no_such_variable' is undefined"
    )
