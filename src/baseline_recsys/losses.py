"""Losses for pairs scored by :class:`~baseline_recsys.model.MatrixFactorization`.

All losses share one signature, ``loss(pos, neg, pos_target) -> scalar``, where
``pos`` is ``(batch,)`` positive scores, ``neg`` is ``(batch, k)`` negative scores
and ``pos_target`` the label of each positive; negatives always have target 0.

* ``binary``: binary cross-entropy on logits (positives 1, negatives 0).
* ``continuous``: mean squared error of ``sigmoid(score)`` against the pair weight
  (0 for negatives), as in the seed post's continuous-label variant. The sigmoid
  keeps predictions in (0, 1) and the same score feeds the AUC; weights above 1
  (e.g. 2.0 for a pair bought together both ways) cannot be reached exactly, which
  only pushes such pairs further up the ranking.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

Loss = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def binary_loss(
    pos: torch.Tensor, neg: torch.Tensor, pos_target: torch.Tensor
) -> torch.Tensor:
    """Binary cross-entropy with logits over positives (target 1) and negatives (0).

    Args:
        pos: ``(batch,)`` positive logits.
        neg: ``(batch, k)`` negative logits.
        pos_target: Ignored (positives are 1); kept for the shared signature.

    Returns:
        Mean loss over all ``batch·(1+k)`` scores.
    """
    logits = torch.cat([pos, neg.reshape(-1)])
    target = torch.cat(
        [torch.ones_like(pos), torch.zeros(neg.numel(), dtype=pos.dtype)]
    )
    return F.binary_cross_entropy_with_logits(logits, target)


def continuous_loss(
    pos: torch.Tensor, neg: torch.Tensor, pos_target: torch.Tensor
) -> torch.Tensor:
    """Mean squared error of ``sigmoid(score)`` against the pair weight.

    Args:
        pos: ``(batch,)`` positive logits.
        neg: ``(batch, k)`` negative logits.
        pos_target: ``(batch,)`` pair weights of the positives.

    Returns:
        Mean loss over all ``batch·(1+k)`` scores.
    """
    pred = torch.sigmoid(torch.cat([pos, neg.reshape(-1)]))
    target = torch.cat(
        [pos_target.to(pred.dtype), torch.zeros(neg.numel(), dtype=pred.dtype)]
    )
    return F.mse_loss(pred, target)


LOSSES: dict[str, Loss] = {"binary": binary_loss, "continuous": continuous_loss}


def get_loss(label_mode: str) -> Loss:
    """Return the loss for a label mode.

    Args:
        label_mode: ``binary`` or ``continuous``.

    Returns:
        The loss function.

    Raises:
        ValueError: For an unknown label mode.
    """
    try:
        return LOSSES[label_mode]
    except KeyError:
        raise ValueError(
            f"label_mode must be one of {sorted(LOSSES)}, got {label_mode!r}"
        ) from None
