"""Evaluate a trained model on the validation pairs (no Kedro here).

Produces the metrics every benchmark and user relies on:

* ``roc_auc``: all validation pairs;
* ``roc_auc_seen``: pairs whose two products were both seen in training;
* ``popularity_roc_auc`` / ``popularity_roc_auc_seen``: the popularity baseline
  (product of training degrees) on the same pairs;
* ``recall_at_k`` / ``ndcg_at_k``: a seeded sample of validation positives
  (a, b) with both products seen; b is ranked among every training product by
  score(a, ·), leaving out a and a's training neighbours. Each sampled pair is
  oriented at random, since pairs are undirected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from baseline_recsys.graph import pair_degree
from baseline_recsys.metrics import (
    adjacency,
    popularity_scores,
    rank_metrics,
    safe_roc_auc,
    sigmoid,
)
from baseline_recsys.model import MatrixFactorization


@dataclass(frozen=True)
class Evaluation:
    """Result of :func:`evaluate`.

    Attributes:
        metrics: Metric name → value (``None`` where undefined, e.g. an AUC over
            a single class).
        scores: The validation pairs with ``score`` (logit) and ``probability``.
    """

    metrics: dict[str, float | int | None]
    scores: pd.DataFrame


def evaluate(
    model: MatrixFactorization,
    train_pairs: pd.DataFrame,
    validation_pairs: pd.DataFrame,
    *,
    ranking_sample_size: int,
    k: int,
    batch_size: int,
    seed: int,
) -> Evaluation:
    """Score the validation pairs and compute AUCs and ranking metrics.

    Args:
        model: The trained model.
        train_pairs: Training positives (product1_id, product2_id).
        validation_pairs: Validation pairs with ``label`` and ``seen``.
        ranking_sample_size: Validation positives ranked (fewer if fewer exist).
        k: Cut-off of recall@k and NDCG@k.
        batch_size: Anchors scored at once when ranking.
        seed: Seed of the ranking sample.

    Returns:
        The metrics and the scored validation pairs.
    """
    n = model.n_products
    t1 = train_pairs["product1_id"].to_numpy(np.int64, copy=True)
    t2 = train_pairs["product2_id"].to_numpy(np.int64, copy=True)
    v1 = validation_pairs["product1_id"].to_numpy(np.int64, copy=True)
    v2 = validation_pairs["product2_id"].to_numpy(np.int64, copy=True)
    labels = validation_pairs["label"].to_numpy(np.int8)
    seen = validation_pairs["seen"].to_numpy(bool)

    logits = (
        model.score_pairs(torch.from_numpy(v1), torch.from_numpy(v2))
        .numpy()
        .astype(np.float64)
    )
    degree = pair_degree(t1, t2, n)
    popularity = popularity_scores(v1, v2, degree)

    positives = np.flatnonzero((labels == 1) & seen)
    rng = np.random.default_rng(seed)
    sample = rng.choice(
        positives, size=min(ranking_sample_size, len(positives)), replace=False
    )
    flip = rng.random(len(sample)) < 0.5
    anchors = np.where(flip, v2[sample], v1[sample])
    targets = np.where(flip, v1[sample], v2[sample])
    indptr, indices = adjacency(t1, t2, n)
    ranking = rank_metrics(
        model.score_all,
        anchors,
        targets,
        candidates=degree > 0,
        indptr=indptr,
        indices=indices,
        k=k,
        batch_size=batch_size,
    )
    metrics: dict[str, float | int | None] = {
        "roc_auc": safe_roc_auc(labels, logits),
        "roc_auc_seen": safe_roc_auc(labels[seen], logits[seen]),
        "popularity_roc_auc": safe_roc_auc(labels, popularity),
        "popularity_roc_auc_seen": safe_roc_auc(labels[seen], popularity[seen]),
        **{key: (None if np.isnan(v) else v) for key, v in ranking.items()},
        "ranking_sample_size": len(sample),
        "validation_pairs": len(labels),
        "validation_pairs_seen": int(seen.sum()),
    }
    scores = validation_pairs[["product1_id", "product2_id", "label", "seen"]].copy()
    scores["score"] = logits
    scores["probability"] = sigmoid(logits)
    return Evaluation(metrics=metrics, scores=scores)
