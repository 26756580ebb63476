"""computed/batchnorm.py against identities and against torch.nn.functional.batch_norm."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from computed import batchnorm as bn


def _batch(m: int, d: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(rng.uniform(-5, 5, size=d), rng.uniform(0.5, 4, size=d), size=(m, d)),
        "gamma": rng.uniform(0.2, 3, size=d),
        "beta": rng.normal(size=d),
        "running_mean": rng.normal(size=d),
        "running_var": rng.uniform(0.5, 2, size=d),
    }


@pytest.mark.parametrize(("m", "d"), [(2, 1), (4, 3), (64, 5)])
def test_training_output_has_mean_beta_and_std_gamma(m: int, d: int) -> None:
    batch = _batch(m, d, seed=m + d)
    eps = 1e-5
    y = bn.batch_norm_forward(**batch, eps=eps)["y"]
    np.testing.assert_allclose(y.mean(axis=0), batch["beta"], atol=1e-12)
    # eps inside the square root shrinks the std slightly below gamma: by the factor sqrt(var / (var + eps)).
    var = batch["x"].var(axis=0)
    np.testing.assert_allclose(y.std(axis=0), batch["gamma"] * np.sqrt(var / (var + eps)), rtol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), batch["gamma"], rtol=1e-4)


SHAPES = [(2, 1), (4, 3), (16, 8), (128, 4)]
MOMENTUMS = [0.1, 0.5, 1.0]
EPSILONS = [1e-5, 1e-3, 0.5]


@pytest.mark.parametrize(("shape", "momentum", "eps"), list(itertools.product(SHAPES, MOMENTUMS, EPSILONS)))
def test_training_pass_matches_pytorch_including_running_statistics(
    shape: tuple[int, int], momentum: float, eps: float
) -> None:
    batch = _batch(*shape, seed=shape[0] * 31 + shape[1])
    ours = bn.batch_norm_forward(**batch, eps=eps, momentum=momentum, training=True)
    tensors = {k: torch.tensor(v, dtype=torch.float64) for k, v in batch.items()}
    running_mean, running_var = tensors["running_mean"].clone(), tensors["running_var"].clone()
    y = F.batch_norm(
        tensors["x"],
        running_mean,  # updated in place by PyTorch
        running_var,
        weight=tensors["gamma"],
        bias=tensors["beta"],
        training=True,
        momentum=momentum,
        eps=eps,
    )
    np.testing.assert_allclose(ours["y"], y.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours["running_mean"], running_mean.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ours["running_var"], running_var.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("shape", "eps"), list(itertools.product(SHAPES, EPSILONS)))
def test_inference_pass_matches_pytorch_and_leaves_running_statistics(shape: tuple[int, int], eps: float) -> None:
    batch = _batch(*shape, seed=shape[0] + 7)
    ours = bn.batch_norm_forward(**batch, eps=eps, training=False)
    tensors = {k: torch.tensor(v, dtype=torch.float64) for k, v in batch.items()}
    y = F.batch_norm(
        tensors["x"],
        tensors["running_mean"],
        tensors["running_var"],
        weight=tensors["gamma"],
        bias=tensors["beta"],
        training=False,
        eps=eps,
    )
    np.testing.assert_allclose(ours["y"], y.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(ours["running_mean"], batch["running_mean"])
    np.testing.assert_array_equal(ours["running_var"], batch["running_var"])


def test_running_variance_uses_the_unbiased_batch_variance() -> None:
    x = np.array([[0.0], [2.0]])  # biased variance 1, unbiased 2
    out = bn.batch_norm_forward(x, [1.0], [0.0], [0.0], [0.0], momentum=1.0)
    assert out["running_mean"].tolist() == [1.0]
    assert out["running_var"].tolist() == [2.0]


def test_the_worked_example_steps_agree_with_the_forward_pass() -> None:
    batch = _batch(4, 3, seed=1)
    steps = bn.batch_norm_steps(**batch, eps=1e-5, momentum=0.1)
    forward = bn.batch_norm_forward(**batch, eps=1e-5, momentum=0.1)
    assert steps["batch_size"] == 4
    np.testing.assert_allclose(steps["mean"], batch["x"].mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(steps["variance"], batch["x"].var(axis=0), rtol=1e-15)
    np.testing.assert_allclose(steps["unbiased_variance"], batch["x"].var(axis=0, ddof=1), rtol=1e-14)
    for name in ("y", "running_mean", "running_var"):
        np.testing.assert_array_equal(steps[name], forward[name])


@pytest.mark.parametrize(
    ("x", "training", "message"),
    [
        ([1.0, 2.0], True, "x must have shape (m, d), got (2,)"),
        ([[1.0, 2.0]], True, "training mode needs at least 2 examples to estimate a variance"),
    ],
)
def test_invalid_batches_are_refused(x: list, training: bool, message: str) -> None:
    with pytest.raises(ValueError) as info:
        bn.batch_norm_forward(x, [1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0], training=training)
    assert str(info.value) == message


def test_the_sampler_draws_valid_inputs_of_varying_shape() -> None:
    rng = np.random.default_rng(0)
    shapes = set()
    for _ in range(20):
        inputs = bn.sample_batch_norm_steps(rng)
        shapes.add(inputs["x"].shape)
        bn.batch_norm_steps(**inputs)  # valid: does not raise
        assert np.all(inputs["running_var"] > 0) and 0 < inputs["momentum"] <= 1
    assert len(shapes) > 5
