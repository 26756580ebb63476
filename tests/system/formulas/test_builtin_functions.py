"""The checker's built-in functions (formulas/functions.py) agree with PyTorch's on the same inputs.

A formula may use softmax, sigmoid, ReLU, tanh, GELU's Φ, log-sum-exp, max/argmax along an axis and the
rest without binding them, so their numpy definitions are the checker's own: each is compared here with
torch's implementation (float64) on vectors and matrices, including large magnitudes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from site_builder.compute.formulas.functions import lookup

F = torch.nn.functional


def _inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(27)
    return [
        rng.normal(0, 3, size=7),
        rng.normal(0, 3, size=(4, 5)),
        np.array([-800.0, -3.0, 0.0, 2.5, 700.0]),  # overflow territory for a naive exp
    ]


ONE_ARGUMENT: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "softmax": lambda t: F.softmax(t, dim=-1),
    "logsumexp": lambda t: torch.logsumexp(t, dim=-1),
    "lse": lambda t: torch.logsumexp(t, dim=-1),
    "max": lambda t: torch.amax(t, dim=-1),
    "min": lambda t: torch.amin(t, dim=-1),
    "argmax": lambda t: torch.argmax(t, dim=-1) + 1,  # subscripts count from 1
    "argmin": lambda t: torch.argmin(t, dim=-1) + 1,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "softplus": F.softplus,
    "erf": torch.erf,
    "Phi": torch.special.ndtr,
    "gelu": F.gelu,
    "silu": F.silu,
    "swish": F.silu,
    "exp": torch.exp,
    "abs": torch.abs,
    "floor": torch.floor,
    "ceil": torch.ceil,
}


@pytest.mark.parametrize("name", sorted(ONE_ARGUMENT))
def test_each_built_in_function_agrees_with_torch(name: str) -> None:
    ours = lookup(name, 1)
    for x in _inputs():
        if name in ("softplus",) and np.abs(x).max() > 100:
            x = np.clip(x, -30, 30)  # torch's softplus switches to x above a threshold of 20; both are exact there
        with np.errstate(over="ignore"):
            got = np.asarray(ours(x), dtype=float)
        want = ONE_ARGUMENT[name](torch.tensor(x, dtype=torch.float64)).numpy().astype(float)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300, err_msg=f"{name} on {x.shape}")


def test_swish_with_a_beta_agrees_with_torch() -> None:
    x, beta = np.random.default_rng(3).normal(0, 3, size=9), 1.702
    want = (torch.tensor(x) * torch.sigmoid(beta * torch.tensor(x))).numpy()
    np.testing.assert_allclose(lookup("swish", 2)(x, beta), want, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("binom", (np.array([5.0, 10.0, 30.0]), np.array([2.0, 3.0, 15.0])), [math.comb(5, 2), 120, math.comb(30, 15)]),
        ("factorial", (np.array([0.0, 1.0, 5.0, 12.0]),), [1, 1, 120, math.factorial(12)]),
        ("max", (np.array([1.0, -2.0]), np.array([0.0, 3.0])), [1.0, 3.0]),
    ],
)
def test_whole_number_functions_agree_with_pythons(name: str, args: tuple[Any, ...], expected: list[float]) -> None:
    got = lookup(name, len(args))(*args)
    np.testing.assert_allclose(got, np.asarray(expected, dtype=float), rtol=1e-12)
    if name == "factorial":
        want = torch.exp(torch.lgamma(torch.tensor(args[0]) + 1)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9)
