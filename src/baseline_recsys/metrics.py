"""Validation metrics: ROC-AUC, popularity baseline, recall@k and NDCG@k.

Ranking follows the usual item-item protocol: for a validation positive (a, b)
whose two products were both seen in training, rank b among every training
product by score(a, ·), leaving out a itself and a's training neighbours (already
known to go with a). Anchors are scored in batches with one matrix product and
:func:`torch.topk`; nothing loops over products in Python.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

#: Most scores :func:`rank_metrics` holds at once (2**26 float32: 256 MB).
SCORE_BLOCK_ELEMENTS = 1 << 26


def safe_roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """ROC-AUC, or ``None`` when the labels hold a single class (AUC undefined).

    The Mann-Whitney form: the mean rank of the positives among all scores (ties
    get their average rank), which is exactly :func:`sklearn.metrics.roc_auc_score`
    (a test checks it) at a third of its time on millions of pairs: one sort,
    where scikit-learn sorts stably, then builds the whole curve.

    Args:
        labels: Binary labels; the larger value is the positive class (1 of 1/0).
        scores: Scores, higher meaning more likely positive.

    Returns:
        The AUC, or ``None``.

    Raises:
        ValueError: If the lengths differ or a score is NaN or infinite.
    """
    labels = np.asarray(labels)
    scores = np.asarray(scores, dtype=np.float64)
    if labels.shape != scores.shape:
        raise ValueError(
            f"labels and scores differ in shape: {labels.shape} vs {scores.shape}"
        )
    if len(labels) == 0 or labels.min() == labels.max():
        return None
    if not np.isfinite(scores).all():
        raise ValueError("scores contain NaN or infinite values")
    positive = labels == labels.max()
    n_pos = int(positive.sum())
    n_neg = len(labels) - n_pos
    order = np.argsort(scores)
    ordered = scores[order]
    # tie groups of equal scores: [start, end) in sorted order, average 1-based rank
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(ordered))
    positives_per_group = np.add.reduceat(positive[order].astype(np.int64), starts)
    rank_sum = float(np.dot(positives_per_group, (starts + ends + 1) / 2.0))
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def popularity_scores(p1: np.ndarray, p2: np.ndarray, degree: np.ndarray) -> np.ndarray:
    """Popularity baseline: the product of the two products' training degrees.

    Args:
        p1: First product ids.
        p2: Second product ids.
        degree: Training degree per product id.

    Returns:
        One score per pair.
    """
    degree = np.asarray(degree, dtype=np.float64)
    return degree[p1] * degree[p2]


def adjacency(
    p1: np.ndarray, p2: np.ndarray, n_products: int
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric adjacency lists in CSR form.

    Args:
        p1: First product ids of the pairs.
        p2: Second product ids of the pairs.
        n_products: Number of product ids.

    Returns:
        ``(indptr, indices)``: the neighbours of ``i`` are
        ``indices[indptr[i]:indptr[i + 1]]``.
    """
    src = np.concatenate([p1, p2]).astype(np.int64)
    dst = np.concatenate([p2, p1]).astype(np.int64)
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n_products + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_products), out=indptr[1:])
    return indptr, dst[order]


def rank_metrics(
    score_all: Callable[[torch.Tensor], torch.Tensor],
    anchors: np.ndarray,
    targets: np.ndarray,
    *,
    candidates: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    k: int = 10,
    batch_size: int = 256,
) -> dict[str, float]:
    """Recall@k and NDCG@k of each target among all candidate products.

    Args:
        score_all: Maps ``(batch,)`` anchor ids to ``(batch, n_products)`` scores.
        anchors: Anchor product ids (a).
        targets: Held-out product ids (b), one per anchor.
        candidates: Boolean mask of products that may be recommended (those
            seen in training).
        indptr: CSR row pointers of the training adjacency (see :func:`adjacency`).
        indices: CSR column indices of the training adjacency.
        k: Cut-off.
        batch_size: Anchors scored at once (fewer when ``batch_size`` rows of
            scores would exceed :data:`SCORE_BLOCK_ELEMENTS`).

    Returns:
        ``recall_at_k`` (hit rate of b in the top k) and ``ndcg_at_k``
        (1/log2(rank+1) for a hit at 1-based ``rank``, else 0), averaged.
    """
    if len(anchors) == 0:
        return {f"recall_at_{k}": float("nan"), f"ndcg_at_{k}": float("nan")}
    # A block of scores holds at most SCORE_BLOCK_ELEMENTS floats (256 MB), so
    # memory stays bounded however many products there are.
    batch_size = max(
        1, min(batch_size, SCORE_BLOCK_ELEMENTS // max(len(candidates), 1))
    )
    blocked = torch.from_numpy(~np.asarray(candidates, dtype=bool)).unsqueeze(0)
    discounts = 1.0 / torch.log2(torch.arange(2, k + 2, dtype=torch.float64))
    hits = np.zeros(len(anchors))
    gains = np.zeros(len(anchors))
    for start in range(0, len(anchors), batch_size):
        a = anchors[start : start + batch_size]
        b = torch.from_numpy(
            np.asarray(targets[start : start + batch_size], dtype=np.int64)
        )
        # a new tensor (what score_all returned is never modified), non-candidates
        # already left out, in one pass
        scores = score_all(torch.from_numpy(np.asarray(a, dtype=np.int64)))
        scores = scores.masked_fill(blocked, -torch.inf)
        # leave out each anchor and its training neighbours
        counts = indptr[a + 1] - indptr[a]
        rows = np.repeat(np.arange(len(a)), counts)
        cols = indices[_csr_positions(indptr[a], counts)]
        scores[torch.from_numpy(rows), torch.from_numpy(cols)] = -torch.inf
        scores[
            torch.arange(len(a)), torch.from_numpy(np.asarray(a, dtype=np.int64))
        ] = -torch.inf
        top_scores, top = torch.topk(scores, min(k, scores.shape[1]), dim=1)
        # a left-out product can only reach the top k with score -inf: never a hit
        match = (top == b.unsqueeze(1)) & torch.isfinite(top_scores)
        hit = match.any(dim=1)
        gain = (match.double() * discounts[: top.shape[1]]).sum(dim=1)
        hits[start : start + len(a)] = hit.numpy()
        gains[start : start + len(a)] = gain.numpy()
    return {f"recall_at_{k}": float(hits.mean()), f"ndcg_at_{k}": float(gains.mean())}


def _csr_positions(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Positions ``starts[i] + j`` for ``j < counts[i]``, concatenated (vectorised)."""
    total = int(counts.sum())
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + (np.arange(total) - offsets)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out
