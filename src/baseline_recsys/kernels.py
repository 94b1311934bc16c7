"""Fused per-pair training kernel (numba), the fast path of :mod:`baseline_recsys.training`.

PyTorch's generic sparse machinery (autograd on embedding lookups, sparse gradient
coalescing, sparse optimiser steps) costs far more than the arithmetic of matrix
factorisation itself. This kernel does the same arithmetic in one compiled loop,
word2vec-style (Mikolov et al., 2013): for each positive pair (a, o) and its
negatives n₁…n_k it scores every candidate, updates each candidate's row at once,
and updates the anchor's row with the gradient gathered over all candidates, using
the anchor's value from before the step. With one pair per batch this is exactly
the reference PyTorch step; with more it is the same model trained with per-pair
(stochastic) updates, which is what makes five epochs enough.

The loss is the same as the reference: binary cross-entropy on logits, or the
squared error of ``sigmoid(score)`` against the pair weight, summed over scores,
plus ``l2`` times the squared norm of the rows used. Optimisers: SGD and Adagrad
(per-coordinate accumulators, as :class:`torch.optim.Adagrad`). It runs on one
thread, so results are deterministic.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

SGD = 0
ADAGRAD = 1
BINARY = 0
CONTINUOUS = 1
ADAGRAD_EPS = 1e-10  # torch.optim.Adagrad's default


@njit(cache=True, fastmath=True, inline="always")
def _step(
    param: float, accumulator: float, grad: float, lr: float, optimizer: int
) -> tuple[float, float]:
    if optimizer == ADAGRAD:
        accumulator += grad * grad
        return param - lr * grad / (math.sqrt(accumulator) + ADAGRAD_EPS), accumulator
    return param - lr * grad, accumulator


@njit(cache=True, fastmath=True)
def train_batch(  # noqa: PLR0912 - one fused loop on purpose
    emb: np.ndarray,
    emb_acc: np.ndarray,
    bias: np.ndarray,
    bias_acc: np.ndarray,
    global_bias: np.ndarray,
    global_acc: np.ndarray,
    anchors: np.ndarray,
    candidates: np.ndarray,
    targets: np.ndarray,
    lr: float,
    l2: float,
    use_bias: bool,
    label_mode: int,
    optimizer: int,
) -> float:
    """Train on one batch of pairs in place; return the summed loss.

    Args:
        emb: ``(n_products, dim)`` float32 embeddings (updated in place).
        emb_acc: Adagrad accumulators of ``emb`` (same shape; unused for SGD).
        bias: ``(n_products,)`` float32 product biases (unused without bias).
        bias_acc: Adagrad accumulators of ``bias``.
        global_bias: ``(1,)`` float32 global bias.
        global_acc: ``(1,)`` Adagrad accumulator of ``global_bias``.
        anchors: ``(batch,)`` int64 anchor ids.
        candidates: ``(batch, 1 + k)`` int64 ids: the positive, then negatives.
        targets: ``(batch,)`` float32 target of each positive (1 for binary
            labels, the pair weight for continuous ones); negatives target 0.
        lr: Learning rate.
        l2: L2 coefficient on the rows used.
        use_bias: Whether biases take part.
        label_mode: ``BINARY`` or ``CONTINUOUS``.
        optimizer: ``SGD`` or ``ADAGRAD``.

    Returns:
        The loss summed over all ``batch·(1+k)`` scores (without the L2 term).
    """
    n, m = candidates.shape
    dim = emb.shape[1]
    adagrad = optimizer == ADAGRAD
    decay = 2.0 * l2
    grad_a = np.zeros(dim, dtype=np.float32)
    total = 0.0
    for i in range(n):
        a = anchors[i]
        ea = emb[a]
        grad_a[:] = 0.0
        grad_ba = 0.0
        grad_g = 0.0
        for j in range(m):
            c = candidates[i, j]
            ec = emb[c]
            score = 0.0
            for f in range(dim):
                score += ea[f] * ec[f]
            if use_bias:
                score += bias[a] + bias[c] + global_bias[0]
            # d loss / d score, and the loss itself
            target = targets[i] if j == 0 else 0.0
            prob = 1.0 / (1.0 + math.exp(-score))
            if label_mode == BINARY:
                # log(1 + exp(s)) - y·s, computed stably
                total += (
                    max(score, 0.0) + math.log1p(math.exp(-abs(score))) - target * score
                )
                g = prob - target
            else:
                total += (prob - target) ** 2
                g = 2.0 * (prob - target) * prob * (1.0 - prob)
            for f in range(dim):
                grad_a[f] += g * ec[f]
            # the candidate's row, from the anchor's row as it was before this pair
            if adagrad:
                acc = emb_acc[c]
                for f in range(dim):
                    grad = g * ea[f] + decay * ec[f]
                    acc[f] += grad * grad
                    ec[f] -= lr * grad / (math.sqrt(acc[f]) + ADAGRAD_EPS)
            else:
                for f in range(dim):
                    ec[f] -= lr * (g * ea[f] + decay * ec[f])
            if use_bias:
                grad_ba += g
                grad_g += g
                bias[c], bias_acc[c] = _step(
                    bias[c], bias_acc[c], g + decay * bias[c], lr, optimizer
                )
        if adagrad:
            acc = emb_acc[a]
            for f in range(dim):
                grad = grad_a[f] + decay * ea[f]
                acc[f] += grad * grad
                ea[f] -= lr * grad / (math.sqrt(acc[f]) + ADAGRAD_EPS)
        else:
            for f in range(dim):
                ea[f] -= lr * (grad_a[f] + decay * ea[f])
        if use_bias:
            bias[a], bias_acc[a] = _step(
                bias[a], bias_acc[a], grad_ba + decay * bias[a], lr, optimizer
            )
            global_bias[0], global_acc[0] = _step(
                global_bias[0], global_acc[0], grad_g, lr, optimizer
            )
    return total
