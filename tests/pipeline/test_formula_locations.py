"""Every formula error an author can fix names the YAML file, line and column of the field to edit.

Each case edits the first formula of the bundled perplexity topic, builds, and expects one problem at
the position of the field's value in the file, found here by searching the edited text.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ..conftest import copy_project, run_cli

TOPIC = "content/topics/perplexity.yaml"
LATEX = r"'H(M) = -\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)'"
SYMBOLS = "symbols: {N: n_tokens, p: probabilities}"
DATE = "2026-11-28"

CASES = [
    # (id, latex, symbols line, output line, field, text whose first character is the expected position, message)
    ("parse", r"'H = -\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i) +'", SYMBOLS, None, "latex", "'H = ", "cannot be parsed"),
    ("relations", r"'H = p_i \leftarrow N'", SYMBOLS, None, "latex", "'H = ", "mixes = and \\leftarrow"),
    ("unverifiable", r"'\textbf{return} \: N'", SYMBOLS, None, "latex", "'\\textbf", "cannot be verified: an algor"),
    ("gradient", r"'H = \nabla p_i + N'", SYMBOLS, None, "latex", "'H = ", "cannot be verified: a gradient"),
    ("unknown-command", r"'H = \oint p_i + N'", SYMBOLS, None, "latex", "'H = ", "uses \\oint, which the formula"),
    ("disagrees", r"'H = -\frac{1}{N}\sum_{i=1}^{N} p(x_i)'", SYMBOLS, None, "latex", "'H = ", "disagrees with"),
    ("evaluation", r"'H = \sum_{i=1}^{N+1} p(x_i)'", SYMBOLS, None, "latex", "'H = ", "cannot be evaluated"),
    ("unbound", LATEX.replace("x_i)'", "x_i) + q'"), SYMBOLS, None, "verify.symbols", "{N: ", "has the symbol q,"),
    (
        "unused",
        LATEX,
        "symbols: {N: n_tokens, p: probabilities, q: n_tokens}",
        None,
        "verify.symbols.q",
        "n_tokens}",
        "binds 'q', but no symbol 'q' appears",
    ),
    (
        "unknown-value",
        LATEX.replace("x_i)'", "x_i) + q'"),
        "symbols: {N: n_tokens, p: probabilities, q: nope}",
        None,
        "verify.symbols.q",
        "nope}",
        "binds 'q' to 'nope', which is neither an input nor an output",
    ),
    (
        "twice",
        LATEX,
        r"symbols: {N: n_tokens, p: probabilities, \N: n_tokens}",
        None,
        "verify.symbols.\\N",
        "n_tokens}",
        "binds 'N' twice",
    ),
    (
        "unknown-output",
        LATEX,
        SYMBOLS,
        "output: entropy",
        "verify.output",
        "entropy",
        "perplexity.perplexity_steps has no output 'entropy'",
    ),
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("locations") / "project")


def _position(text: str, marker: str, after_line: int) -> tuple[int, int]:
    """1-based line and column of the first ``marker`` on or after line ``after_line``."""
    lines = text.splitlines()
    for number in range(after_line, len(lines) + 1):
        column = lines[number - 1].find(marker)
        if column >= 0:
            return number, column + 1
    raise AssertionError(f"{marker!r} not found")


@pytest.mark.parametrize(
    ("latex", "symbols", "output", "field", "marker", "message"), [pytest.param(*c[1:], id=c[0]) for c in CASES]
)
def test_a_formula_error_names_the_file_line_and_column_of_its_field(
    pristine: Path,
    tmp_path: Path,
    latex: str,
    symbols: str,
    output: str | None,
    field: str,
    marker: str,
    message: str,
) -> None:
    root = tmp_path / "project"
    shutil.copytree(pristine, root)
    path = root / TOPIC
    text = path.read_text(encoding="utf-8")
    assert text.count(LATEX) == 1 and text.count(SYMBOLS) == 3
    text = text.replace(LATEX, latex, 1).replace(SYMBOLS, symbols, 1)
    if output:
        text = text.replace("output: cross_entropy_bits", output, 1)
    path.write_text(text, encoding="utf-8")
    first_formula = text.splitlines().index("  - id: cross-entropy") + 1
    marker_line = "latex:" if field == "latex" else ("output:" if field == "verify.output" else "symbols:")
    line, _ = _position(text, marker_line, first_formula)
    _, column = _position(text, marker, line)

    result = run_cli("--root", root, "--date", DATE, "-q")

    assert result.exit_code == 2, result.stderr
    problems = result.stderr.splitlines()
    assert problems[-1] == "1 problem found (compute)."
    assert problems[0].startswith(f"{TOPIC}:{line}:{column}: formulas[0].{field}: formula 'cross-entropy' `")
    assert message in problems[0]
