"""numpy references for PyTorch's documented losses and Adam, each with its torch twin (see formula_references)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .formula_references import Family, Outputs, _n, _sigmoid, _t, _torch

REDUCTIONS = ("mean", "sum")


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _reduced(losses: np.ndarray, reduction: str, mean: float | None = None) -> float:
    return float(losses.sum() if reduction == "sum" else (losses.mean() if mean is None else mean))


def _classes(rng: np.random.Generator, n: int = 6, c: int = 4) -> dict[str, Any]:
    target = rng.integers(0, c, size=n)
    ignore = int(rng.integers(0, c))
    target[0] = (ignore + 1) % c  # at least one target counts
    return {
        "x": rng.normal(0, 2, size=(n, c)),
        "target": target,
        "weight": rng.uniform(0.2, 2.0, size=c),
        "ignore_index": ignore,
        "reduction": str(rng.choice(REDUCTIONS)),
    }


def cross_entropy(x: Any, target: Any, weight: Any, ignore_index: int, reduction: str) -> Outputs:
    x, target, weight = np.asarray(x), np.asarray(target), np.asarray(weight)
    counted = (target != ignore_index).astype(float)
    rows = np.arange(len(target))
    losses = -weight[target] * _log_softmax(x)[rows, target] * counted
    mean = losses.sum() / (weight[target] * counted).sum()
    return {
        "x": x,
        "weight": weight,
        "target_from_1": target + 1,  # the formula's subscripts count from 1
        "ignore_from_1": ignore_index + 1,
        "n_classes": x.shape[1],
        "batch": len(target),
        "reduction": reduction,
        "losses": losses,
        "loss": _reduced(losses, reduction, mean),
    }


def cross_entropy_torch(x: Any, target: Any, weight: Any, ignore_index: int, reduction: str) -> Outputs:
    import torch

    def call(how: str) -> Any:
        labels = torch.tensor(np.asarray(target))
        return _n(_torch("cross_entropy")(_t(x), labels, weight=_t(weight), ignore_index=ignore_index, reduction=how))

    return {
        **cross_entropy(x, target, weight, ignore_index, reduction),
        "losses": call("none"),
        "loss": call(reduction),
    }


def _probabilities(rng: np.random.Generator) -> dict[str, Any]:
    drawn = _classes(rng)
    logits = rng.normal(size=drawn["x"].shape)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return {"x": drawn["x"], "probs": probs, "weight": drawn["weight"], "reduction": drawn["reduction"]}


def cross_entropy_probs(x: Any, probs: Any, weight: Any, reduction: str) -> Outputs:
    x, probs = np.asarray(x), np.asarray(probs)
    losses = -(np.asarray(weight) * _log_softmax(x) * probs).sum(axis=1)
    return {
        "x": x,
        "probs": probs,
        "weight": np.asarray(weight),
        "n_classes": x.shape[1],
        "batch": len(x),
        "reduction": reduction,
        "losses": losses,
        "loss": _reduced(losses, reduction),
    }


def cross_entropy_probs_torch(x: Any, probs: Any, weight: Any, reduction: str) -> Outputs:
    def call(how: str) -> Any:
        return _n(_torch("cross_entropy")(_t(x), _t(probs), weight=_t(weight), reduction=how))

    return {**cross_entropy_probs(x, probs, weight, reduction), "losses": call("none"), "loss": call(reduction)}


def nll(x: Any, target: Any, weight: Any, ignore_index: int, reduction: str) -> Outputs:
    log_probs, target = _log_softmax(np.asarray(x)), np.asarray(target)
    masked = np.asarray(weight) * (np.arange(len(weight)) != ignore_index)
    losses = -masked[target] * log_probs[np.arange(len(target)), target]
    mean = losses.sum() / masked[target].sum()
    return {
        "log_probs": log_probs,
        "weight": np.asarray(weight),
        "ignore_from_1": ignore_index + 1,
        "w_masked": masked,
        "target_from_1": target + 1,
        "batch": len(target),
        "reduction": reduction,
        "losses": losses,
        "loss": _reduced(losses, reduction, mean),
    }


def nll_torch(x: Any, target: Any, weight: Any, ignore_index: int, reduction: str) -> Outputs:
    import torch

    outputs = nll(x, target, weight, ignore_index, reduction)

    def call(how: str) -> Any:
        labels = torch.tensor(np.asarray(target))
        log_probs = _t(outputs["log_probs"])
        return _n(_torch("nll_loss")(log_probs, labels, weight=_t(weight), ignore_index=ignore_index, reduction=how))

    return {**outputs, "losses": call("none"), "loss": call(reduction)}


def kl_div(pred: Any, target: Any) -> Outputs:
    pred, target = np.asarray(pred), np.asarray(target)
    return {"pred": pred, "target": target, "pointwise": target * (np.log(target) - np.log(pred))}


def kl_div_torch(pred: Any, target: Any) -> Outputs:
    pointwise = _torch("kl_div")(_t(np.log(pred)), _t(target), reduction="none")
    return {**kl_div(pred, target), "pointwise": _n(pointwise)}


def _pointwise(name: str, numpy_fn: Callable[..., np.ndarray], torch_name: str, **params: Any) -> Family:
    """A loss of inputs ``x`` and targets ``y`` with element losses ``losses`` and the reduced ``loss``."""

    def sample(rng: np.random.Generator) -> dict[str, Any]:
        drawn = {k: float(rng.uniform(*bounds)) for k, bounds in params.items()}
        if name.startswith("bce"):
            x = rng.uniform(0.05, 0.95, size=6) if name == "bce" else rng.normal(0, 2, size=6)
            inputs = {"x": x, "y": rng.uniform(0, 1, size=6), "w": rng.uniform(0.2, 2, size=6)}
        else:
            inputs = {"x": rng.normal(0, 2, size=6), "y": rng.normal(0, 2, size=6)}
        return {**inputs, **drawn, "reduction": str(rng.choice(REDUCTIONS))}

    def numpy_outputs(x: Any, y: Any, reduction: str, **kw: Any) -> Outputs:
        losses = numpy_fn(np.asarray(x), np.asarray(y), **kw)
        return {"x": np.asarray(x), "y": np.asarray(y), "losses": losses, "loss": _reduced(losses, reduction), **kw}

    def torch_outputs(x: Any, y: Any, reduction: str, **kw: Any) -> Outputs:
        torch_kw = {("weight" if k == "w" else k): (_t(v) if k == "w" else v) for k, v in kw.items()}

        def call(how: str) -> Any:
            return _n(_torch(torch_name)(_t(x), _t(y), reduction=how, **torch_kw))

        return {**numpy_outputs(x, y, reduction, **kw), "losses": call("none"), "loss": call(reduction)}

    def with_reduction(**inputs: Any) -> Outputs:
        return {**numpy_outputs(**inputs), "reduction": inputs["reduction"]}

    def torch_with_reduction(**inputs: Any) -> Outputs:
        return {**torch_outputs(**inputs), "reduction": inputs["reduction"]}

    return Family(name, with_reduction, torch_with_reduction, sample, frozenset({"losses", "loss"}))


def _huber(x: np.ndarray, y: np.ndarray, delta: float) -> np.ndarray:
    diff = np.abs(x - y)
    return np.where(diff < delta, 0.5 * diff**2, delta * (diff - 0.5 * delta))


def _smooth_l1(x: np.ndarray, y: np.ndarray, beta: float) -> np.ndarray:
    diff = np.abs(x - y)
    return np.where(diff < beta, 0.5 * diff**2 / beta, diff - 0.5 * beta)


def _bce(x: np.ndarray, y: np.ndarray, w: Any) -> np.ndarray:
    return -np.asarray(w) * (y * np.log(x) + (1 - y) * np.log(1 - x))


def _bce_logits(x: np.ndarray, y: np.ndarray, w: Any) -> np.ndarray:
    return _bce(_sigmoid(x), y, w)


def bce_pos_weight(x: Any, y: Any, w: Any, pos_weight: Any) -> Outputs:
    x, y, w, p = (np.asarray(v) for v in (x, y, w, pos_weight))
    losses = -w * (p * y * np.log(_sigmoid(x)) + (1 - y) * np.log(1 - _sigmoid(x)))
    return {"x": x, "y": y, "w": w, "pos_weight": p, "losses": losses}


def bce_pos_weight_torch(x: Any, y: Any, w: Any, pos_weight: Any) -> Outputs:
    losses = _torch("binary_cross_entropy_with_logits")(
        _t(x), _t(y), weight=_t(w), pos_weight=_t(pos_weight), reduction="none"
    )
    return {**bce_pos_weight(x, y, w, pos_weight), "losses": _n(losses)}


def _pos_weight_sample(rng: np.random.Generator) -> dict[str, Any]:
    shape = (5, 3)
    return {
        "x": rng.normal(0, 2, size=shape),
        "y": rng.uniform(0, 1, size=shape),
        "w": rng.uniform(0.2, 2, size=shape),
        "pos_weight": rng.uniform(0.5, 3, size=3),
    }


def _kl_sample(rng: np.random.Generator) -> dict[str, Any]:
    return {"pred": rng.uniform(0.05, 1, size=6), "target": rng.uniform(0.05, 1, size=6)}


LOSSES = {
    f.name: f
    for f in (
        Family("cross_entropy", cross_entropy, cross_entropy_torch, _classes, frozenset({"losses", "loss"})),
        Family(
            "cross_entropy_probs",
            cross_entropy_probs,
            cross_entropy_probs_torch,
            _probabilities,
            frozenset({"losses", "loss"}),
        ),
        Family("nll", nll, nll_torch, _classes, frozenset({"losses", "loss"})),
        Family("kl_div", kl_div, kl_div_torch, _kl_sample, frozenset({"pointwise"})),
        _pointwise("mse", lambda x, y: (x - y) ** 2, "mse_loss"),
        _pointwise("l1", lambda x, y: np.abs(x - y), "l1_loss"),
        _pointwise("huber", _huber, "huber_loss", delta=(0.5, 2.0)),
        _pointwise("smooth_l1", _smooth_l1, "smooth_l1_loss", beta=(0.5, 2.0)),
        _pointwise("bce", _bce, "binary_cross_entropy"),
        _pointwise("bce_logits", _bce_logits, "binary_cross_entropy_with_logits"),
        Family("bce_pos_weight", bce_pos_weight, bce_pos_weight_torch, _pos_weight_sample, frozenset({"losses"})),
    )
}


# --- Adam: the last of a few steps, with the state before and after it ---------------------------------------------


def _adam_run(theta0: Any, grads: Any, lr: float, beta1: float, beta2: float, eps: float, wd: float, ams: bool):
    theta = np.array(theta0, dtype=float)
    m, v, vmax = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    record: dict[str, Any] = {}
    for step, grad in enumerate(np.asarray(grads, dtype=float), start=1):
        record = {"theta_prev": theta, "m_prev": m, "v_prev": v, "vmax_prev": vmax, "grad": grad, "step": step}
        decayed = grad + wd * theta
        m = beta1 * m + (1 - beta1) * decayed
        v = beta2 * v + (1 - beta2) * decayed**2
        vmax = np.maximum(vmax, v)
        m_hat, v_hat = m / (1 - beta1**step), (vmax if ams else v) / (1 - beta2**step)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        record |= {"grad_decayed": decayed, "m": m, "v": v, "vmax": vmax, "m_hat": m_hat, "v_hat": v_hat}
        record["theta"] = theta
    return record


def adam(theta0: Any, grads: Any, lr: float, beta1: float, beta2: float, eps: float, weight_decay: float) -> Outputs:
    plain = _adam_run(theta0, grads, lr, beta1, beta2, eps, weight_decay, ams=False)
    ams = _adam_run(theta0, grads, lr, beta1, beta2, eps, weight_decay, ams=True)
    hyper = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps, "weight_decay": weight_decay}
    return {
        **hyper,
        **plain,
        "ams_v": ams["v"],
        "ams_vmax_prev": ams["vmax_prev"],
        "ams_vmax": ams["vmax"],
        "ams_v_hat": ams["v_hat"],
    }


def adam_torch(
    theta0: Any, grads: Any, lr: float, beta1: float, beta2: float, eps: float, weight_decay: float
) -> Outputs:
    import torch

    def run(ams: bool) -> dict[str, Any]:
        param = torch.nn.Parameter(_t(theta0))
        optimizer = torch.optim.Adam(
            [param], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, amsgrad=ams, foreach=False
        )
        before: dict[str, Any] = {}
        for grad in np.asarray(grads, dtype=float):
            state = optimizer.state[param]
            before = {"theta_prev": _n(param), **{k: _n(state[k]) for k in ("exp_avg", "exp_avg_sq") if k in state}}
            if ams and "max_exp_avg_sq" in state:
                before["vmax_prev"] = _n(state["max_exp_avg_sq"])
            param.grad = _t(grad)
            optimizer.step()
        state = optimizer.state[param]
        after = {"theta": _n(param), "m": _n(state["exp_avg"]), "v": _n(state["exp_avg_sq"])}
        if ams:
            after["vmax"] = _n(state["max_exp_avg_sq"])
        return {**before, **after}

    plain, ams = run(False), run(True)
    outputs = adam(theta0, grads, lr, beta1, beta2, eps, weight_decay)
    zeros = np.zeros(len(theta0))
    return {
        **outputs,
        "theta_prev": plain["theta_prev"],
        "m_prev": plain.get("exp_avg", zeros),
        "v_prev": plain.get("exp_avg_sq", zeros),
        "m": plain["m"],
        "v": plain["v"],
        "theta": plain["theta"],
        "ams_v": ams["v"],
        "ams_vmax_prev": ams.get("vmax_prev", zeros),
        "ams_vmax": ams["vmax"],
    }


def _adam_sample(rng: np.random.Generator) -> dict[str, Any]:
    steps = int(rng.integers(1, 6))
    return {
        "theta0": rng.normal(size=4),
        "grads": rng.normal(size=(steps, 4)),
        "lr": float(rng.uniform(1e-3, 1e-1)),
        "beta1": float(rng.uniform(0.8, 0.95)),
        "beta2": float(rng.uniform(0.9, 0.999)),
        "eps": float(rng.uniform(1e-8, 1e-3)),
        "weight_decay": float(rng.uniform(0, 0.1)),
    }


ADAM_EXPOSES = frozenset({"theta_prev", "m_prev", "v_prev", "m", "v", "theta", "ams_v", "ams_vmax_prev", "ams_vmax"})
LOSSES["adam"] = Family("adam", adam, adam_torch, _adam_sample, ADAM_EXPOSES)
