"""computed/perplexity.py against identities and against PyTorch's cross-entropy."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from computed import perplexity as pp

probabilities = st.lists(st.floats(min_value=1e-6, max_value=1.0), min_size=1, max_size=60)


@given(st.integers(min_value=1, max_value=50_000), st.integers(min_value=1, max_value=30))
def test_a_uniform_model_over_v_tokens_has_perplexity_v(vocab: int, n: int) -> None:
    p = [1.0 / vocab] * n
    assert pp.perplexity(p, base=2.0) == pytest.approx(vocab, rel=1e-9)
    assert pp.perplexity(p, base=math.e) == pytest.approx(vocab, rel=1e-9)
    assert pp.cross_entropy(p, base=2.0) == pytest.approx(math.log2(vocab), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("vocab", [1, 2, 7, 50_257])
def test_equal_logits_give_perplexity_v(vocab: int) -> None:
    logits = np.full((5, vocab), 3.7)
    assert pp.perplexity_from_logits(logits, [0, vocab - 1, 0, 0, vocab // 2]) == pytest.approx(vocab, rel=1e-9)


@given(probabilities)
def test_perplexity_in_bits_and_nats_agree(p: list[float]) -> None:
    bits, nats = pp.cross_entropy(p, base=2.0), pp.cross_entropy(p, base=math.e)
    assert 2.0**bits == pytest.approx(math.exp(nats), rel=1e-9)
    assert nats == pytest.approx(bits * math.log(2.0), rel=1e-9, abs=1e-12)
    assert pp.perplexity(p, base=10.0) == pytest.approx(pp.perplexity(p, base=2.0), rel=1e-9)


def test_the_worked_example_step_by_step() -> None:
    steps = pp.perplexity_steps([0.25, 0.5, 0.125, 0.5])
    # log2 of powers of two are exact: -2, -1, -3, -1; the sum is -7, the mean -1.75.
    assert steps["n_tokens"] == 4
    assert steps["log2_p"].tolist() == [-2.0, -1.0, -3.0, -1.0]
    assert steps["sum_log2_p"] == -7.0
    assert steps["cross_entropy_bits"] == 1.75
    assert steps["perplexity"] == pytest.approx(2**1.75, rel=1e-15)
    assert steps["cross_entropy_nats"] == pytest.approx(1.75 * math.log(2), rel=1e-15)
    assert steps["perplexity_from_nats"] == pytest.approx(2**1.75, rel=1e-12)


@pytest.mark.parametrize(("n", "vocab", "scale"), [(1, 2, 1.0), (4, 10, 3.0), (32, 1000, 10.0), (7, 5, 300.0)])
def test_cross_entropy_from_logits_matches_pytorch(n: int, vocab: int, scale: float) -> None:
    rng = np.random.default_rng(n * vocab)
    logits = rng.normal(scale=scale, size=(n, vocab))
    targets = rng.integers(0, vocab, size=n)
    expected = F.cross_entropy(torch.tensor(logits, dtype=torch.float64), torch.tensor(targets)).item()
    assert pp.cross_entropy_from_logits(logits, targets) == pytest.approx(expected, rel=1e-12)
    assert pp.cross_entropy_from_logits(logits, targets, base=2.0) == pytest.approx(expected / math.log(2), rel=1e-12)
    assert pp.perplexity_from_logits(logits, targets) == pytest.approx(math.exp(expected), rel=1e-12)


def test_log_softmax_is_stable_for_huge_logits() -> None:
    logits = np.array([[1000.0, 999.0, -1000.0], [-5e5, -5e5, -5e5]])
    expected = torch.log_softmax(torch.tensor(logits, dtype=torch.float64), dim=-1).numpy()
    result = pp.log_softmax(logits)
    assert np.all(np.isfinite(result))
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("p", "message"),
    [([], "probabilities must be a non-empty 1-D array"), ([0.5, 0.0], "every probability must lie in (0, 1]")],
)
def test_invalid_probabilities_are_refused(p: list[float], message: str) -> None:
    with pytest.raises(ValueError) as info:
        pp.cross_entropy(p)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("logits", "targets", "message"),
    [
        (np.zeros(3), [0], "logits must have shape (N, V) with N >= 1, got (3,)"),
        (np.zeros((2, 3)), [0, 3], "targets must be N = 2 whole numbers from 0 to V - 1 = 2"),
        (np.zeros((2, 3)), [0, -1], "targets must be N = 2 whole numbers from 0 to V - 1 = 2"),
        (np.zeros((2, 3)), [0, 1.5], "targets must be N = 2 whole numbers from 0 to V - 1 = 2"),
        (np.zeros((2, 3)), [0], "targets must be N = 2 whole numbers from 0 to V - 1 = 2"),
    ],
)
def test_invalid_targets_are_refused(logits: np.ndarray, targets: list[float], message: str) -> None:
    with pytest.raises(ValueError) as info:
        pp.cross_entropy_from_logits(logits, targets)
    assert str(info.value) == message


def test_the_sampler_draws_valid_inputs_of_varying_length() -> None:
    rng = np.random.default_rng(0)
    lengths = set()
    for _ in range(20):
        p = pp.sample_perplexity_steps(rng)["probabilities"]
        assert np.all((p > 0) & (p <= 1))
        lengths.add(p.size)
    assert len(lengths) > 5
