"""Tests of :class:`baseline_recsys.sampling.FrequencySampler`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baseline_recsys.sampling import FrequencySampler, _alias_table

FREQUENCY = np.array([5, 0, 1, 10, 3, 0, 20, 1])
N_DRAWS = 200_000


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _empirical(draws: torch.Tensor, n: int) -> np.ndarray:
    return np.bincount(draws.numpy().ravel(), minlength=n) / draws.numel()


@pytest.mark.parametrize("power", [1.0, 0.75, 0.0])
def test_empirical_distribution_matches_frequency_power(power: float) -> None:
    sampler = FrequencySampler(FREQUENCY, power=power)
    weights = np.where(FREQUENCY > 0, FREQUENCY.astype(float) ** power, 0.0)
    expected = weights / weights.sum()
    np.testing.assert_allclose(sampler.probabilities.numpy(), expected, rtol=1e-12)
    draws = sampler.sample(N_DRAWS, _gen())
    assert draws.dtype == torch.int64
    observed = _empirical(draws, len(FREQUENCY))
    # 5 standard errors of a binomial share: a false alarm is vanishingly unlikely.
    tolerance = 5 * np.sqrt(expected * (1 - expected) / N_DRAWS) + 1e-12
    assert np.all(np.abs(observed - expected) <= tolerance), (observed, expected)


def test_power_zero_is_uniform_over_seen_products() -> None:
    sampler = FrequencySampler(FREQUENCY, power=0.0)
    seen = FREQUENCY > 0
    probs = sampler.probabilities.numpy()
    np.testing.assert_allclose(probs[seen], 1 / seen.sum())
    assert np.all(probs[~seen] == 0)
    assert sampler.n_candidates == seen.sum()


@pytest.mark.parametrize("power", [1.0, 0.75, 0.0])
def test_zero_frequency_and_excluded_products_are_never_drawn(power: float) -> None:
    exclude = np.zeros(len(FREQUENCY), dtype=bool)
    exclude[[3, 7]] = True  # one frequent and one rare product
    sampler = FrequencySampler(FREQUENCY, power=power, exclude=exclude)
    draws = sampler.sample((N_DRAWS // 4, 4), _gen(1))
    assert draws.shape == (N_DRAWS // 4, 4)
    drawn = set(np.unique(draws.numpy()).tolist())
    assert drawn == {0, 2, 4, 6}
    assert sampler.n_candidates == 4


def test_trailing_zero_weight_products_are_never_drawn() -> None:
    """Rounding in the alias table must not let a zero-weight product through."""
    frequency = np.array([0, 3, 7, 0, 0])
    sampler = FrequencySampler(frequency, power=0.75)
    draws = sampler.sample(N_DRAWS, _gen(2))
    assert set(np.unique(draws.numpy()).tolist()) == {1, 2}
    # a zero-weight id is never kept, whatever the coin, and aliases a drawable one
    zero = torch.tensor([0, 3, 4])
    assert not sampler._keep[zero].any()
    assert set(sampler._alias[zero].tolist()) <= {1, 2}


def test_accepts_torch_frequencies_and_masks() -> None:
    frequency = torch.tensor([1, 1, 1, 1])
    exclude = torch.tensor([False, True, False, False])
    sampler = FrequencySampler(frequency, exclude=exclude)
    assert 1 not in set(sampler.sample(10_000, _gen()).tolist())


def test_sample_for_never_returns_the_anchor() -> None:
    # power 0: six candidates, each drawn with chance 1/6, so ten redraw rounds
    # leave a clash with chance (1/6)**11 per slot.
    sampler = FrequencySampler(FREQUENCY, power=0.0)
    anchors = torch.tensor([6, 3, 0, 4, 2, 7, 6, 6] * 500)
    negatives = sampler.sample_for(anchors, 10, _gen(3))
    assert negatives.shape == (len(anchors), 10)
    assert not (negatives == anchors.unsqueeze(1)).any()
    assert set(np.unique(negatives.numpy()).tolist()) <= {0, 2, 3, 4, 6, 7}


def test_sample_for_redraws_clashes_with_a_frequent_anchor() -> None:
    # product 6 has about half of the mass: without redraws ~half of its slots clash
    sampler = FrequencySampler(FREQUENCY, power=1.0)
    anchors = torch.full((2000,), 6)
    negatives = sampler.sample_for(anchors, 10, _gen(3))
    share = float((negatives == 6).double().mean())
    assert share < 0.01
    assert sampler.probabilities[6] > 0.45


def test_sample_for_never_returns_the_anchor_with_skewed_frequencies() -> None:
    sampler = FrequencySampler(np.array([0, 1000, 0, 1]))
    anchors = torch.tensor([1, 3] * 200)
    negatives = sampler.sample_for(anchors, 5, _gen(4))
    assert torch.equal(negatives[anchors == 1], torch.full((200, 5), 3))
    assert torch.equal(negatives[anchors == 3], torch.full((200, 5), 1))


def test_sample_for_never_returns_a_frequent_anchor() -> None:
    sampler = FrequencySampler(FREQUENCY, power=1.0)
    anchors = torch.full((2000,), 6)
    negatives = sampler.sample_for(anchors, 10, _gen(3))
    assert not (negatives == 6).any()


def test_sample_for_with_a_single_candidate_keeps_it() -> None:
    sampler = FrequencySampler(np.array([0, 4, 0]))
    negatives = sampler.sample_for(torch.tensor([1, 0]), 3, _gen())
    assert torch.equal(negatives, torch.ones(2, 3, dtype=torch.int64))


def test_same_seed_same_draws() -> None:
    sampler = FrequencySampler(FREQUENCY, power=0.75)
    anchors = torch.arange(8).repeat(50)
    assert torch.equal(sampler.sample(1000, _gen(5)), sampler.sample(1000, _gen(5)))
    assert torch.equal(
        sampler.sample_for(anchors, 4, _gen(5)), sampler.sample_for(anchors, 4, _gen(5))
    )
    assert not torch.equal(sampler.sample(1000, _gen(5)), sampler.sample(1000, _gen(6)))


def test_all_zero_weights_raise() -> None:
    with pytest.raises(ValueError, match="every weight is zero"):
        FrequencySampler(np.zeros(4))


def test_everything_excluded_raises() -> None:
    with pytest.raises(ValueError, match="every weight is zero"):
        FrequencySampler(np.array([1, 2, 0]), exclude=np.array([True, True, False]))


def test_negative_frequency_raises() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        FrequencySampler(np.array([1, -1, 2]))


@pytest.mark.parametrize("power", [1.0, 0.5, 0.0])
def test_alias_table_reproduces_the_distribution_exactly(power: float) -> None:
    """keep/alias encode the probabilities exactly (not just in the limit)."""
    rng = np.random.default_rng(3)
    frequency = rng.integers(0, 50, 1000)
    frequency[::7] = 0
    sampler = FrequencySampler(frequency, power=power)
    keep, alias = _alias_table(sampler.probabilities.numpy())
    n = len(frequency)
    implied = keep / n
    np.add.at(implied, alias, (1.0 - keep) / n)
    np.testing.assert_allclose(implied, sampler.probabilities.numpy(), atol=1e-12)
    assert not np.any(implied[frequency == 0])


@pytest.mark.parametrize("with_zeros", [False, True])
def test_equal_weights_draw_uniformly_over_the_drawable_products(
    with_zeros: bool,
) -> None:
    # power 0 (the default) takes the uniform path: only products with a
    # frequency, each equally often
    frequency = np.arange(1, 41)
    if with_zeros:
        frequency[::4] = 0
    sampler = FrequencySampler(frequency, power=0.0)
    draws = sampler.sample(200_000, torch.Generator().manual_seed(5)).numpy()
    counts = np.bincount(draws, minlength=len(frequency))
    drawable = frequency > 0
    assert not counts[~drawable].any()
    expected = len(draws) / drawable.sum()
    assert np.abs(counts[drawable] - expected).max() < 5 * np.sqrt(expected)
