"""Normalisation: batch, layer, RMS, group and weight normalisation, standard scores, feature scaling."""

from __future__ import annotations

from typing import Any

import numpy as np


def batch_norm(x: Any, gamma: Any, beta: Any, eps: float) -> dict[str, Any]:
    """A mini-batch of m rows by features (Ioffe & Szegedy's Algorithm 1)."""
    x = np.asarray(x, dtype=float)
    mean, variance = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mean) / np.sqrt(variance + eps)
    return {"m": len(x), "mean": mean, "variance": variance, "xhat": xhat, "y": np.asarray(gamma) * xhat + beta}


def sample_batch_norm(rng: np.random.Generator) -> dict[str, Any]:
    rows, features = int(rng.integers(3, 7)), int(rng.integers(2, 5))
    return {
        "x": rng.normal(1, 2, size=(rows, features)).tolist(),
        "gamma": rng.uniform(0.5, 2, size=features).tolist(),
        "beta": rng.normal(size=features).tolist(),
        "eps": float(rng.uniform(1e-5, 1e-2)),
    }


def layer_norm(a: Any) -> dict[str, Any]:
    """The summed inputs a_i of the H hidden units of one layer: their mean and standard deviation."""
    a = np.asarray(a, dtype=float)
    return {"hidden": len(a), "mean": float(a.mean()), "std": float(a.std())}


def sample_layer_norm(rng: np.random.Generator) -> dict[str, Any]:
    return {"a": rng.normal(0.5, 2, size=int(rng.integers(3, 10))).tolist()}


def rms_norm(a: Any, g: Any) -> dict[str, Any]:
    a = np.asarray(a, dtype=float)
    rms = float(np.sqrt(np.mean(a**2)))
    return {"n": len(a), "rms": rms, "normalised": a / rms * np.asarray(g, dtype=float)}


def sample_rms_norm(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 9))
    return {"a": rng.normal(0, 2, size=size).tolist(), "g": rng.uniform(0.5, 1.5, size=size).tolist()}


def standardise(x: Any, mu: Any, sigma: Any) -> dict[str, Any]:
    """Each value less its mean, over its standard deviation (group norm's x_i, the z-score)."""
    x, mu, sigma = (np.asarray(v, dtype=float) for v in (x, mu, sigma))
    return {"z": (x - mu) / sigma}


def sample_standardise(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 9))
    return {
        "x": rng.normal(0, 3, size=size).tolist(),
        "mu": rng.normal(size=size).tolist(),
        "sigma": rng.uniform(0.5, 2, size=size).tolist(),
    }


def weight_norm(v: Any, g: float) -> dict[str, Any]:
    v = np.asarray(v, dtype=float)
    return {"w": g / np.linalg.norm(v) * v}


def sample_weight_norm(rng: np.random.Generator) -> dict[str, Any]:
    return {"v": rng.normal(size=int(rng.integers(2, 7))).tolist(), "g": float(rng.uniform(0.5, 3))}


def feature_scaling(x: Any) -> dict[str, Any]:
    """Min-max scaling, mean normalisation and scaling to unit length of one feature's values."""
    x = np.asarray(x, dtype=float)
    span = x.max() - x.min()
    return {
        "mean": float(x.mean()),
        "min_max": (x - x.min()) / span,
        "mean_normalised": (x - x.mean()) / span,
        "unit": x / np.linalg.norm(x),
    }


def sample_feature_scaling(rng: np.random.Generator) -> dict[str, Any]:
    return {"x": rng.normal(2, 4, size=int(rng.integers(3, 10))).tolist()}
