"""The compute stage in a build: a formula that disagrees with its reference implementation fails the build."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from site_builder.compute import limits

from ..conftest import run_cli, tree_digest

TOPIC = "content/topics/perplexity.yaml"
PROBLEM = "content/problems/batch-norm-forward.yaml"
GOOD_PP = r"2^{-\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)}"
SEED_PP = r"2^{-\frac{1}{N}\sum_{i=1}^{N} p(x_i)}"  # the seed's formula: the log dropped


def _published(project: Path) -> dict[str, str]:
    assert run_cli("--root", project, "--date", "2026-11-26").exit_code == 0
    return tree_digest(project / "output")


def _replace(project: Path, relative: str, old: str, new: str) -> int:
    """Replace ``old`` once; return the 1-based line and column where ``new`` starts."""
    path = project / relative
    text = path.read_text()
    assert old in text, old
    text = text.replace(old, new, 1)
    path.write_text(text)
    before = text[: text.index(new)]
    return before.count("\n") + 1


def test_the_seeds_broken_formula_fails_the_build_with_file_line_inputs_and_values(project: Path) -> None:
    before = _published(project)
    line = _replace(project, TOPIC, GOOD_PP, SEED_PP)
    result = run_cli("--root", project, "--date", "2026-11-26")
    assert result.exit_code == 2
    p = [0.25, 0.5, 0.125, 0.5]
    obtained, expected = 2 ** -(sum(p) / 4), 2 ** -(sum(math.log2(q) for q in p) / 4)
    assert result.stderr.splitlines()[1:] == [
        f"{TOPIC}:{line}:12: formulas[1].latex: formula 'perplexity' "
        rf"`\mathrm{{PP}}(M) = {SEED_PP}` disagrees with perplexity.perplexity_steps on the worked example "
        f"'sentence': the formula gives {obtained!r}, but 'perplexity' is {expected!r} (rtol 1e-09); "
        f"with N = n_tokens = 4, p = probabilities = {p!r}",
        "1 problem found (compute).",
    ]
    assert tree_digest(project / "output") == before, "a failed build leaves the published output untouched"


BN_OUTPUT = r"y_i = \gamma \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta"
BN_RUNNING_VAR = r"\hat{\sigma}^2 \leftarrow (1 - \alpha)\,\hat{\sigma}^2 + \alpha\,\frac{m}{m-1}\,\sigma_B^2"


@pytest.mark.parametrize(
    ("index", "formula_id", "latex", "wrong", "symbols", "wrong_symbols"),
    [
        (
            2,
            "output",
            BN_OUTPUT,
            r"y_i = \gamma \frac{x_i - \mu_B}{\sqrt{\sigma_B^2}} + \beta",  # no epsilon
            ", epsilon: eps}",
            "}",
        ),
        (2, "output", BN_OUTPUT, r"y_i = \gamma \frac{x_i - \mu_B}{\sigma_B^2 + \epsilon} + \beta", "", ""),  # no root
        (
            4,
            "running-var",
            BN_RUNNING_VAR,
            r"\hat{\sigma}^2 \leftarrow (1 - \alpha)\,\hat{\sigma}^2 + \alpha\,\sigma_B^2",  # biased variance
            "alpha: momentum, m: batch_size, sigma_B^2",
            "alpha: momentum, sigma_B^2",
        ),
    ],
)
def test_wrong_batch_norm_formulas_fail_the_build(
    project: Path, index: int, formula_id: str, latex: str, wrong: str, symbols: str, wrong_symbols: str
) -> None:
    line = _replace(project, PROBLEM, latex, wrong)
    if symbols:
        _replace(project, PROBLEM, symbols, wrong_symbols)
    result = run_cli("--root", project, "--date", "2026-11-26")
    assert result.exit_code == 2
    problems = result.stderr.splitlines()[1:]
    assert problems[-1] == "1 problem found (compute)."
    assert problems[0].startswith(
        f"{PROBLEM}:{line}:12: formulas[{index}].latex: formula {formula_id!r} `{wrong}` disagrees with "
        "batchnorm.batch_norm_steps on the worked example 'minibatch': the formula gives "
    )


def test_an_unbound_symbol_points_at_the_verify_block(project: Path) -> None:
    line = _replace(
        project, TOPIC, "symbols: {N: n_tokens, p: probabilities}", "symbols: {N: n_tokens, q: probabilities}"
    )
    result = run_cli("--root", project, "--date", "2026-11-26")
    assert result.exit_code == 2
    assert (
        f"{TOPIC}:{line}:16: formulas[0].verify.symbols: formula 'cross-entropy' "
        r"`H(M) = -\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)` has the function p(...), which verify.symbols does not bind "
        "(bound: N, q)"
    ) in result.stderr


def test_random_inputs_that_break_the_reference_ask_for_a_sampler(project: Path) -> None:
    module = project / "computed/perplexity.py"
    text = module.read_text()
    module.write_text(text[: text.index("\n\ndef sample_perplexity_steps")] + "\n")
    _replace(
        project,
        TOPIC,
        "probabilities: [0.25, 0.5, 0.125, 0.5]\n    labels:",
        "probabilities: [1.0, 1.0, 1.0, 1.0]\n    labels:",
    )
    result = run_cli("--root", project, "--date", "2026-11-26")
    assert result.exit_code == 2
    assert (
        "perplexity.perplexity_steps raised ValueError: every probability must lie in (0, 1] on inputs" in result.stderr
    )
    assert "(define sample_perplexity_steps(rng) in computed/perplexity.py to draw valid inputs)" in result.stderr


HANGING_MODULE = '''"""A reference implementation that never returns."""


def steps(*args, **inputs):
    count = 0
    while True:
        count += 1
'''


@pytest.mark.parametrize("kind", ["example", "plot"])
def test_a_computation_that_never_returns_fails_the_build_after_the_limit(
    project: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    before = _published(project)
    (project / "computed/hanging.py").write_text(HANGING_MODULE)
    if kind == "example":
        _replace(project, TOPIC, "function: perplexity.perplexity_steps", "function: hanging.steps")
    else:
        _replace(project, PROBLEM, "function: figures.batch_norm_distributions", "function: hanging.steps")
    monkeypatch.setenv(limits.SECONDS_VARIABLE, "0.5")
    result = run_cli("--root", project, "--date", "2026-11-26")
    assert result.exit_code == 2, result.stderr
    assert "hanging.steps raised ComputationTimeout: still running after 0.5 s" in result.stderr
    assert f"(set {limits.SECONDS_VARIABLE} for a longer limit) at computed/hanging.py:" in result.stderr
    assert tree_digest(project / "output") == before
