"""The formula checker's verdict: how values are bound, how many random trials run, and what a failure says."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from site_builder.compute import formulas as verify


def _double(x: Any, scale: float = 2.0, **others: Any) -> dict[str, Any]:
    return {"y": (np.asarray(x, dtype=float) * scale).tolist()}


def _reference(
    function: Callable[..., Mapping[str, Any]] = _double,
    sampler: Callable[[np.random.Generator], Mapping[str, Any]] | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> verify.Reference:
    inputs = {"x": [1.0, 2.0]} if inputs is None else inputs
    return verify.Reference(function, "toy.double", "e", inputs, function(**inputs), sampler, lambda v: v)


def _check(latex: str, reference: verify.Reference, trials: int = 3, symbols: Mapping[str, str] | None = None) -> Any:
    symbols = {"x": "x", "s": "scale"} if symbols is None else symbols
    return verify.check_formula("f", latex, symbols, "y", 1e-9, trials, reference, seed=5)


@pytest.mark.parametrize("trials", [0, 1, 3])
def test_the_reference_runs_once_per_random_trial(trials: int) -> None:
    seen: list[list[float]] = []

    def counted(x: Any, scale: float = 2.0) -> dict[str, Any]:
        seen.append(list(x))
        return _double(x, scale)

    reference = _reference(counted)
    seen.clear()
    check = _check(r"y = s x", reference, trials)
    assert (check.trials, len(seen)) == (trials, trials)
    # Without a sampler every float input is perturbed, each trial differently, within a factor 0.5 to 1.5.
    assert len({tuple(x) for x in seen}) == trials
    assert all(0.5 <= a / 1.0 <= 1.5 and 0.5 <= b / 2.0 <= 1.5 for a, b in seen)


def test_a_sampler_draws_the_inputs_of_each_trial() -> None:
    drawn: list[float] = []

    def sampler(rng: np.random.Generator) -> dict[str, Any]:
        drawn.append(float(rng.uniform(10.0, 20.0)))
        return {"x": [drawn[-1], -drawn[-1]]}

    assert _check(r"y = s x", _reference(sampler=sampler), trials=4).trials == 4
    assert len(drawn) == 4 and len(set(drawn)) == 4 and all(10.0 <= d <= 20.0 for d in drawn)


@pytest.mark.parametrize(
    ("sampler", "how"),
    [
        (None, "define sample_double(rng) in computed/toy.py to draw valid inputs"),
        (lambda rng: {"x": [-1.0, 3.0]}, "sample_double drew them"),
    ],
)
def test_a_reference_that_fails_on_a_random_trial_is_named_with_the_trial(sampler: Any, how: str) -> None:
    calls = []

    def fragile(x: Any, scale: float = 2.0) -> dict[str, Any]:
        calls.append(1)
        if len(calls) == 3:  # the example, then trial 1 pass; trial 2 fails
            raise ValueError("boom")
        return _double(x, scale)

    reference = _reference(fragile, sampler)
    with pytest.raises(verify.FormulaError) as info:
        _check(r"y = s x", reference, trials=3)
    message = str(info.value)
    assert message.startswith("random trial 2 of 3: toy.double raised ValueError: boom on inputs {'x': [")
    assert message.endswith(f"]}} ({how})")
    assert info.value.field == ("verify",)


def test_bound_values_must_be_numbers_unless_compared_with_text() -> None:
    assert verify.bind({"r": "mode"}, {"mode": "mean"}, {}, frozenset({"r"})) == {"r": "mean"}
    bound = verify.bind({"n": "n", "x": "xs", "r": "mode"}, {"n": 3, "mode": 2.5}, {"xs": [[1, 2]]}, frozenset({"r"}))
    assert bound["n"] == 3 and type(bound["n"]) is int and bound["r"] == 2.5
    assert isinstance(bound["x"], np.ndarray) and bound["x"].dtype == float and bound["x"].tolist() == [[1.0, 2.0]]
    # An input shadows an output of the same name.
    assert verify.bind({"x": "x"}, {"x": 1.0}, {"x": 2.0}) == {"x": 1.0}


@pytest.mark.parametrize(
    ("value", "text_keys", "message"),
    [
        ("mean", frozenset(), "binds 'r' to 'mode' = 'mean', which is not a number"),
        (True, frozenset({"r"}), "binds 'r' to 'mode' = True, which is not a number"),
        (None, frozenset(), "binds 'r' to 'mode' = None, which is not a number"),
        (
            [[1.0], [2.0, 3.0]],
            frozenset(),
            "binds 'r' to 'mode', which is not a number or a rectangular array of numbers",
        ),
        (["a", "b"], frozenset({"r"}), "binds 'r' to 'mode', which is not a number or a rectangular array of numbers"),
    ],
)
def test_a_value_that_is_not_a_number_is_refused_at_its_symbol(
    value: Any, text_keys: frozenset[str], message: str
) -> None:
    with pytest.raises(verify.FormulaError) as info:
        verify.bind({"r": "mode"}, {"mode": value}, {}, text_keys)
    assert (str(info.value), info.value.field) == (message, ("verify", "symbols", "r"))


def test_an_unknown_value_name_lists_the_known_ones() -> None:
    with pytest.raises(verify.FormulaError) as info:
        verify.bind({"r": "nope"}, {"a": 1, "b": 2}, {"y": 3})
    assert str(info.value) == "binds 'r' to 'nope', which is neither an input nor an output (known: a, b, y)"
    assert info.value.field == ("verify", "symbols", "r")


def test_a_reference_whose_signature_cannot_be_read_has_no_defaults() -> None:
    assert verify.function_defaults(_double) == {"scale": 2.0}
    assert verify.function_defaults(len) == {}
    # The defaults are bound like inputs: s reads scale although the example leaves it out.
    assert _check(r"y = s x", _reference()).trials == 3


def _disagreement(latex: str, inputs: Mapping[str, Any], symbols: Mapping[str, str]) -> str:
    with pytest.raises(verify.FormulaError) as info:
        _check(latex, _reference(inputs=inputs), trials=0, symbols=symbols)
    return str(info.value)


def test_a_disagreement_says_where_the_values_differ_most() -> None:
    message = _disagreement(
        r"y = s x + w", {"x": [1.0, 2.0, 3.0], "w": [0.0, 0.5, 0.0]}, {"x": "x", "s": "scale", "w": "w"}
    )
    assert message == (
        "disagrees with toy.double on the worked example 'e': the formula gives [2.0, 4.5, 6.0], but 'y' is "
        "[2.0, 4.0, 6.0]; they differ most at [1]: 4.5 instead of 4.0 (rtol 1e-09); "
        "with x = [1.0, 2.0, 3.0], s = scale = 2.0, w = [0.0, 0.5, 0.0]"
    )


def test_a_disagreement_names_a_wrong_shape_or_non_finite_values() -> None:
    inputs = {"x": [1.0, 2.0], "z": [0.0, 0.0]}
    symbols = {"x": "x", "z": "z"}
    assert "but 'y' is [2.0, 4.0] (the formula gives non-finite values) (rtol" in _disagreement(
        r"y = x / z", inputs, symbols
    )
    scalar = _disagreement(r"y = 3", inputs, {})
    assert scalar.startswith(
        "disagrees with toy.double on the worked example 'e': the formula gives 3.0, but 'y' is [2.0, 4.0] (shape () instead of (2,)) (rtol 1e-09); with "
    )


def test_each_expression_of_a_chain_must_agree() -> None:
    inputs = {"x": [1.0, 2.0]}
    second = _disagreement(r"y = 2 x = x + x + 1", inputs, {"x": "x"})
    assert second.startswith("disagrees with toy.double on the worked example 'e' (expression 2 of its chain of =): ")
    first = _disagreement(r"y = x = 2 x", inputs, {"x": "x"})
    assert first.startswith("disagrees with toy.double on the worked example 'e' (expression 1 of its chain of =): ")
    third = _disagreement(r"y = 2 x = x + x = 3 x", inputs, {"x": "x"})
    assert "(expression 3 of its chain of =)" in third


def test_a_formula_that_cannot_be_evaluated_says_why() -> None:
    message = _disagreement(r"y = x + z", {"x": [1.0, 2.0], "z": [1.0, 2.0, 3.0]}, {"x": "x", "z": "z"})
    assert message.startswith(
        "cannot be evaluated on the worked example 'e': ValueError: operands could not be broadcast"
    )
    assert message.endswith("; with x = [1.0, 2.0], z = [1.0, 2.0, 3.0]")


@pytest.mark.parametrize(("tens", "ones", "whole"), [(5, 26, True), (1, 31, False)])
def test_long_values_are_cut_to_160_characters(tens: int, ones: int, whole: bool) -> None:
    x = [10.0] * tens + [1.0] * ones
    text = repr(x)
    # "10.0" and "1.0" with ", " between them and brackets around: 6 per ten and 5 per one.
    assert len(text) == 6 * tens + 5 * ones == (160 if whole else 161)
    message = _disagreement(r"y = x", {"x": x}, {"x": "x"})
    shown = message.split("; with x = ", 1)[1]
    assert shown == (text if whole else text[:157] + "...")


def test_random_inputs_are_perturbed_both_ways_and_the_same_for_the_same_seed() -> None:
    def drawn(seed: int) -> list[float]:
        seen: list[float] = []

        def counted(x: Any, scale: float = 2.0, **others: Any) -> dict[str, Any]:
            seen.extend(x)
            return _double(x, scale)

        reference = _reference(counted, inputs={"x": [1.0] * 20})
        seen.clear()
        verify.check_formula("f", r"y = s x", {"x": "x", "s": "scale"}, "y", 1e-9, 3, reference, seed=seed)
        return seen

    first = drawn(5)
    assert min(first) < 0.9 and max(first) > 1.1
    assert drawn(5) == first and drawn(6) != first


def test_a_division_by_zero_in_a_formula_gives_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        message = _disagreement(r"y = x / z", {"x": [1.0, 2.0], "z": [0.0, 0.0]}, {"x": "x", "z": "z"})
    assert "(the formula gives non-finite values)" in message


def test_an_expected_value_that_is_not_a_number_gets_no_remark() -> None:
    def words(x: Any, **others: Any) -> dict[str, Any]:
        return {"y": ["a", "b"]}

    with pytest.raises(verify.FormulaError) as info:
        _check(r"y = x", _reference(words), trials=0, symbols={"x": "x"})
    assert str(info.value) == (
        "disagrees with toy.double on the worked example 'e': the formula gives [1.0, 2.0], but 'y' is "
        "['a', 'b'] (rtol 1e-09); with x = [1.0, 2.0]"
    )


def test_a_symbol_compared_with_quoted_text_is_bound_to_its_text() -> None:
    def reduce(x: Any, mode: str = "sum", **others: Any) -> dict[str, Any]:
        return {"y": sum(x) if mode == "sum" else sum(x) / len(x)}

    latex = r"y = \begin{cases} \sum_{i=1}^{2} x_i & \text{if } r = \text{`sum'} \\ \frac{1}{2} \sum_{i=1}^{2} x_i & \text{otherwise} \end{cases}"
    for mode, value in (("sum", 3.0), ("mean", 1.5)):
        reference = _reference(reduce, inputs={"x": [1.0, 2.0], "mode": mode})
        assert reference.outputs == {"y": value}
        assert _check(latex, reference, trials=0, symbols={"x": "x", "r": "mode"}).trials == 0
