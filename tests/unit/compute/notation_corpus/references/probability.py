"""Probability: Bayes' rule, densities and mass functions, expectations, mixtures, estimators."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def bayes(likelihood: Any, prior: Any) -> dict[str, Any]:
    """Classes Y with a prior, an observation X with its likelihood under each class: evidence and posterior."""
    likelihood, prior = np.asarray(likelihood, dtype=float), np.asarray(prior, dtype=float)
    evidence = float(np.dot(likelihood, prior))
    return {"likelihood": likelihood, "prior": prior, "evidence": evidence, "posterior": likelihood * prior / evidence}


def sample_bayes(rng: np.random.Generator) -> dict[str, Any]:
    classes = int(rng.integers(2, 6))
    return {
        "likelihood": rng.uniform(0.05, 0.95, size=classes).tolist(),
        "prior": rng.dirichlet(np.ones(classes)).tolist(),
    }


def gaussian(x: Any, mu: float, sigma: float) -> dict[str, Any]:
    x = np.asarray(x, dtype=float)
    return {"density": np.exp(-((x - mu) ** 2) / (2 * sigma**2)) / math.sqrt(2 * math.pi * sigma**2)}


def sample_gaussian(rng: np.random.Generator) -> dict[str, Any]:
    return {"x": rng.normal(0, 2, size=5).tolist(), "mu": float(rng.normal()), "sigma": float(rng.uniform(0.5, 2))}


def bernoulli(x: Any, mu: float) -> dict[str, Any]:
    x = np.asarray(x, dtype=float)
    return {"probability": np.where(x == 1, mu, 1 - mu)}


def sample_bernoulli(rng: np.random.Generator) -> dict[str, Any]:
    return {"x": rng.integers(0, 2, size=6).tolist(), "mu": float(rng.uniform(0.05, 0.95))}


def binomial(m: Any, n: int, mu: float) -> dict[str, Any]:
    """The probability of m successes in n trials, for each m."""
    return {"probability": np.array([math.comb(n, k) * mu**k * (1 - mu) ** (n - k) for k in m])}


def sample_binomial(rng: np.random.Generator) -> dict[str, Any]:
    n = int(rng.integers(3, 12))
    return {"m": sorted(set(rng.integers(0, n + 1, size=4).tolist())), "n": n, "mu": float(rng.uniform(0.1, 0.9))}


def poisson(x: Any, lam: float) -> dict[str, Any]:
    return {"probability": np.array([math.exp(-lam) * lam**k / math.factorial(k) for k in x])}


def sample_poisson(rng: np.random.Generator) -> dict[str, Any]:
    return {"x": rng.integers(0, 9, size=5).tolist(), "lam": float(rng.uniform(0.5, 6))}


def expectation(p: Any, f: Any) -> dict[str, Any]:
    """A function's values f(x) on the outcomes of a distribution p(x): its expectation."""
    p, f = np.asarray(p, dtype=float), np.asarray(f, dtype=float)
    return {"expectation": float(np.sum(p * f))}


def sample_expectation(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(3, 8))
    return {"p": rng.dirichlet(np.ones(size)).tolist(), "f": rng.normal(0, 3, size=size).tolist()}


def sample_statistics(x: Any) -> dict[str, Any]:
    """Maximum-likelihood mean and variance of a sample, and the unbiased variance."""
    x = np.asarray(x, dtype=float)
    mean = float(x.mean())
    return {
        "n": len(x),
        "mean": mean,
        "variance": float(np.mean((x - mean) ** 2)),
        "unbiased_variance": float(np.sum((x - mean) ** 2) / (len(x) - 1)),
    }


def sample_sample_statistics(rng: np.random.Generator) -> dict[str, Any]:
    return {"x": rng.normal(1, 3, size=int(rng.integers(4, 12))).tolist()}


def mixture(x: float, weights: Any, means: Any, deviations: Any) -> dict[str, Any]:
    """A one-dimensional Gaussian mixture at the point x: each component's density, the mixture, responsibilities."""
    weights, means, deviations = (np.asarray(v, dtype=float) for v in (weights, means, deviations))
    densities = np.exp(-((x - means) ** 2) / (2 * deviations**2)) / np.sqrt(2 * np.pi * deviations**2)
    total = float(np.sum(weights * densities))
    return {"densities": densities, "density": total, "responsibilities": weights * densities / total}


def sample_mixture(rng: np.random.Generator) -> dict[str, Any]:
    components = int(rng.integers(2, 5))
    return {
        "x": float(rng.normal()),
        "weights": rng.dirichlet(np.ones(components)).tolist(),
        "means": rng.normal(0, 2, size=components).tolist(),
        "deviations": rng.uniform(0.5, 2, size=components).tolist(),
    }


def logistic_regression(w: Any, phi: Any) -> dict[str, Any]:
    w, phi = np.asarray(w, dtype=float), np.asarray(phi, dtype=float)
    return {"probability": float(1 / (1 + np.exp(-w @ phi)))}


def sample_logistic_regression(rng: np.random.Generator) -> dict[str, Any]:
    size = int(rng.integers(2, 6))
    return {"w": rng.normal(size=size).tolist(), "phi": rng.normal(size=size).tolist()}


def softmax_regression(a: Any) -> dict[str, Any]:
    """Class posteriors from the activations a_k."""
    a = np.asarray(a, dtype=float)
    return {"posterior": np.exp(a) / np.sum(np.exp(a))}


def sample_softmax_regression(rng: np.random.Generator) -> dict[str, Any]:
    return {"a": rng.normal(0, 2, size=int(rng.integers(2, 7))).tolist()}
