"""Tests of :mod:`baseline_recsys.metrics` and :func:`baseline_recsys.evaluation.evaluate`."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from baseline_recsys.evaluation import evaluate
from baseline_recsys.metrics import (
    adjacency,
    popularity_scores,
    rank_metrics,
    safe_roc_auc,
    sigmoid,
)
from baseline_recsys.model import MatrixFactorization

# --- safe_roc_auc ---------------------------------------------------------------


def test_safe_roc_auc_by_hand() -> None:
    # positives score 0.9 and 0.3, negatives 0.8 and 0.1: 3 of 4 pairs ordered right
    auc = safe_roc_auc(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.3, 0.1]))
    assert auc == pytest.approx(0.75)
    assert isinstance(auc, float)


def test_safe_roc_auc_counts_ties_as_half() -> None:
    # (0.4 vs 0.4) tie = 0.5, the other three pairs are ordered right
    auc = safe_roc_auc(np.array([1, 0, 1, 0]), np.array([0.4, 0.4, 0.9, 0.1]))
    assert auc == pytest.approx(3.5 / 4)


@pytest.mark.parametrize("distinct", [3, 50, 100_000])
def test_safe_roc_auc_equals_scikit_learn(distinct: int) -> None:
    # few distinct values: many ties (like the popularity baseline's degree products)
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(distinct)
    labels = rng.integers(0, 2, 20_000)
    scores = rng.integers(0, distinct, 20_000) + 0.3 * distinct * labels * rng.random()
    assert safe_roc_auc(labels, scores) == pytest.approx(
        roc_auc_score(labels, scores), abs=1e-12
    )
    assert safe_roc_auc(labels.astype(bool), scores) == pytest.approx(
        roc_auc_score(labels, scores), abs=1e-12
    )


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_safe_roc_auc_rejects_non_finite_scores(bad: float) -> None:
    with pytest.raises(ValueError, match="NaN or infinite"):
        safe_roc_auc(np.array([0, 1, 1]), np.array([0.1, bad, 0.3]))


def test_safe_roc_auc_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="differ in shape"):
        safe_roc_auc(np.array([0, 1, 1]), np.array([0.1, 0.3]))


@pytest.mark.parametrize("labels", [[1, 1, 1], [0, 0], []])
def test_safe_roc_auc_single_class_is_none(labels: list[int]) -> None:
    assert (
        safe_roc_auc(np.array(labels, dtype=int), np.arange(len(labels), dtype=float))
        is None
    )


# --- popularity and adjacency ---------------------------------------------------


def test_popularity_scores_by_hand() -> None:
    degree = np.array([3, 0, 2, 5])
    scores = popularity_scores(np.array([0, 2, 1, 3]), np.array([3, 2, 0, 0]), degree)
    np.testing.assert_array_equal(scores, [15.0, 4.0, 0.0, 15.0])
    assert scores.dtype == np.float64


def test_adjacency_by_hand() -> None:
    indptr, indices = adjacency(np.array([0, 1, 0]), np.array([1, 2, 3]), 5)
    np.testing.assert_array_equal(indptr, [0, 2, 4, 5, 6, 6])
    neighbours = [sorted(indices[indptr[i] : indptr[i + 1]].tolist()) for i in range(5)]
    assert neighbours == [[1, 3], [0, 2], [1], [0], []]


def test_adjacency_empty() -> None:
    indptr, indices = adjacency(
        np.array([], dtype=np.int64), np.array([], dtype=np.int64), 3
    )
    np.testing.assert_array_equal(indptr, [0, 0, 0, 0])
    assert len(indices) == 0


# --- rank_metrics ---------------------------------------------------------------

#: Scores of anchor (row) against product (column); product 5 is not a candidate.
SCORES = torch.tensor(
    [
        [10.0, 9.0, 8.0, 7.0, 6.0, 5.0],  # 0: self and neighbour 1 outrank target 3
        [1.0, 10.0, 2.0, 3.0, 4.0, 5.0],  # 1: non-candidate 5 outranks target 4
        [0.0, 0.5, 100.0, 1.0, 2.0, 3.0],  # 2: self and neighbour 4 outrank target 3
        [1.0, 5.0, 4.0, 0.0, 3.0, 2.0],  # 3: target 0 is 4th among candidates
    ],
    dtype=torch.float64,
)
TRAIN_P1 = np.array([0, 2])
TRAIN_P2 = np.array([1, 4])
CANDIDATES = np.array([True, True, True, True, True, False])
ANCHORS = np.array([0, 1, 2, 3])
TARGETS = np.array([3, 4, 3, 0])


def _score_all(anchors: torch.Tensor) -> torch.Tensor:
    return SCORES[anchors]


def _rank(
    anchors: np.ndarray = ANCHORS, targets: np.ndarray = TARGETS, **kwargs
) -> dict[str, float]:
    indptr, indices = adjacency(TRAIN_P1, TRAIN_P2, 6)
    return rank_metrics(
        _score_all,
        anchors,
        targets,
        candidates=CANDIDATES,
        indptr=indptr,
        indices=indices,
        **kwargs,
    )


def test_rank_metrics_by_hand_k2() -> None:
    # 1-based ranks after exclusions: 2, 1, 1, 4
    out = _rank(k=2)
    assert set(out) == {"recall_at_2", "ndcg_at_2"}
    assert out["recall_at_2"] == pytest.approx(3 / 4)
    assert out["ndcg_at_2"] == pytest.approx((1 / math.log2(3) + 1 + 1 + 0) / 4)


def test_rank_metrics_by_hand_k4() -> None:
    out = _rank(k=4)
    assert out["recall_at_4"] == pytest.approx(1.0)
    assert out["ndcg_at_4"] == pytest.approx(
        (1 / math.log2(3) + 1 + 1 + 1 / math.log2(5)) / 4
    )


def test_rank_metrics_k1() -> None:
    out = _rank(k=1)
    assert out == pytest.approx({"recall_at_1": 0.5, "ndcg_at_1": 0.5})


def test_rank_metrics_does_not_depend_on_batch_size() -> None:
    assert _rank(k=2, batch_size=1) == _rank(k=2, batch_size=3) == _rank(k=2)


def test_rank_metrics_bounds_the_rows_scored_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # with room for 13 scores (two rows of 6), 4 anchors are scored 2 at a time
    import baseline_recsys.metrics as metrics_module

    monkeypatch.setattr(metrics_module, "SCORE_BLOCK_ELEMENTS", 13)
    rows = []

    def recording(anchors: torch.Tensor) -> torch.Tensor:
        rows.append(len(anchors))
        return _score_all(anchors)

    indptr, indices = adjacency(TRAIN_P1, TRAIN_P2, 6)
    out = rank_metrics(
        recording,
        ANCHORS,
        TARGETS,
        candidates=CANDIDATES,
        indptr=indptr,
        indices=indices,
        k=2,
        batch_size=256,
    )
    assert rows == [2, 2]
    assert out == _rank(k=2)


def test_rank_metrics_excludes_anchor_and_training_neighbours() -> None:
    # anchor 0 prefers itself, then its neighbour 1, then 2; anchor 2 prefers
    # itself, then neighbour 4, then non-candidate 5, then 3
    out = _rank(np.array([0, 2]), np.array([2, 3]), k=1)
    assert out == pytest.approx({"recall_at_1": 1.0, "ndcg_at_1": 1.0})
    # with no training pairs only the anchor itself is left out
    no_pairs = adjacency(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 6)
    out = rank_metrics(
        _score_all,
        np.array([0, 0, 2]),
        np.array([1, 2, 4]),
        candidates=CANDIDATES,
        indptr=no_pairs[0],
        indices=no_pairs[1],
        k=1,
    )
    assert out["recall_at_1"] == pytest.approx(
        2 / 3
    )  # 0 -> 1 and 2 -> 4 hit, 0 -> 2 not


def test_rank_metrics_excludes_non_candidates() -> None:
    out = _rank(np.array([1]), np.array([4]), k=1)
    assert out == pytest.approx({"recall_at_1": 1.0, "ndcg_at_1": 1.0})


def test_rank_metrics_blocked_target_is_a_miss() -> None:
    # targets that are the anchor's training neighbour or not a candidate never hit
    out = _rank(np.array([0, 1, 2]), np.array([1, 5, 4]), k=3)
    assert out == pytest.approx({"recall_at_3": 0.0, "ndcg_at_3": 0.0})


def test_rank_metrics_blocked_target_is_a_miss_when_k_exceeds_candidates() -> None:
    out = _rank(np.array([0, 1, 2]), np.array([1, 5, 4]), k=6)
    assert out == pytest.approx({"recall_at_6": 0.0, "ndcg_at_6": 0.0})


def test_rank_metrics_does_not_modify_scores() -> None:
    before = SCORES.clone()
    _rank(k=2)
    assert torch.equal(SCORES, before)


def test_rank_metrics_empty_is_nan() -> None:
    out = _rank(np.array([], dtype=np.int64), np.array([], dtype=np.int64), k=5)
    assert set(out) == {"recall_at_5", "ndcg_at_5"}
    assert all(math.isnan(v) for v in out.values())


# --- sigmoid --------------------------------------------------------------------


def test_sigmoid_values_and_no_overflow() -> None:
    x = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sigmoid(x)
    expected = [0.0, 1 / (1 + math.exp(2.0)), 0.5, 1 / (1 + math.exp(-3.0)), 1.0]
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)
    assert np.all((out >= 0) & (out <= 1))


# --- evaluate -------------------------------------------------------------------


def _evaluation_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    train = pd.DataFrame(
        {"product1_id": [0, 1, 2, 3, 4, 0], "product2_id": [1, 2, 3, 4, 5, 5]}
    )
    validation = pd.DataFrame(
        {
            "product1_id": [0, 1, 2, 0, 1, 6, 2, 3],
            "product2_id": [2, 3, 4, 3, 4, 0, 5, 6],
            "label": [1, 1, 1, 0, 0, 1, 0, 0],
            "seen": [True, True, True, True, True, False, True, False],
        }
    )
    return train, validation


def test_evaluate_returns_documented_metrics() -> None:
    model = MatrixFactorization(7, 4, generator=torch.Generator().manual_seed(0)).eval()
    train, validation = _evaluation_frames()
    result = evaluate(
        model, train, validation, ranking_sample_size=10, k=10, batch_size=2, seed=0
    )
    metrics = result.metrics
    for key in (
        "roc_auc",
        "roc_auc_seen",
        "popularity_roc_auc",
        "recall_at_10",
        "ndcg_at_10",
    ):
        assert metrics[key] is not None, key
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["ranking_sample_size"] == 3  # seen positives only
    assert metrics["validation_pairs"] == 8
    assert metrics["validation_pairs_seen"] == 6

    logits = model.score_pairs(
        torch.tensor(validation["product1_id"]), torch.tensor(validation["product2_id"])
    )
    assert metrics["roc_auc"] == pytest.approx(
        safe_roc_auc(validation["label"].to_numpy(), logits.numpy())
    )
    # degrees 2,2,2,2,2,2,0: popularity is 4 for seen pairs and 0 for the others
    assert metrics["popularity_roc_auc"] == pytest.approx(
        safe_roc_auc(validation["label"].to_numpy(), np.array([4, 4, 4, 4, 4, 0, 4, 0]))
    )
    assert metrics["popularity_roc_auc_seen"] == pytest.approx(0.5)

    scores = result.scores
    assert list(scores.columns) == [
        "product1_id",
        "product2_id",
        "label",
        "seen",
        "score",
        "probability",
    ]
    np.testing.assert_allclose(scores["score"], logits.numpy(), rtol=1e-6)
    np.testing.assert_allclose(
        scores["probability"], sigmoid(scores["score"].to_numpy())
    )


def test_evaluate_single_class_gives_none() -> None:
    model = MatrixFactorization(7, 4, generator=torch.Generator().manual_seed(0)).eval()
    train, validation = _evaluation_frames()
    positives = validation[validation["label"] == 1]
    metrics = evaluate(
        model, train, positives, ranking_sample_size=10, k=3, batch_size=4, seed=0
    ).metrics
    assert metrics["roc_auc"] is None
    assert metrics["popularity_roc_auc"] is None
    assert metrics["recall_at_3"] is not None


def test_evaluate_with_no_seen_positive_gives_none_ranking() -> None:
    model = MatrixFactorization(7, 4, generator=torch.Generator().manual_seed(0)).eval()
    train, validation = _evaluation_frames()
    unseen = validation[~validation["seen"] | (validation["label"] == 0)]
    metrics = evaluate(
        model, train, unseen, ranking_sample_size=10, k=10, batch_size=4, seed=0
    ).metrics
    assert metrics["ranking_sample_size"] == 0
    assert metrics["recall_at_10"] is None
    assert metrics["ndcg_at_10"] is None


def test_evaluate_ranking_sample_is_seeded() -> None:
    model = MatrixFactorization(7, 4, generator=torch.Generator().manual_seed(0)).eval()
    train, validation = _evaluation_frames()
    runs = [
        evaluate(
            model, train, validation, ranking_sample_size=2, k=2, batch_size=4, seed=3
        ).metrics
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    assert runs[0]["ranking_sample_size"] == 2
