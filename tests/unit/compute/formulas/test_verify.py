"""Verified formulas: LaTeX is parsed completely, evaluated, and must agree with the reference implementation."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from computed import batchnorm, perplexity
from site_builder.compute import formulas as verify
from site_builder.compute.computer import to_plain
from site_builder.compute.formulas.functions import EvaluationError

SENTENCE = {"probabilities": [0.25, 0.5, 0.125, 0.5]}
MINIBATCH = {
    "x": [[1.0, 2.0, 0.5], [3.0, 0.0, 1.5], [5.0, 4.0, -0.5], [7.0, 2.0, 2.5]],
    "gamma": [1.0, 0.5, 2.0],
    "beta": [0.0, 1.0, -1.0],
    "running_mean": [0.0, 0.0, 0.0],
    "running_var": [1.0, 1.0, 1.0],
    "eps": 0.00001,
    "momentum": 0.1,
}
PP_SYMBOLS = {"N": "n_tokens", "p": "probabilities"}
BN_OUTPUT_SYMBOLS = {
    "x": "x",
    "mu_B": "mean",
    "sigma_B^2": "variance",
    "gamma": "gamma",
    "beta": "beta",
    "epsilon": "eps",
}


def _reference(function: Callable[..., Any], name: str, example: str, inputs: Mapping[str, Any]) -> verify.Reference:
    module = perplexity if name.startswith("perplexity.") else batchnorm
    sampler = getattr(module, f"sample_{name.partition('.')[2]}", None)
    return verify.Reference(function, name, example, inputs, to_plain(function(**inputs)), sampler, to_plain)


def _check_perplexity(latex: str, output: str = "perplexity", symbols: Mapping[str, str] = PP_SYMBOLS) -> Any:
    reference = _reference(perplexity.perplexity_steps, "perplexity.perplexity_steps", "sentence", SENTENCE)
    return verify.check_formula("f", latex, symbols, output, 1e-9, 20, reference, seed=1)


def _check_batch_norm(latex: str, output: str, symbols: Mapping[str, str], trials: int = 20) -> Any:
    reference = _reference(batchnorm.batch_norm_steps, "batchnorm.batch_norm_steps", "minibatch", MINIBATCH)
    return verify.check_formula("f", latex, symbols, output, 1e-9, trials, reference, seed=1)


@pytest.mark.parametrize(
    ("latex", "output"),
    [
        (r"H(M) = -\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)", "cross_entropy_bits"),
        (r"\mathrm{PP}(M) = 2^{-\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)}", "perplexity"),
        (r"\mathrm{PP}(M) = \exp\left(-\frac{1}{N}\sum_{i=1}^{N} \ln p(x_i)\right)", "perplexity"),
        (r"\mathrm{PP} = \left(\prod_{i=1}^{N} p(x_i)\right)^{-\frac{1}{N}}", "perplexity"),
    ],
)
def test_correct_perplexity_formulas_pass(latex: str, output: str) -> None:
    check = _check_perplexity(latex, output)
    assert check == verify.FormulaCheck("f", "perplexity.perplexity_steps", "sentence", output, 20, 1e-9)
    assert check.module_path == "computed/perplexity.py"


def test_the_seeds_broken_perplexity_formula_fails() -> None:
    latex = r"\mathrm{PP}(M) = 2^{-\frac{1}{N}\sum_{i=1}^{N} p(x_i)}"
    with pytest.raises(verify.FormulaError) as info:
        _check_perplexity(latex)
    p = SENTENCE["probabilities"]
    obtained = 2 ** -(sum(p) / len(p))  # what the broken formula computes: the log dropped
    expected = 2 ** -(sum(math.log2(q) for q in p) / len(p))
    assert str(info.value) == (
        f"disagrees with perplexity.perplexity_steps on the worked example 'sentence': the formula gives {obtained!r}, "
        f"but 'perplexity' is {expected!r} (rtol 1e-09); with N = n_tokens = 4, p = probabilities = {p!r}"
    )
    assert info.value.field == ("latex",)


def test_a_formula_right_only_on_the_example_fails_on_random_inputs() -> None:
    # 1/4 instead of 1/N agrees on the four-token example; the sampler varies N.
    latex = r"\mathrm{PP} = 2^{-\frac{1}{4}\sum_{i=1}^{N} \log_2 p(x_i)}"
    with pytest.raises(verify.FormulaError) as info:
        _check_perplexity(latex)
    assert "disagrees with perplexity.perplexity_steps on random trial " in str(info.value)
    assert " of 20 (seed 1): the formula gives " in str(info.value)


@pytest.mark.parametrize(
    ("latex", "output", "symbols"),
    [
        (r"\mu_B = \frac{1}{m}\sum_{i=1}^{m} x_i", "mean", {"m": "batch_size", "x": "x"}),
        (
            r"\sigma_B^2 = \frac{1}{m}\sum_{i=1}^{m} \left(x_i - \mu_B\right)^2",
            "variance",
            {"m": "batch_size", "x": "x", "mu_B": "mean"},
        ),
        (r"y_i = \gamma \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta", "y", BN_OUTPUT_SYMBOLS),
        (r"y_i = \gamma \hat{x}_i + \beta", "y", {"hatx": "x_hat", "gamma": "gamma", "beta": "beta"}),
        (
            r"\hat{\mu} \leftarrow (1 - \alpha)\,\hat{\mu} + \alpha\,\mu_B",
            "running_mean",
            {"hatmu": "running_mean", "alpha": "momentum", "mu_B": "mean"},
        ),
        (
            r"\hat{\sigma}^2 \leftarrow (1 - \alpha)\,\hat{\sigma}^2 + \alpha\,\frac{m}{m-1}\,\sigma_B^2",
            "running_var",
            # Keys may be written as LaTeX too.
            {r"\hat{\sigma}^2": "running_var", r"\alpha": "momentum", "m": "batch_size", r"\sigma_{B}^2": "variance"},
        ),
    ],
)
def test_correct_batch_norm_formulas_pass(latex: str, output: str, symbols: dict[str, str]) -> None:
    check = _check_batch_norm(latex, output, symbols)
    assert check.function == "batchnorm.batch_norm_steps" and check.output == output


def test_a_subscript_after_a_superscript_is_read_as_typeset() -> None:
    # \sigma^2_B and \sigma_B^2 typeset alike; both mean the square of sigma_B.
    latex = r"y_i = \gamma \frac{x_i - \mu_B}{\sqrt{\sigma^2_B + \epsilon}} + \beta"
    assert _check_batch_norm(latex, "y", BN_OUTPUT_SYMBOLS).output == "y"


def test_batch_norm_output_without_epsilon_fails() -> None:
    symbols = {k: v for k, v in BN_OUTPUT_SYMBOLS.items() if k != "epsilon"}
    with pytest.raises(verify.FormulaError) as info:
        _check_batch_norm(r"y_i = \gamma \frac{x_i - \mu_B}{\sqrt{\sigma_B^2}} + \beta", "y", symbols)
    message = str(info.value)
    assert message.startswith("disagrees with batchnorm.batch_norm_steps on the worked example 'minibatch': ")
    # The largest gap is where the variance is smallest relative to eps; recompute it independently.
    x, gamma, beta = (np.array(MINIBATCH[k]) for k in ("x", "gamma", "beta"))
    without = gamma * (x - x.mean(0)) / x.std(0) + beta
    with_eps = gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + MINIBATCH["eps"]) + beta
    at = np.unravel_index(np.argmax(np.abs(without - with_eps)), x.shape)
    assert (
        f"they differ most at [{at[0]}][{at[1]}]: {float(without[at])!r} instead of {float(with_eps[at])!r}" in message
    )


def test_batch_norm_output_without_the_square_root_fails() -> None:
    with pytest.raises(verify.FormulaError) as info:
        _check_batch_norm(r"y_i = \gamma \frac{x_i - \mu_B}{\sigma_B^2 + \epsilon} + \beta", "y", BN_OUTPUT_SYMBOLS)
    assert str(info.value).startswith("disagrees with batchnorm.batch_norm_steps on the worked example 'minibatch'")


def test_a_variance_bound_to_its_square_root_symbol_gets_a_hint() -> None:
    symbols = {**BN_OUTPUT_SYMBOLS, "sigma_B": "variance"}
    del symbols["sigma_B^2"]
    with pytest.raises(verify.FormulaError) as info:
        _check_batch_norm(r"y_i = \gamma \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta", "y", symbols)
    assert info.value.hint == (
        "sigma_B is bound to 'variance' and the formula uses sigma_B^2; if 'variance' is that power, bind 'sigma_B^2' instead"
    )


@pytest.mark.parametrize(
    ("latex", "symbols", "message", "field"),
    [
        # A bound word before parentheses stands for its value; an unbound one is named.
        (
            r"y = \mathrm{BN}(x_i)",
            {"x": "x"},
            "has the function \\mathrm{BN}(...), which verify.symbols does not bind (bound: x)",
            ("verify", "symbols"),
        ),
        (r"y = \hat{xy}", {"x": "x"}, r"\hat must sit on one letter or Greek letter, not on xy", ("latex",)),
        (r"y = \hat{\cdot}", {"x": "x"}, r"\hat must sit on one letter or Greek letter, not on \cdot", ("latex",)),
        (r"y = x_i}{", {"x": "x"}, "has unbalanced braces on the right-hand side", ("latex",)),
        # A prime is part of the symbol's name.
        (
            r"y = \mu' + x_i",
            {"x": "x"},
            "has the symbol \\mu' (its name in verify.symbols: mu'), which verify.symbols does not bind (bound: x)",
            ("verify", "symbols"),
        ),
        (
            r"y = x_i + 1e-5",
            {"x": "x"},
            "writes a number as 1e-5, which the parser reads as 1*e - 5; write 10^{-5}",
            ("latex",),
        ),
        (r"y = x_i +", {"x": "x"}, "cannot be parsed: an operand of + should follow at the end", ("latex",)),
        (
            r"y = x_i + )",
            {"x": "x"},
            "cannot be parsed: expected a number, a symbol or a parenthesis at column 11 (')')",
            ("latex",),
        ),
        (
            r"y = \gamma x_i + \beta",
            {"x": "x", "gamma": "gamma"},
            "has the symbol \\beta (its name in verify.symbols: beta), which verify.symbols does not bind (bound: x, gamma)",
            ("verify", "symbols"),
        ),
        (
            r"y = \gamma x_i",
            {"x": "x", "gamma": "gamma", "epsilon": "eps"},
            "binds 'epsilon', but no symbol 'epsilon' appears in the right-hand side",
            ("verify", "symbols", "epsilon"),
        ),
        (
            r"y = \sigma_B + x_i",
            {"x": "x", "sigma_B^2": "variance"},
            "has sigma_B on its own, but it is bound only as 'sigma_B^2': write it as sigma_B^2",
            ("latex",),
        ),
        # In a chain every expression is checked, so each must be read completely.
        (
            r"y = x_i = z",
            {"x": "x"},
            "has the symbol z, which verify.symbols does not bind (bound: x)",
            ("verify", "symbols"),
        ),
        (
            r"y = \gamma x_i, \quad \text{where} \quad \gamma = 2",
            {"x": "x", "gamma": "gamma"},
            "has a where clause: give the definition after 'where' a formula of its own",
            ("latex",),
        ),
        (
            r"y = x_i \leftarrow z",
            {"x": "x"},
            "mixes = and \\leftarrow; a verified formula is LEFT = EXPRESSION or LEFT \\leftarrow EXPRESSION",
            ("latex",),
        ),
        (
            r"y = x_i",
            {"x": "nope"},
            "binds 'x' to 'nope', which is neither an input nor an output (known: ",
            ("verify", "symbols", "x"),
        ),
    ],
)
def test_formulas_read_only_in_part_are_errors(
    latex: str, symbols: dict[str, str], message: str, field: tuple[str, ...]
) -> None:
    with pytest.raises(verify.FormulaError) as info:
        _check_batch_norm(latex, "y", symbols)
    assert str(info.value).startswith(message)
    assert info.value.field == field


def test_an_unknown_output_is_an_error_on_the_output_field() -> None:
    with pytest.raises(verify.FormulaError) as info:
        _check_perplexity(r"H = -\frac{1}{N}\sum_{i=1}^{N} \log_2 p(x_i)", output="entropy")
    assert str(info.value) == (
        "perplexity.perplexity_steps has no output 'entropy' (it has n_tokens, log2_p, sum_log2_p, "
        "cross_entropy_bits, perplexity, cross_entropy_nats, perplexity_from_nats)"
    )
    assert info.value.field == ("verify", "output")


def test_nested_sums_with_dependent_bounds_evaluate_like_numpy() -> None:
    compiled = verify.compile_formula(r"S = \sum_{i=1}^{n}\sum_{j=1}^{i} a_j b_i", {"a": "a", "b": "b", "n": "n"})
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=6), rng.normal(size=6)
    expected = sum(b[i] * a[: i + 1].sum() for i in range(6))
    assert compiled.evaluate({"a": a, "b": b, "n": 6}) == pytest.approx(expected, rel=1e-12)


def test_a_subscript_without_a_sum_broadcasts_over_rows() -> None:
    compiled = verify.compile_formula(r"y_i = 2 x_i + c", {"x": "x", "c": "c"})
    x, c = np.arange(6.0).reshape(3, 2), np.array([10.0, 20.0])
    np.testing.assert_array_equal(compiled.evaluate({"x": x, "c": c}), 2 * x + c)


def test_unbound_e_is_eulers_number() -> None:
    compiled = verify.compile_formula(r"y = e^{t}", {"t": "t"})
    assert compiled.evaluate({"t": 2.0}) == pytest.approx(math.e**2)


def test_a_subscript_beyond_the_array_is_reported() -> None:
    reference = _reference(perplexity.perplexity_steps, "perplexity.perplexity_steps", "sentence", SENTENCE)
    latex = r"H = -\frac{1}{N}\sum_{i=1}^{N+1} \log_2 p(x_i)"
    with pytest.raises(verify.FormulaError) as info:
        verify.check_formula("f", latex, PP_SYMBOLS, "cross_entropy_bits", 1e-9, 0, reference, seed=1)
    assert str(info.value).startswith(
        "cannot be evaluated on the worked example 'sentence': p(x_i) with i = 5 is out of range: "
        "the bound value has 4 entries (subscripts count from 1)"
    )


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("N", "N"),
        (r"\mu_{B}", "mu_B"),
        ("mu_B", "mu_B"),
        (r"\hat{\mu}", "hatmu"),
        ("m_{t - 1}", "m_t-1"),
        ("a_{i*j}", "a_ij"),
    ],
)
def test_symbol_names_drop_backslashes_braces_and_spaces(written: str, name: str) -> None:
    assert verify.symbol_name(written) == name


@pytest.mark.parametrize(
    ("latex", "expression"),
    [
        (r"y = x + 1", "x + 1"),
        (r"\hat{\mu} \leftarrow \mu", r"\mu"),
        (r"x \gets y", "y"),
        (r"\sum_{i=1}^{N} x_i", r"\sum_{i=1}^{N} x_i"),  # the = inside braces is not a relation
    ],
)
def test_the_expression_is_the_right_hand_side(latex: str, expression: str) -> None:
    assert verify.right_hand_side(latex) == expression


def test_without_a_sampler_float_inputs_are_perturbed_and_the_rest_kept() -> None:
    rng = np.random.default_rng(3)
    inputs = {"x": [1.0, -2.0], "n": 4, "flag": True, "name": "a", "nested": {"y": 8.0}}
    out = verify.perturbed_inputs(inputs, rng)
    assert (out["n"], out["flag"], out["name"]) == (4, True, "a")
    for original, new in ((1.0, out["x"][0]), (-2.0, out["x"][1]), (8.0, out["nested"]["y"])):
        assert 0.5 <= new / original <= 1.5 and new != original


def test_the_tolerance_is_relative_to_the_largest_expected_magnitude() -> None:
    assert verify.agrees([1e-12, 100.0], [0.0, 100.0], rtol=1e-9)
    assert not verify.agrees([1e-6, 100.0], [0.0, 100.0], rtol=1e-9)
    assert not verify.agrees([1.0, 2.0], [[1.0, 2.0]], rtol=1e-9), "shapes must match exactly"
    assert not verify.agrees(float("nan"), 1.0, rtol=1e-9)


@pytest.mark.parametrize(
    "obtained",
    [
        "a word",
        {"mean": 1.0},
        [[1.0, 2.0], [3.0]],  # ragged: no array
        [1.0, "x"],
        None,
        [1.0, float("inf")],
    ],
)
def test_a_result_that_cannot_be_compared_disagrees(obtained: Any) -> None:
    # Whatever the formula gives, if it cannot be read as numbers of the expected shape it is not verified.
    assert not verify.agrees(obtained, [1.0, 2.0], rtol=1e-9)
    assert not verify.agrees([1.0, 2.0], obtained, rtol=1e-9) or obtained == [1.0, float("inf")]


def test_an_all_zero_expected_value_needs_exact_zeros() -> None:
    # The tolerance is relative to the largest expected magnitude: zero, so nothing but zero agrees.
    assert verify.agrees([0.0, 0.0, -0.0], [0.0, 0.0, 0.0], rtol=1e-9)
    assert verify.agrees(0.0, 0, rtol=0.5)
    assert not verify.agrees([0.0, 1e-300], [0.0, 0.0], rtol=1e-9)
    assert not verify.agrees(1e-300, 0.0, rtol=0.5)
    assert verify.agrees([], [], rtol=1e-9)
    # On the edge: exactly rtol times the scale still agrees.
    assert verify.agrees([3.5, 0.5], [4.0, 0.0], rtol=0.125)
    assert not verify.agrees([3.5, 0.5], [4.0, 0.0], rtol=0.124)


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        # Hyperbolic functions from their definitions with exp, not through numpy's own.
        (r"y = \tanh(x)", lambda x: (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)),
        (r"y = \sinh(x)", lambda x: (math.exp(x) - math.exp(-x)) / 2),
        (r"y = \cosh(x)", lambda x: (math.exp(x) + math.exp(-x)) / 2),
        (r"y = \tan(x)", lambda x: math.sin(x) / math.cos(x)),
    ],
)
def test_hyperbolic_and_trigonometric_functions(latex: str, expected: Callable[[float], float]) -> None:
    compiled = verify.compile_formula(latex, {"x": "x"})
    for x in (-1.5, -0.2, 0.0, 0.7, 2.0):
        assert compiled.evaluate({"x": x}) == pytest.approx(expected(x), rel=1e-12, abs=1e-15)


def test_a_sum_may_have_a_million_terms_but_not_one_more() -> None:
    compiled = verify.compile_formula(r"y = \sum_{i=1}^{N} 1", {"N": "n"})
    assert compiled.evaluate({"N": 1_000_000}) == 1_000_000
    with pytest.raises(EvaluationError) as info:
        compiled.evaluate({"N": 1_000_001})
    assert str(info.value) == "the sum over i has more than 1,000,000 terms"
    product = verify.compile_formula(r"y = \prod_{i=0}^{N} 2", {"N": "n"})
    with pytest.raises(EvaluationError, match=r"^the prod over i has more than 1,000,000 terms$"):
        product.evaluate({"N": 1_000_000})
