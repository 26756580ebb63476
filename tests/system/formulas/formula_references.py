"""Small numpy references for PyTorch's documented formulas, each paired with the torch call it describes.

A reference is ``numpy_fn(**inputs) -> outputs``; its twin ``torch_fn(**inputs) -> outputs`` computes the
same outputs with torch where torch exposes them (the rest come from numpy and are marked so in
``TORCH_EXPOSES``). ``sample(rng)`` draws inputs in the function's domain.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Outputs = dict[str, Any]


@dataclass(frozen=True)
class Family:
    """A numpy reference, its torch twin, and how to draw inputs for both."""

    name: str
    numpy_fn: Callable[..., Outputs]
    torch_fn: Callable[..., Outputs]
    sample: Callable[[np.random.Generator], dict[str, Any]]
    torch_exposes: frozenset[str] = field(default_factory=frozenset)
    """Outputs the torch twin computes with torch (the others it copies from numpy)."""


def _t(value: Any) -> Any:
    import torch

    return torch.tensor(np.asarray(value, dtype=np.float64))


def _n(tensor: Any) -> np.ndarray:
    return tensor.detach().numpy().astype(float)


# --- normalisation -----------------------------------------------------------------------------------------------


def _norm_sample(rng: np.random.Generator, shape: tuple[int, ...], params: int) -> dict[str, Any]:
    return {
        "x": rng.normal(1.0, 2.0, size=shape),
        "gamma": rng.uniform(0.5, 2.0, size=params),
        "beta": rng.normal(size=params),
        "eps": float(rng.uniform(1e-5, 1e-2)),
    }


def batch_norm(x: Any, gamma: Any, beta: Any, eps: float) -> Outputs:
    x = np.asarray(x)
    return {"x": x, "y": (x - x.mean(0)) / np.sqrt(x.var(0) + eps) * gamma + beta}


def batch_norm_torch(x: Any, gamma: Any, beta: Any, eps: float) -> Outputs:
    import torch

    layer = torch.nn.BatchNorm1d(len(gamma), eps=eps, dtype=torch.float64).train()
    with torch.no_grad():
        layer.weight.copy_(_t(gamma))
        layer.bias.copy_(_t(beta))
    return {"x": np.asarray(x), "y": _n(layer(_t(x)))}


def _channels_last(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C): the axis BatchNorm2d averages over comes first."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def batch_norm_2d(x4: Any, gamma: Any, beta: Any, eps: float) -> Outputs:
    flat = _channels_last(np.asarray(x4))
    return {"x_by_channel": flat, "y_by_channel": (flat - flat.mean(0)) / np.sqrt(flat.var(0) + eps) * gamma + beta}


def batch_norm_2d_torch(x4: Any, gamma: Any, beta: Any, eps: float) -> Outputs:
    import torch

    layer = torch.nn.BatchNorm2d(len(gamma), eps=eps, dtype=torch.float64).train()
    with torch.no_grad():
        layer.weight.copy_(_t(gamma))
        layer.bias.copy_(_t(beta))
    return {"x_by_channel": _channels_last(np.asarray(x4)), "y_by_channel": _channels_last(_n(layer(_t(x4))))}


def layer_norm(x: Any, gamma: Any, beta: Any, eps: float) -> Outputs:
    """One sample: its features are the first (only) axis."""
    x = np.asarray(x)
    return {"x": x, "y": (x - x.mean()) / np.sqrt(x.var() + eps) * gamma + beta}


def layer_norm_torch(x: Any, gamma: Any, beta: Any, eps: float) -> Outputs:
    import torch

    y = torch.nn.functional.layer_norm(_t(x)[None], (len(gamma),), _t(gamma), _t(beta), eps)
    return {"x": np.asarray(x), "y": _n(y[0])}


GROUPS = 2


def _grouped(values: np.ndarray, channels: int, length: int) -> np.ndarray:
    """(C, L) -> (C/G * L, G): the entries GroupNorm averages over first, one column per group."""
    return values.reshape(GROUPS, (channels // GROUPS) * length).T


def group_norm(x: Any, gamma: Any, beta: Any, eps: float) -> Outputs:
    x = np.asarray(x)
    channels, length = x.shape
    per_entry = [_grouped(np.repeat(np.asarray(p)[:, None], length, 1), channels, length) for p in (gamma, beta)]
    grouped = _grouped(x, channels, length)
    y = (grouped - grouped.mean(0)) / np.sqrt(grouped.var(0) + eps) * per_entry[0] + per_entry[1]
    return {"x_grouped": grouped, "gamma_grouped": per_entry[0], "beta_grouped": per_entry[1], "y_grouped": y}


def group_norm_torch(x: Any, gamma: Any, beta: Any, eps: float) -> Outputs:
    import torch

    x = np.asarray(x)
    y = _n(torch.nn.functional.group_norm(_t(x)[None], GROUPS, _t(gamma), _t(beta), eps)[0])
    return {**group_norm(x, gamma, beta, eps), "y_grouped": _grouped(y, *x.shape)}


def instance_norm(x: Any, gamma: float, beta: float, eps: float) -> Outputs:
    """One channel of one sample."""
    x = np.asarray(x)
    return {"x": x, "y": (x - x.mean()) / np.sqrt(x.var() + eps) * gamma + beta}


def instance_norm_torch(x: Any, gamma: float, beta: float, eps: float) -> Outputs:
    import torch

    layer = torch.nn.InstanceNorm1d(1, eps=eps, affine=True, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.fill_(gamma)
        layer.bias.fill_(beta)
    return {"x": np.asarray(x), "y": _n(layer(_t(x)[None, None])[0, 0])}


def _instance_sample(rng: np.random.Generator) -> dict[str, Any]:
    return {**_norm_sample(rng, (7,), 1), "gamma": float(rng.uniform(0.5, 2)), "beta": float(rng.normal())}


def rms_norm(x: Any, gamma: Any, eps: float) -> Outputs:
    x = np.asarray(x)
    rms = np.sqrt(eps + np.mean(x**2))
    return {"x": x, "n": len(x), "rms": rms, "y": x / rms * gamma}


def rms_norm_torch(x: Any, gamma: Any, eps: float) -> Outputs:
    import torch

    layer = torch.nn.RMSNorm(len(gamma), eps=eps, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(_t(gamma))
    y = _n(layer(_t(x)[None])[0])
    plain = torch.nn.functional.rms_norm(_t(x)[None], (len(gamma),), eps=eps)[0]
    return {"x": np.asarray(x), "n": len(gamma), "rms": float(np.asarray(x)[0] / _n(plain)[0]), "y": y}


def _rms_sample(rng: np.random.Generator) -> dict[str, Any]:
    drawn = _norm_sample(rng, (6,), 6)
    return {"x": drawn["x"] + 0.5 * np.sign(drawn["x"]), "gamma": drawn["gamma"], "eps": drawn["eps"]}


def lp_normalize(v: Any, p: float, eps: float) -> Outputs:
    v = np.asarray(v)
    return {"v": v, "normalized": v / max(np.sum(np.abs(v) ** p) ** (1 / p), eps)}


def lp_normalize_torch(v: Any, p: float, eps: float) -> Outputs:
    import torch

    return {"v": np.asarray(v), "normalized": _n(torch.nn.functional.normalize(_t(v), p=p, dim=0, eps=eps))}


def _normalize_sample(rng: np.random.Generator) -> dict[str, Any]:
    tiny = rng.uniform() < 0.3  # sometimes below eps, so the max picks eps
    scale = 1e-4 if tiny else 1.0
    return {"v": rng.normal(size=5) * scale, "p": float(rng.choice([1.0, 2.0, 3.0])), "eps": 1e-3}


def _family(name: str, numpy_fn: Callable[..., Outputs], torch_fn: Callable[..., Outputs], sample: Any, *exposes: str):
    return Family(name, numpy_fn, torch_fn, sample, frozenset(exposes))


NORMS = {
    f.name: f
    for f in (
        _family("batch_norm", batch_norm, batch_norm_torch, lambda rng: _norm_sample(rng, (5, 3), 3), "y"),
        _family("batch_norm_2d", batch_norm_2d, batch_norm_2d_torch, lambda r: _norm2d(r), "y_by_channel"),
        _family("layer_norm", layer_norm, layer_norm_torch, lambda rng: _norm_sample(rng, (6,), 6), "y"),
        _family("group_norm", group_norm, group_norm_torch, lambda rng: _norm_sample(rng, (4, 3), 4), "y_grouped"),
        _family("instance_norm", instance_norm, instance_norm_torch, _instance_sample, "y"),
        _family("rms_norm", rms_norm, rms_norm_torch, _rms_sample, "y", "rms"),
        _family("normalize", lp_normalize, lp_normalize_torch, _normalize_sample, "normalized"),
    )
}


def _norm2d(rng: np.random.Generator) -> dict[str, Any]:
    drawn = _norm_sample(rng, (2, 3, 2, 2), 3)
    return {"x4": drawn.pop("x"), **drawn}


# --- activations: elementwise, on a vector with both signs ------------------------------------------------------


def _activation(name: str, numpy_fn: Callable[..., Any], torch_fn: Callable[..., Any], **params: Any) -> Family:
    """``x`` -> ``y``; ``params`` maps each parameter to a (low, high) range it is drawn from."""

    def sample(rng: np.random.Generator) -> dict[str, Any]:
        x = np.concatenate([rng.normal(0, 2.5, size=6), [0.0, -0.0]])
        return {"x": x, **{k: float(rng.uniform(*bounds)) for k, bounds in params.items()}}

    def numpy_outputs(x: Any, **kw: Any) -> Outputs:
        return {"x": np.asarray(x), "y": numpy_fn(np.asarray(x), **kw), **kw}

    def torch_outputs(x: Any, **kw: Any) -> Outputs:
        return {"x": np.asarray(x), "y": _n(torch_fn(_t(x), **kw)), **kw}

    return Family(name, numpy_outputs, torch_outputs, sample, frozenset({"y"}))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _softplus(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    return np.logaddexp(0, beta * x) / beta


def _erf(x: np.ndarray) -> np.ndarray:
    return np.array([math.erf(v) for v in np.ravel(x)]).reshape(np.shape(x))


def _torch(name: str) -> Callable[..., Any]:
    """``torch.nn.functional.NAME``, looked up when called so that importing this module does not import torch."""

    def call(*args: Any, **kw: Any) -> Any:
        import torch

        return getattr(torch.nn.functional, name)(*args, **kw)

    return call


def _softmax(x: np.ndarray) -> np.ndarray:
    shifted = np.exp(x - x.max())
    return shifted / shifted.sum()


ACTIVATIONS = {
    f.name: f
    for f in (
        _activation("softmax", _softmax, lambda x: _torch("softmax")(x, dim=0)),
        _activation("log_softmax", lambda x: np.log(_softmax(x)), lambda x: _torch("log_softmax")(x, dim=0)),
        _activation("softmin", lambda x: _softmax(-x), lambda x: _torch("softmin")(x, dim=0)),
        _activation("sigmoid", _sigmoid, lambda x: x.sigmoid()),
        _activation("silu", lambda x: x * _sigmoid(x), _torch("silu")),
        _activation("softplus", _softplus, _torch("softplus"), beta=(0.5, 3.0)),
        _activation("tanh", np.tanh, lambda x: x.tanh()),
        _activation("gelu", lambda x: x * 0.5 * (1 + _erf(x / math.sqrt(2))), _torch("gelu")),
        _activation(
            "gelu_tanh",
            lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
            lambda x: _torch("gelu")(x, approximate="tanh"),
        ),
        _activation(
            "leaky_relu",
            lambda x, negative_slope: np.where(x >= 0, x, negative_slope * x),
            _torch("leaky_relu"),
            negative_slope=(0.01, 0.5),
        ),
        _activation(
            "elu", lambda x, alpha: np.where(x > 0, x, alpha * (np.exp(x) - 1)), _torch("elu"), alpha=(0.5, 2.0)
        ),
        _activation(
            "hardtanh",
            lambda x, min_val, max_val: np.clip(x, min_val, max_val),
            _torch("hardtanh"),
            min_val=(-2.0, -0.5),
            max_val=(0.5, 2.0),
        ),
        _activation("softsign", lambda x: x / (1 + np.abs(x)), _torch("softsign")),
        _activation("tanhshrink", lambda x: x - np.tanh(x), _torch("tanhshrink")),
        _activation("log_sigmoid", lambda x: np.log(_sigmoid(x)), _torch("logsigmoid")),
        _activation("mish", lambda x: x * np.tanh(_softplus(x)), _torch("mish")),
    )
}
