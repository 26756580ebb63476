"""Losses: regression and classification losses, focal, contrastive, Dice, the VAE's KL term, the check function."""

from __future__ import annotations

from typing import Any

import numpy as np


def regression_errors(y: Any, yhat: Any) -> dict[str, Any]:
    y, yhat = np.asarray(y, dtype=float), np.asarray(yhat, dtype=float)
    return {"n": len(y), "mse": float(np.mean((y - yhat) ** 2)), "mae": float(np.mean(np.abs(y - yhat)))}


def sample_regression_errors(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 10))
    return {"y": rng.normal(0, 3, size=size).tolist(), "yhat": rng.normal(0, 3, size=size).tolist()}


def huber(a: Any, delta: float) -> dict[str, Any]:
    a = np.asarray(a, dtype=float)
    return {"loss": np.where(np.abs(a) <= delta, a**2 / 2, delta * (np.abs(a) - delta / 2))}


def sample_huber(rng: np.random.Generator) -> dict[str, Any]:
    return {"a": rng.normal(0, 3, size=8).tolist(), "delta": float(rng.uniform(0.5, 2))}


def smooth_l1(x: Any) -> dict[str, Any]:
    x = np.asarray(x, dtype=float)
    return {"loss": np.where(np.abs(x) < 1, 0.5 * x**2, np.abs(x) - 0.5)}


def sample_smooth_l1(rng: np.random.Generator) -> dict[str, Any]:
    return {"x": rng.normal(0, 2, size=8).tolist()}


def binary_cross_entropy(y: Any, yhat: Any) -> dict[str, Any]:
    """Labels y_n in {0, 1} and predicted probabilities: each sample's cross-entropy, their mean, the likelihood."""
    y, yhat = np.asarray(y, dtype=float), np.asarray(yhat, dtype=float)
    each = -(y * np.log(yhat) + (1 - y) * np.log(1 - yhat))
    return {
        "n": len(y),
        "per_sample": each,
        "mean": float(each.mean()),
        "total": float(each.sum()),
        "likelihood": float(np.prod(np.where(y == 1, yhat, 1 - yhat))),
    }


def sample_binary_cross_entropy(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 9))
    return {"y": rng.integers(0, 2, size=size).tolist(), "yhat": rng.uniform(0.05, 0.95, size=size).tolist()}


def categorical_cross_entropy(t: Any, y: Any) -> dict[str, Any]:
    """One-hot targets t_nk and predicted probabilities y_nk: the summed cross-entropy and the likelihood."""
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    return {
        "n": len(t),
        "classes": t.shape[1],
        "total": float(-np.sum(t * np.log(y))),
        "likelihood": float(np.prod(y**t)),
    }


def sample_categorical_cross_entropy(rng: np.random.Generator) -> dict[str, Any]:
    rows, classes = int(rng.integers(2, 6)), int(rng.integers(2, 5))
    return {
        "t": np.eye(classes)[rng.integers(0, classes, size=rows)].tolist(),
        "y": rng.dirichlet(np.ones(classes), size=rows).tolist(),
    }


def negative_log_likelihood(p: Any) -> dict[str, Any]:
    """The probability the model gives each sample's label: the mean negative log-likelihood."""
    p = np.asarray(p, dtype=float)
    return {"n": len(p), "nll": float(-np.mean(np.log(p)))}


def sample_negative_log_likelihood(rng: np.random.Generator) -> dict[str, Any]:
    return {"p": rng.uniform(0.05, 1, size=int(rng.integers(3, 9))).tolist()}


def focal(p: Any, y: Any, alpha: float, gamma: float) -> dict[str, Any]:
    """Lin et al.'s focal loss with alpha_t = alpha for the positive class and 1 - alpha for the other."""
    p, y = np.asarray(p, dtype=float), np.asarray(y)
    pt = np.where(y == 1, p, 1 - p)
    at = np.where(y == 1, alpha, 1 - alpha)
    return {"pt": pt, "at": at, "loss": -at * (1 - pt) ** gamma * np.log(pt)}


def sample_focal(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 9))
    return {
        "p": rng.uniform(0.05, 0.95, size=size).tolist(),
        "y": rng.integers(0, 2, size=size).tolist(),
        "alpha": float(rng.uniform(0.1, 0.9)),
        "gamma": float(rng.uniform(0.5, 3)),
    }


def hinge(t: Any, y: Any) -> dict[str, Any]:
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    return {"loss": np.maximum(0, 1 - t * y)}


def sample_hinge(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 9))
    return {"t": rng.choice([-1.0, 1.0], size=size).tolist(), "y": rng.normal(0, 2, size=size).tolist()}


def vae_kl(mu: Any, sigma: Any) -> dict[str, Any]:
    """The negative KL divergence of N(mu, sigma^2) from N(0, I), summed over the J latent dimensions."""
    mu, sigma = np.asarray(mu, dtype=float), np.asarray(sigma, dtype=float)
    return {"dims": len(mu), "neg_kl": float(0.5 * np.sum(1 + np.log(sigma**2) - mu**2 - sigma**2))}


def sample_vae_kl(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(2, 8))
    return {"mu": rng.normal(size=size).tolist(), "sigma": rng.uniform(0.3, 2, size=size).tolist()}


def contrastive(distance: Any, y: Any, margin: float) -> dict[str, Any]:
    """Hadsell et al.: Y = 0 for a similar pair, 1 for a dissimilar one; D_W the distance of each pair."""
    d, y = np.asarray(distance, dtype=float), np.asarray(y, dtype=float)
    return {"loss": (1 - y) * 0.5 * d**2 + y * 0.5 * np.maximum(0, margin - d) ** 2}


def sample_contrastive(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 9))
    return {
        "distance": rng.uniform(0, 3, size=size).tolist(),
        "y": rng.integers(0, 2, size=size).tolist(),
        "margin": float(rng.uniform(0.5, 2.5)),
    }


def dice(p: Any, g: Any) -> dict[str, Any]:
    p, g = np.asarray(p, dtype=float), np.asarray(g, dtype=float)
    return {"n": len(p), "dice": float(2 * np.sum(p * g) / (np.sum(p**2) + np.sum(g**2)))}


def sample_dice(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(4, 12))
    return {"p": rng.uniform(0, 1, size=size).tolist(), "g": rng.integers(0, 2, size=size).tolist()}


def check_function(u: Any, tau: float) -> dict[str, Any]:
    """Koenker's check function of quantile regression, at each residual u."""
    u = np.asarray(u, dtype=float)
    return {"rho": u * (tau - (u < 0))}


def sample_check_function(rng: np.random.Generator) -> dict[str, Any]:
    return {"u": rng.normal(0, 2, size=8).tolist(), "tau": float(rng.uniform(0.05, 0.95))}


def label_smoothing(y: Any, alpha: float) -> dict[str, Any]:
    y = np.asarray(y, dtype=float)
    return {"classes": len(y), "smoothed": y * (1 - alpha) + alpha / len(y)}


def sample_label_smoothing(rng: np.random.Generator) -> dict[str, Any]:
    classes = int(rng.integers(3, 8))
    return {"y": np.eye(classes)[rng.integers(0, classes)].tolist(), "alpha": float(rng.uniform(0.05, 0.3))}


def f_score(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}


def sample_f_score(rng: np.random.Generator) -> dict[str, Any]:
    return {"tp": int(rng.integers(1, 100)), "fp": int(rng.integers(0, 50)), "fn": int(rng.integers(0, 50))}
