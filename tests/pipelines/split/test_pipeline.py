"""Tests of the ``split`` pipeline: sizes, negatives, reproducibility, strategies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner

from baseline_recsys.config import ParameterError
from baseline_recsys.pipelines.split.nodes import split_product_pairs
from baseline_recsys.pipelines.split.pipeline import create_pipeline
from baseline_recsys.splitting import pair_keys, sample_negative_pairs


def _graph(
    n_products: int = 60, n_pairs: int = 300, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    keys: set[tuple[int, int]] = set()
    while len(keys) < n_pairs:
        a, b = rng.integers(0, n_products, 2)
        if a != b:
            keys.add((min(a, b), max(a, b)))
    p1, p2 = np.array(sorted(keys)).T
    asins = np.array([f"P{i:04d}" for i in range(n_products)])
    pairs = pd.DataFrame(
        {
            "product1": asins[p1],
            "product2": asins[p2],
            "product1_id": p1.astype(np.int32),
            "product2_id": p2.astype(np.int32),
            "weight": rng.choice([0.5, 1.0, 2.2], n_pairs),
        }
    )
    index = pd.DataFrame(
        {"product_id": np.arange(n_products, dtype=np.int32), "asin": asins}
    )
    return pairs, index


PARAMS = {
    "validation_fraction": 1 / 3,
    "negatives_per_positive": 1.0,
    "negative_strategy": "uniform",
    "seed": 3,
}


def test_split_sizes_labels_and_weights():
    pairs, index = _graph()
    train, validation, report = split_product_pairs(pairs, index, PARAMS)
    assert len(train) == 200 and report["validation_positives"] == 100
    pos = validation[validation.label == 1]
    neg = validation[validation.label == 0]
    assert len(pos) == len(neg) == 100
    assert (neg.weight == 0).all() and (pos.weight > 0).all()
    # train and validation positives partition the pairs
    keys = lambda f: set(zip(f.product1_id, f.product2_id, strict=True))  # noqa: E731
    assert keys(train) | keys(pos) == keys(pairs) and not keys(train) & keys(pos)
    assert report["validation_pairs_with_unseen_product"] == int((~pos.seen).sum())


def test_negatives_are_never_self_known_or_repeated():
    pairs, index = _graph(n_products=80, n_pairs=500)
    _, validation, _ = split_product_pairs(
        pairs, index, {**PARAMS, "negatives_per_positive": 2.0}
    )
    neg = validation[validation.label == 0]
    n = len(index)
    known = set(pair_keys(pairs.product1_id, pairs.product2_id, n))
    neg_keys = pair_keys(neg.product1_id, neg.product2_id, n)
    assert (neg.product1_id != neg.product2_id).all()
    assert not known & set(neg_keys)
    assert len(set(neg_keys)) == len(neg_keys)
    assert (neg.product1_id < neg.product2_id).all()
    assert (neg.product1 < neg.product2).all()


def test_split_is_reproducible_and_seeded():
    pairs, index = _graph()
    a = split_product_pairs(pairs, index, PARAMS)
    b = split_product_pairs(pairs, index, PARAMS)
    c = split_product_pairs(pairs, index, {**PARAMS, "seed": 4})
    pd.testing.assert_frame_equal(a[1], b[1])
    assert not a[1].equals(c[1])


def test_popularity_negatives_follow_training_degree():
    # five hubs joined to 100 products each; 200 more products in a sparse ring
    n = 305
    edges = [(h, i) for h in range(5) for i in range(5, 105)]
    edges += [(i, i + 1) for i in range(105, n - 1)]
    p1, p2 = np.array(edges).T
    asins = np.array([f"P{i:04d}" for i in range(n)])
    pairs = pd.DataFrame(
        {
            "product1": asins[p1],
            "product2": asins[p2],
            "product1_id": p1,
            "product2_id": p2,
            "weight": 1.0,
        }
    )
    index = pd.DataFrame({"product_id": np.arange(n), "asin": asins})

    def hub_share(params: dict) -> float:
        _, validation, _ = split_product_pairs(pairs, index, params)
        neg = validation[validation.label == 0]
        ends = np.r_[neg.product1_id, neg.product2_id]
        return float((ends < 5).mean())

    assert hub_share(PARAMS) < 0.05  # uniform: 5 of ~300 products
    assert hub_share({**PARAMS, "negative_strategy": "popularity"}) > 0.2  # ∝ degree


def test_drop_unseen_removes_pairs_with_unseen_products():
    pairs, index = _graph(n_products=200, n_pairs=150)
    _, kept, rep_kept = split_product_pairs(pairs, index, PARAMS)
    _, dropped, rep_dropped = split_product_pairs(
        pairs, index, {**PARAMS, "drop_unseen": True}
    )
    assert rep_kept["validation_pairs_with_unseen_product"] > 0
    assert (~kept.seen).sum() == rep_kept["validation_pairs_with_unseen_product"]
    assert dropped.seen.all()
    assert (
        len(dropped[dropped.label == 1])
        == len(kept[kept.label == 1])
        - rep_dropped["validation_pairs_with_unseen_product"]
    )


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"validation_fraction": 0.0}, "split.validation_fraction"),
        ({"validation_fraction": 1.0}, "split.validation_fraction"),
        ({"negative_strategy": "hard"}, "split.negative_strategy"),
        ({"seeed": 1}, "split.seeed"),
    ],
)
def test_bad_parameters_fail_with_the_key(override, key):
    pairs, index = _graph()
    with pytest.raises(ParameterError, match=key.replace(".", r"\.")):
        split_product_pairs(pairs, index, {**PARAMS, **override})


def test_too_small_graph_is_a_clear_error():
    pairs, index = _graph(n_products=3, n_pairs=1)
    with pytest.raises(ValueError, match="cannot split 1 pair"):
        split_product_pairs(pairs, index, PARAMS)


def test_sampler_refuses_impossible_requests():
    with pytest.raises(ValueError, match="cannot sample"):
        sample_negative_pairs(
            10,
            candidates=np.arange(3),
            known_keys=np.array([], np.int64),
            n_products=3,
            rng=np.random.default_rng(0),
        )


def test_pipeline_runs_with_sequential_runner():
    pairs, index = _graph()
    catalog = DataCatalog()
    catalog["product_pairs"] = pairs
    catalog["product_index"] = index
    catalog["params:split"] = PARAMS
    out = SequentialRunner().run(create_pipeline(), catalog)
    assert set(out) == {"train_pairs", "validation_pairs", "split_report"}
