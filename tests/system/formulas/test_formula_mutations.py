"""Never a false pass: every mutant of every verified corpus formula must be rejected by the checker."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from site_builder.compute import formulas as verify

from .formula_corpus import CORPUS, FAMILIES, Bound, statements
from .formula_mutations import equivalent, mutants, symbols_used
from .test_formula_corpus import RTOL, TRIALS, reference

BN = {"x": "x", "mu_B": "mean", "sigma_B^2": "variance", "gamma": "gamma", "beta": "beta", "epsilon": "eps"}


def test_mutants_of_a_small_formula_are_the_edits_listed() -> None:
    found = {(m.kind, m.latex) for m in mutants(r"y = \frac{a - 2 b}{\log c}", {"a": "a", "b": "b", "c": "c"})}
    assert found == {
        ("sign", r"y = \frac{a + 2 b}{\log c}"),
        ("drop", r"y = \frac{a }{\log c}"),
        ("swap", r"y = \frac{2 b - a}{\log c}"),
        ("drop", r"y = \frac{a - 2 }{\log c}"),
        ("constant", r"y = \frac{a - 3 b}{\log c}"),
        ("swap", r"y = \frac{\log c}{a - 2 b}"),
        ("log-base", r"y = \frac{a - 2 b}{\log_2 c}"),
    }


def test_commutative_operands_are_never_swapped() -> None:
    kinds = Counter(m.kind for m in mutants(r"y = a + b \cdot \max(c, d)", {k: k for k in "abcd"}))
    assert kinds["swap"] == 0


def test_the_equivalence_screen_tells_equal_from_different() -> None:
    example = {"a": [1.0, 2.0], "b": [3.0, -1.0]}
    symbols = {"a": "a", "b": "b"}
    assert equivalent(r"y = a + b", r"y = b + a", symbols, example)
    assert equivalent(r"y = \frac{a}{2}", r"y = 0.5 a", symbols | {}, example) is False  # b unused: not comparable
    assert not equivalent(r"y = a - b", r"y = b - a", symbols, example)
    assert not equivalent(r"y = \max(a, b)", r"y = \max(a, b) + 10^{-6}", symbols, example)


def _corpus_formulas() -> list[tuple[str, str, Bound]]:
    found = []
    for source, expectations in CORPUS.items():
        for latex, expectation in zip(statements(source)[0], expectations, strict=True):
            if isinstance(expectation, Bound):
                found.append((source, latex, expectation))
    return found


def test_every_mutant_of_every_corpus_formula_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    generated: Counter[str] = Counter()
    killed: Counter[str] = Counter()
    excluded: list[str] = []
    survivors: list[str] = []
    how: Counter[str] = Counter()
    for source, latex, bound in _corpus_formulas():
        ref = reference(bound.family)
        example = {**ref.inputs, **ref.outputs}
        for mutant in mutants(latex, bound.symbols):
            symbols = symbols_used(mutant.latex, bound.symbols)
            if equivalent(latex, mutant.latex, bound.symbols, example):
                excluded.append(f"{source} {mutant.kind} ({mutant.edit}): equal to the original on 50 wide draws")
                continue
            generated[mutant.kind] += 1
            try:
                verify.check_formula("mutant", mutant.latex, symbols, bound.output, RTOL, TRIALS, ref, seed=1)
            except verify.FormulaError as exc:
                killed[mutant.kind] += 1
                how["disagrees" if str(exc).startswith("disagrees") else str(exc).split(":")[0][:60]] += 1
                continue
            survivors.append(f"{source} {mutant.kind} ({mutant.edit}): {mutant.latex}")
    total, dead = sum(generated.values()), sum(killed.values())
    with capsys.disabled():
        print(f"\nmutation kill rate: {dead}/{total} = {dead / total:.1%} over {len(_corpus_formulas())} formulas")
        for kind in sorted(generated):
            print(f"  {kind}: {killed[kind]}/{generated[kind]} killed")
        for reason, count in how.most_common():
            print(f"  killed: {count} with {reason!r}")
        for line in excluded:
            print(f"  excluded as equivalent: {line}")
    assert not survivors, "mutants the checker passed:\n" + "\n".join(survivors)
    assert total >= 5 * len(_corpus_formulas())
    assert set(generated) == {"sign", "drop", "swap", "constant", "log-base", "comparison"}


def test_the_references_the_mutants_are_checked_against_are_the_corpus_ones() -> None:
    for _, _, bound in _corpus_formulas():
        assert bound.family in FAMILIES
        assert np.isfinite(np.asarray(reference(bound.family).outputs[bound.output], dtype=float)).all()
