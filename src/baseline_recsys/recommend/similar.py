"""Top-k similar products of one product or many (implicit's ``similar_items``).

The work is done by :class:`~baseline_recsys.recommend.ranking.BlockRanker`:
batched, cache-sized matrix products over chunks of anchors, block maxima and
:func:`torch.topk`, on a pool of threads, in memory bounded whatever the number
of products. Scores are exactly the model's
:meth:`~baseline_recsys.model.MatrixFactorization.score_all`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from baseline_recsys.model import MatrixFactorization
from baseline_recsys.recommend.ranking import BlockRanker, Neighbours


def similar_items(
    model: MatrixFactorization,
    ids: int | Sequence[int] | np.ndarray,
    k: int = 10,
    *,
    exclude_neighbours: Neighbours | None = None,
    candidates: np.ndarray | None = None,
    batch_size: int = 512,
    workers: int | None = None,
    screening: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best-scored products for each anchor, never the anchor itself.

    Args:
        model: A trained model.
        ids: One product id, or many.
        k: Products returned per anchor.
        exclude_neighbours: CSR adjacency ``(indptr, indices)`` (see
            :func:`baseline_recsys.metrics.adjacency`) whose rows are also left
            out, e.g. the anchors' known training neighbours.
        candidates: Boolean mask over product ids of those that may be returned
            (e.g. ``pair_degree(...) > 0``); default all.
        batch_size: Anchors scored at once by one worker.
        workers: Worker threads; default ``torch.get_num_threads()``.
        screening: Precision of the first pass over all candidates: ``float32``,
            ``bfloat16`` or ``auto`` (bfloat16 where measured faster). The
            result is exact either way (see :mod:`baseline_recsys.recommend.ranking`).

    Returns:
        ``(ids, scores)``: int64 product ids and float32 scores, best first, of
        shape ``(k,)`` for one anchor or ``(n_anchors, k)`` for many. When fewer
        than ``k`` products are left, the rest is padded with id ``-1`` and
        score NaN.

    Raises:
        ValueError: If ``k`` or ``batch_size`` is not positive, an id is out of
            range or the candidate mask has the wrong length.
    """
    if k < 1 or batch_size < 1:
        raise ValueError(f"k and batch_size must be >= 1, got {k}, {batch_size}")
    n = model.n_products
    raw = np.asarray(ids, dtype=np.int64)
    anchors = raw.reshape(-1)
    if len(anchors) and (anchors.min() < 0 or anchors.max() >= n):
        raise ValueError(f"product ids must be in [0, {n}), got {anchors}")
    mask = np.ones(n, dtype=bool) if candidates is None else np.asarray(candidates)
    if mask.shape != (n,):
        raise ValueError(f"candidates must be a mask of length {n}, got {mask.shape}")
    out_ids = np.full((len(anchors), k), -1, dtype=np.int64)
    out_scores = np.full((len(anchors), k), np.nan, dtype=np.float32)
    if screening == "auto" and len(anchors) < 256:
        screening = "float32"  # too few anchors for the faster screening to pay
    if mask.any() and len(anchors):
        ranker = BlockRanker.build(
            model, np.flatnonzero(mask), exclude_neighbours, k, screening
        )
        ranker.run(anchors, out_ids, out_scores, batch_size, workers)
    if raw.ndim == 0:
        return out_ids[0], out_scores[0]
    return out_ids.reshape(*raw.shape, k), out_scores.reshape(*raw.shape, k)
