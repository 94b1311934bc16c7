"""Tests of :mod:`baseline_recsys.losses`."""

from __future__ import annotations

import math

import pytest
import torch

from baseline_recsys.losses import LOSSES, binary_loss, continuous_loss, get_loss


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


POS = [2.0, -1.0]
NEG = [[0.5, -3.0], [1.0, 0.0]]
WEIGHTS = [1.0, 0.5]


def test_binary_loss_matches_hand_computed_bce() -> None:
    # positives: -log σ(x); negatives: -log(1 - σ(x)); mean over all six scores
    terms = [-math.log(_sigmoid(x)) for x in POS]
    terms += [-math.log(1 - _sigmoid(x)) for row in NEG for x in row]
    expected = sum(terms) / len(terms)
    loss = binary_loss(torch.tensor(POS), torch.tensor(NEG), torch.tensor(WEIGHTS))
    assert loss.shape == ()
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_binary_loss_ignores_pair_weights() -> None:
    pos, neg = torch.tensor(POS), torch.tensor(NEG)
    assert torch.equal(
        binary_loss(pos, neg, torch.tensor([1.0, 1.0])),
        binary_loss(pos, neg, torch.tensor([5.0, 0.1])),
    )


def test_binary_loss_is_small_for_confident_right_answers() -> None:
    loss = binary_loss(
        torch.tensor([20.0]), torch.tensor([[-20.0, -20.0]]), torch.tensor([1.0])
    )
    assert float(loss) < 1e-6


def test_continuous_loss_matches_hand_computed_mse() -> None:
    preds = [_sigmoid(x) for x in POS] + [_sigmoid(x) for row in NEG for x in row]
    targets = [*WEIGHTS, 0.0, 0.0, 0.0, 0.0]
    expected = sum((p - t) ** 2 for p, t in zip(preds, targets, strict=True)) / len(
        preds
    )
    loss = continuous_loss(torch.tensor(POS), torch.tensor(NEG), torch.tensor(WEIGHTS))
    assert loss.shape == ()
    assert float(loss) == pytest.approx(expected, rel=1e-6)


def test_continuous_loss_uses_pair_weights() -> None:
    pos, neg = torch.tensor([0.0]), torch.tensor([[0.0]])
    # σ(0) = 0.5: (0.5 - w)² and (0.5 - 0)², averaged
    assert float(continuous_loss(pos, neg, torch.tensor([2.0]))) == pytest.approx(
        (2.25 + 0.25) / 2
    )
    assert float(continuous_loss(pos, neg, torch.tensor([0.5]))) == pytest.approx(
        0.25 / 2
    )


def test_continuous_loss_accepts_other_weight_dtypes() -> None:
    loss = continuous_loss(
        torch.tensor([0.0]), torch.tensor([[0.0]]), torch.tensor([1], dtype=torch.int64)
    )
    assert loss.dtype == torch.float32
    assert float(loss) == pytest.approx(0.25)


@pytest.mark.parametrize("loss_fn", [binary_loss, continuous_loss])
def test_losses_have_gradients(loss_fn) -> None:
    pos = torch.tensor(POS, requires_grad=True)
    neg = torch.tensor(NEG, requires_grad=True)
    loss_fn(pos, neg, torch.tensor(WEIGHTS)).backward()
    # raising a positive's score lowers the loss; raising a negative's raises it
    assert (pos.grad < 0).all()
    assert (neg.grad > 0).all()


def test_get_loss_known_modes() -> None:
    assert get_loss("binary") is binary_loss
    assert get_loss("continuous") is continuous_loss
    assert set(LOSSES) == {"binary", "continuous"}


@pytest.mark.parametrize("bad", ["bpr", "Binary", ""])
def test_get_loss_unknown_mode_raises(bad: str) -> None:
    with pytest.raises(ValueError, match=repr(bad)) as info:
        get_loss(bad)
    assert "binary" in str(info.value)
    assert "continuous" in str(info.value)
