"""Tests of the modular ``train`` pipeline: nodes, failures, namespaced runs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner
from matplotlib.figure import Figure

from baseline_recsys.config import ParameterError
from baseline_recsys.pipelines.train import (
    VARIANTS,
    create_pipeline,
    create_variant_pipeline,
)
from baseline_recsys.pipelines.train.nodes import evaluate_model, train_model

CLIQUE = 12
FAST = {
    "epochs": 3,
    "embedding_dim": 8,
    "batch_size": 16,
    "eval_every_steps": 5,
    "checkpoint_dir": None,
}


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two cliques; every 4th within-clique pair is held out with as many cross negatives."""
    within = [
        (c * CLIQUE + i, c * CLIQUE + j)
        for c in range(2)
        for i, j in itertools.combinations(range(CLIQUE), 2)
    ]
    train = [p for k, p in enumerate(within) if k % 4]
    held = within[::4]
    rng = np.random.default_rng(0)
    cross = list(
        zip(
            rng.integers(0, CLIQUE, len(held)),
            rng.integers(CLIQUE, 2 * CLIQUE, len(held)),
            strict=True,
        )
    )
    asins = np.array([f"P{i:03d}" for i in range(2 * CLIQUE)])

    def frame(pairs: list[tuple[int, int]]) -> pd.DataFrame:
        p1, p2 = np.array(pairs).T
        return pd.DataFrame(
            {
                "product1": asins[p1],
                "product2": asins[p2],
                "product1_id": p1,
                "product2_id": p2,
                "weight": 1.0,
            }
        )

    validation = frame(held + cross)
    validation["weight"] = [1.0] * len(held) + [0.0] * len(cross)
    validation["label"] = np.array([1] * len(held) + [0] * len(cross), dtype=np.int8)
    validation["seen"] = True
    index = pd.DataFrame({"product_id": np.arange(2 * CLIQUE), "asin": asins})
    return frame(train), validation, index


def test_train_and_evaluate_nodes_learn_the_cliques():
    train, validation, index = _frames()
    model, history = train_model(train, validation, index, FAST, variant="mf_bias")
    assert history["variant"] == "mf_bias" and history["train_seconds"] > 0
    assert len(history["lr_per_step"]) == 3 * history["steps_per_epoch"]
    metrics, scores, *plots = evaluate_model(
        model,
        train,
        validation,
        history,
        {"ranking_sample_size": 50},
        variant="mf_bias",
    )
    assert metrics["roc_auc"] > 0.95 and metrics["roc_auc_seen"] == metrics["roc_auc"]
    assert 0 <= metrics["recall_at_10"] <= 1 and metrics["train_params"]["epochs"] == 3
    assert set(scores.columns) == {
        "product1_id",
        "product2_id",
        "label",
        "seen",
        "score",
        "probability",
    }
    assert len(plots) == 4 and all(isinstance(p, Figure) for p in plots)
    assert all("mf_bias" in p.axes[0].get_title() for p in plots)


def test_train_model_names_the_variant_in_parameter_errors():
    train, validation, index = _frames()
    with pytest.raises(ParameterError, match=r"mf\.train\.label_mode='ordinal'"):
        train_model(
            train, validation, index, {**FAST, "label_mode": "ordinal"}, variant="mf"
        )


def test_variant_pipelines_are_namespaced():
    pipe = create_variant_pipeline("mf_bias")
    assert {n.name for n in pipe.nodes} == {
        "mf_bias.train_model",
        "mf_bias.evaluate_model",
    }
    assert pipe.inputs() == {
        "train_pairs",
        "validation_pairs",
        "product_index",
        "params:mf_bias.train",
        "params:mf_bias.evaluate",
    }
    assert "mf_bias.metrics" in pipe.outputs()
    assert len(create_pipeline().nodes) == 2 * len(VARIANTS)


def test_variant_pipeline_runs_with_sequential_runner():
    train, validation, index = _frames()
    catalog = DataCatalog()
    catalog["train_pairs"] = train
    catalog["validation_pairs"] = validation
    catalog["product_index"] = index
    catalog["params:mf_continuous.train"] = {
        **FAST,
        "use_bias": False,
        "label_mode": "continuous",
    }
    catalog["params:mf_continuous.evaluate"] = {"ranking_sample_size": 20}
    outputs = SequentialRunner().run(create_variant_pipeline("mf_continuous"), catalog)
    assert "mf_continuous.metrics" in outputs
    assert (
        catalog.load("mf_continuous.metrics")["train_params"]["label_mode"]
        == "continuous"
    )
