"""The checker on real notation: the formulas of the installed torch's own documentation (formula_corpus.py beside
this file).

Each statement is extracted from the docstring at test time. A bound statement is verified against its
numpy reference and against torch, and the numpy reference must agree with torch on the same inputs;
an unverifiable one must get exactly its reason; an unsupported one exactly its error.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import numpy as np
import pytest
import torch

from site_builder.compute import formulas as verify
from site_builder.compute.computer import to_plain

from .formula_corpus import (
    CORPUS,
    FAMILIES,
    SOURCES_WITHOUT_MATH,
    Bound,
    Unverifiable,
    attempted,
    math_blocks,
    statements,
)

log = logging.getLogger(__name__)
TRIALS = 20
RTOL = 1e-9
SHARE_REQUIRED = 0.9


def reference(family: str, *, with_torch: bool = False, seed: int = 0) -> verify.Reference:
    """The family's worked example (drawn with ``seed``) as a checker ``Reference``, numpy's or torch's."""
    spec = FAMILIES[family]
    function = spec.torch_fn if with_torch else spec.numpy_fn
    inputs = spec.sample(np.random.default_rng(seed))
    name = f"{family}.{'torch' if with_torch else 'numpy'}"
    outputs = to_plain(function(**inputs))
    return verify.Reference(function, name, "drawn", to_plain(inputs), outputs, spec.sample, to_plain)


def check(latex: str, bound: Bound, *, with_torch: bool = False) -> verify.FormulaCheck:
    ref = reference(bound.family, with_torch=with_torch)
    return verify.check_formula("corpus", latex, bound.symbols, bound.output, RTOL, TRIALS, ref, seed=1)


def _params() -> list[Any]:
    return [
        pytest.param(source, index, expectation, id=f"{source.removeprefix('torch.')}[{index}]")
        for source, expectations in CORPUS.items()
        for index, expectation in enumerate(expectations)
    ]


@pytest.mark.parametrize("source", list(CORPUS))
def test_the_corpus_lists_every_statement_torch_documents(source: str) -> None:
    found, _ = statements(source)
    assert len(found) == len(CORPUS[source]), (
        f"{source} documents {len(found)} statements, the corpus describes {len(CORPUS[source])}: {found}"
    )


@pytest.mark.parametrize(("source", "index", "expectation"), _params())
def test_each_statement_gets_the_outcome_the_corpus_expects(source: str, index: int, expectation: Any) -> None:
    latex = statements(source)[0][index]
    if isinstance(expectation, Bound):
        assert check(latex, expectation).output == expectation.output
        assert check(latex, expectation, with_torch=True).output == expectation.output
        return
    with pytest.raises(verify.FormulaError) as info:
        check(latex, attempted(expectation))
    if isinstance(expectation, Unverifiable):
        assert isinstance(info.value, verify.Unverifiable), str(info.value)
        assert info.value.reason.startswith(expectation.reason)
        assert str(info.value).startswith("cannot be verified: ")
    else:
        assert not isinstance(info.value, verify.Unverifiable)
        assert str(info.value).startswith(expectation.error), str(info.value)


@pytest.mark.parametrize("family", sorted({e.family for v in CORPUS.values() for e in v if isinstance(e, Bound)}))
def test_each_numpy_reference_agrees_with_torch(family: str) -> None:
    spec = FAMILIES[family]
    rng = np.random.default_rng(7)
    for _ in range(TRIALS):
        inputs = spec.sample(rng)
        ours, theirs = spec.numpy_fn(**inputs), spec.torch_fn(**inputs)
        assert spec.torch_exposes, f"{family}: the torch twin computes nothing with torch"
        for output in spec.torch_exposes:
            np.testing.assert_allclose(
                np.asarray(theirs[output], dtype=float), np.asarray(ours[output], dtype=float), rtol=1e-9, atol=1e-12
            )


def test_the_torch_twins_really_call_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """A twin that silently fell back on numpy would make the torch check vacuous: break torch, they must fail."""
    monkeypatch.setattr(torch.nn.functional, "softmax", lambda *a, **k: torch.zeros(8, dtype=torch.float64))
    spec = FAMILIES["softmax"]
    inputs = spec.sample(np.random.default_rng(0))
    assert not np.allclose(spec.torch_fn(**inputs)["y"], spec.numpy_fn(**inputs)["y"])


def _normalised(latex: str) -> str:
    return " ".join(latex.split()).rstrip(",.")


def test_every_example_in_the_notation_guide_is_a_verified_corpus_formula() -> None:
    verified = {
        _normalised(latex)
        for source, expectations in CORPUS.items()
        for latex, expectation in zip(statements(source)[0], expectations, strict=True)
        if isinstance(expectation, Bound)
    }
    torch_rows = [row for row in verify.GUIDE if row.corpus == "torch"]  # the others: tests/unit/compute/
    missing = [row.example for row in torch_rows if _normalised(row.example) not in verified]
    assert not missing, f"examples in formulas/notation.py that are not verified corpus formulas: {missing}"


def test_sources_named_without_math_have_none() -> None:
    for source in SOURCES_WITHOUT_MATH:
        module, _, name = source.rpartition(".")
        assert math_blocks(getattr(__import__(module, fromlist=[name]), name).__doc__ or "") == []


def corpus_figures() -> dict[str, Any]:
    """Extracted, verified, unverifiable (by reason) and unsupported statements, checked now."""
    counts: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    unsupported: list[str] = []
    layout = 0
    for source, expectations in CORPUS.items():
        found, skipped = statements(source)
        layout += skipped
        for latex, expectation in zip(found, expectations, strict=True):
            counts["extracted"] += 1
            try:
                check(latex, attempted(expectation))
                counts["verified"] += 1
            except verify.Unverifiable as exc:
                counts["unverifiable"] += 1
                reasons[exc.reason.split(":")[0]] += 1
            except verify.FormulaError as exc:
                counts["unsupported"] += 1
                unsupported.append(f"{source}: {exc}")
    numeric = counts["verified"] + counts["unsupported"]
    return {
        **counts,
        "layout_lines_skipped": layout,
        "reasons": dict(reasons),
        "unsupported_errors": unsupported,
        "share_of_numeric": counts["verified"] / numeric,
        "share_of_all": counts["verified"] / counts["extracted"],
    }


def test_the_corpus_figures(capsys: pytest.CaptureFixture[str]) -> None:
    figures = corpus_figures()
    with capsys.disabled():
        print(
            f"\nformula corpus: {figures['extracted']} statements extracted from torch {torch.__version__} "
            f"({figures['layout_lines_skipped']} layout lines skipped), {figures['verified']} verified, "
            f"{figures['unverifiable']} unverifiable, {figures['unsupported']} unsupported; "
            f"verified: {figures['share_of_numeric']:.0%} of the formulas with a numeric meaning, "
            f"{figures['share_of_all']:.0%} of all statements"
        )
        for reason, count in sorted(figures["reasons"].items()):
            print(f"  unverifiable x{count}: {reason}")
        for error in figures["unsupported_errors"]:
            print(f"  unsupported: {error}")
    expected = Counter(type(e).__name__ for v in CORPUS.values() for e in v)
    assert figures["verified"] == expected["Bound"]
    assert figures["unverifiable"] == expected["Unverifiable"]
    assert figures["unsupported"] == expected["Unsupported"]
    assert figures["share_of_numeric"] >= SHARE_REQUIRED
