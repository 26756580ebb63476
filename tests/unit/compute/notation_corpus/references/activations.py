"""Activations: rectifiers, exponential units, GELU and its approximations, sigmoid, softplus, Swish, Mish, softmax."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

SELU_LAMBDA = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _cdf(x: np.ndarray) -> np.ndarray:
    return np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x.ravel()]).reshape(x.shape)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def activations(x: Any, alpha: float, beta: float) -> dict[str, Any]:
    """Every activation at each x; alpha for ELU, beta for Swish."""
    x = np.asarray(x, dtype=float)
    softplus = np.log1p(np.exp(x))
    return {
        "relu": np.maximum(x, 0),
        "leaky_relu": np.where(x > 0, x, 0.01 * x),
        "elu": np.where(x > 0, x, alpha * np.expm1(x)),
        "selu": SELU_LAMBDA * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
        "cdf": _cdf(x),
        "gelu": x * _cdf(x),
        "gelu_tanh": 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
        "gelu_sigmoid": x * _sigmoid(1.702 * x),
        "sigmoid": _sigmoid(x),
        "softplus": softplus,
        "swish": x * _sigmoid(beta * x),
        "mish": x * np.tanh(softplus),
        "tanh": np.tanh(x),
    }


def sample_activations(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "x": rng.normal(0, 2, size=int(rng.integers(4, 10))).tolist(),
        "alpha": float(rng.uniform(0.5, 2)),
        "beta": float(rng.uniform(0.5, 2)),
    }


def selu(x: Any, lam: float, alpha: float) -> dict[str, Any]:
    x = np.asarray(x, dtype=float)
    return {"selu": lam * np.where(x > 0, x, alpha * np.expm1(x))}


def sample_selu(rng: np.random.Generator) -> dict[str, Any]:
    return {"x": rng.normal(0, 2, size=8).tolist(), "lam": SELU_LAMBDA, "alpha": SELU_ALPHA}


def softmax(z: Any, temperature: float) -> dict[str, Any]:
    z = np.asarray(z, dtype=float)
    shifted = z - z.max()
    return {
        "softmax": np.exp(shifted) / np.sum(np.exp(shifted)),
        "log_softmax": shifted - np.log(np.sum(np.exp(shifted))),
        "soft_targets": np.exp(z / temperature) / np.sum(np.exp(z / temperature)),
        "classes": len(z),
        "max": float(z.max()),
        "lse": float(z.max() + np.log(np.sum(np.exp(shifted)))),
    }


def sample_softmax(rng: np.random.Generator) -> dict[str, Any]:
    return {"z": rng.normal(0, 3, size=int(rng.integers(3, 9))).tolist(), "temperature": float(rng.uniform(0.5, 5))}


def _gelu(x: np.ndarray) -> np.ndarray:
    return x * _cdf(x)


def gated_feed_forward(x: Any, w: Any, v: Any, b: Any, c: Any, w2: Any, beta: float) -> dict[str, Any]:
    """Shazeer's GLU variants for a batch of rows x (n by d), with W, V (d by f), b, c (f) and W_2 (f by d)."""
    x, w, v, b, c, w2 = (np.asarray(a, dtype=float) for a in (x, w, v, b, c, w2))
    gate = x @ w + b
    return {
        "reglu": np.maximum(0, gate) * (x @ v + c),
        "geglu": _gelu(gate) * (x @ v + c),
        "swiglu": gate * _sigmoid(beta * gate) * (x @ v + c),
        "ffn_relu": np.maximum(x @ w, 0) @ w2,
        "ffn_geglu": (_gelu(x @ w) * (x @ v)) @ w2,
    }


def sample_gated_feed_forward(rng: np.random.Generator) -> dict[str, Any]:
    n, d, f = int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(3, 7))
    return {
        "x": rng.normal(size=(n, d)).tolist(),
        "w": rng.normal(size=(d, f)).tolist(),
        "v": rng.normal(size=(d, f)).tolist(),
        "b": rng.normal(size=f).tolist(),
        "c": rng.normal(size=f).tolist(),
        "w2": rng.normal(size=(f, d)).tolist(),
        "beta": float(rng.uniform(0.5, 2)),
    }


def feed_forward(x: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> dict[str, Any]:
    """The Transformer's position-wise feed-forward network on rows x (n by d_model)."""
    x, w1, b1, w2, b2 = (np.asarray(a, dtype=float) for a in (x, w1, b1, w2, b2))
    return {"ffn": np.maximum(0, x @ w1 + b1) @ w2 + b2}


def sample_feed_forward(rng: np.random.Generator) -> dict[str, Any]:
    n, d, f = int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(3, 8))
    return {
        "x": rng.normal(size=(n, d)).tolist(),
        "w1": rng.normal(size=(d, f)).tolist(),
        "b1": rng.normal(size=f).tolist(),
        "w2": rng.normal(size=(f, d)).tolist(),
        "b2": rng.normal(size=d).tolist(),
    }
