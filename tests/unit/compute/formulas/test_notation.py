"""The notation of papers and textbooks (issue #27), one case each: the call-or-multiply rule, sums over outcomes,
alphabets, built-in functions, products of vectors, expectations, and errors that quote the author's LaTeX."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest

from site_builder.compute import formulas as verify


def _distributions(p: Any, q: Any) -> dict[str, Any]:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return {"cross_entropy": float(-np.sum(p * np.log(q))), "kl": float(np.sum(p * np.log(p / q)))}


def _activations(x: Any, gamma: float = 1.5, mu: float = 0.25) -> dict[str, Any]:
    x = np.asarray(x, dtype=float)
    cdf = np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    return {"cdf": cdf, "gelu": x * cdf, "scaled": gamma * (x - mu), "double": 2 * x, "shifted": x + 1}


def _vectors(w: Any, v: Any) -> dict[str, Any]:
    w, v = np.asarray(w, dtype=float), np.asarray(v, dtype=float)
    return {"dot": float(w @ v), "hadamard": w * v, "softmax": np.exp(w) / np.exp(w).sum()}


INPUTS: dict[Callable[..., Mapping[str, Any]], dict[str, Any]] = {
    _distributions: {"p": [0.5, 0.3, 0.2], "q": [0.25, 0.25, 0.5]},
    _activations: {"x": [-1.5, -0.2, 0.4, 2.0]},
    _vectors: {"w": [0.5, -1.0, 2.0], "v": [1.5, 0.25, -0.5]},
}


def _check(function: Callable[..., Mapping[str, Any]], latex: str, symbols: dict[str, str], output: str) -> Any:
    inputs = INPUTS[function]
    reference = verify.Reference(function, "m.f", "e", inputs, function(**inputs), None, lambda v: v)
    return verify.check_formula("f", latex, symbols, output, 1e-9, 5, reference, seed=1)


@pytest.mark.parametrize(
    ("function", "latex", "symbols", "output"),
    [
        # sums over the outcomes of a distribution, the arrays written as functions of the outcome
        (_distributions, r"H(p, q) = -\sum_x p(x) \log q(x)", {"p": "p", "q": "q"}, "cross_entropy"),
        (_distributions, r"D = \sum_{x \in \mathcal{X}} p(x) \log \frac{p(x)}{q(x)}", {"p": "p", "q": "q"}, "kl"),
        # a subscripted symbol before a parenthesis multiplies it
        (_distributions, r"D = \sum_i p_i (\log p_i - \log q_i)", {"p": "p", "q": "q"}, "kl"),
        (_distributions, r"D = \sum_i p_i \left( \log p_i - \log q_i \right)", {"p": "p", "q": "q"}, "kl"),
        # expectations over a distribution
        (_distributions, r"D = \mathbb{E}_{x \sim p}[\log p(x) - \log q(x)]", {"p": "p", "q": "q"}, "kl"),
        # letters in other alphabets are the letters
        (_vectors, r"s = \mathbf{w}^\top \boldsymbol{v}", {"w": "w", "v": "v"}, "dot"),
        (_vectors, r"s = \mathbf{w} \cdot \mathbf{v}", {"w": "w", "v": "v"}, "dot"),
        (_vectors, r"h = \mathbf{w} \odot \mathbf{v}", {"w": "w", "v": "v"}, "hadamard"),
        (_vectors, r"y = \operatorname{softmax}(\mathbf{w})", {"w": "w"}, "softmax"),
        # call or values: an unbound Φ is the normal CDF; a bound one, written at its input, its values
        (_activations, r"\mathrm{GELU}(x) = x\Phi(x)", {"x": "x"}, "gelu"),
        (_activations, r"\mathrm{GELU}(x) = x\Phi(x)", {"x": "x", "Phi": "cdf"}, "gelu"),
        # an input before a parenthesis multiplies it
        (_activations, r"y = \gamma(x - \mu)", {"x": "x", "gamma": "gamma", "mu": "mu"}, "scaled"),
    ],
)
def test_the_fields_notation_verifies(
    function: Callable[..., Mapping[str, Any]], latex: str, symbols: dict[str, str], output: str
) -> None:
    assert _check(function, latex, symbols, output).output == output


def test_a_wrong_reading_of_the_fields_notation_is_a_disagreement_with_both_sets_of_numbers() -> None:
    with pytest.raises(verify.FormulaError) as info:
        _check(_distributions, r"D = \sum_x p(x) \log \frac{q(x)}{p(x)}", {"p": "p", "q": "q"}, "kl")
    assert str(info.value).startswith("disagrees with m.f on the worked example 'e': the formula gives ")


def test_two_readings_the_bindings_cannot_tell_apart_are_an_error_naming_both() -> None:
    # d and s are both outputs: d(s) may be d's values (computed at s?) or d times s, and they differ
    with pytest.raises(verify.FormulaError) as info:
        _check(_activations, r"y = d(s)", {"d": "double", "s": "shifted"}, "double")
    message = str(info.value)
    assert "reads d(s) two ways that give different numbers" in message
    assert "the values of d ('double') at s" in message and "d times s" in message


def test_an_unbound_symbol_is_quoted_as_written_with_the_name_that_binds_it() -> None:
    with pytest.raises(verify.FormulaError) as info:
        _check(_distributions, r"D = \sum_x p(x) \log \boldsymbol{\theta}_{\mathrm{KL}}", {"p": "p"}, "kl")
    assert r"has the symbol \boldsymbol{\theta}_{\mathrm{KL}} (its name in verify.symbols: theta_KL)" in str(info.value)
