"""Tests of the ``evaluate`` pipeline: the comparison of trained variants."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner
from kedro_datasets.partitions import PartitionedDataset

from baseline_recsys.pipelines.evaluate import (
    create_comparison_pipeline,
    create_pipeline,
)
from baseline_recsys.pipelines.evaluate.nodes import compare_variants


def _metrics(variant: str, auc: float) -> dict:
    return {
        "variant": variant,
        "roc_auc": auc,
        "roc_auc_seen": auc,
        "popularity_roc_auc": 0.8,
        "recall_at_10": 0.1,
        "ndcg_at_10": 0.05,
        "train_seconds": 12.34,
        "pairs_per_second": 123456.0,
        "train_params": {"use_bias": variant.endswith("bias"), "label_mode": "binary"},
    }


def _scores(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = np.r_[np.ones(50), np.zeros(50)].astype(np.int8)
    return pd.DataFrame({"label": label, "score": label + rng.normal(0, 0.7, 100)})


def test_compare_variants_tabulates_and_plots():
    table, markdown, figure = compare_variants(
        {"mf": _metrics("mf", 0.9), "mf_bias": _metrics("mf_bias", 0.95)},
        {"mf": _scores(0), "mf_bias": _scores(1)},
    )
    assert list(table.variant) == ["mf", "mf_bias"]
    assert list(table.use_bias) == [False, True]
    assert (
        "| mf_bias | 0.9500 |" in markdown
        and "12.3" in markdown
        and "123,456" in markdown
    )
    assert len(figure.axes[0].lines) == 3  # two variants and the chance line


def test_compare_variants_needs_a_trained_variant():
    with pytest.raises(ValueError, match="No trained variant"):
        compare_variants({}, {})


def test_standalone_evaluate_reads_whatever_is_on_disk(tmp_path):
    for variant, auc in (("mf", 0.9), ("mf_bias_continuous", 0.97)):
        (tmp_path / "reporting" / variant).mkdir(parents=True)
        (tmp_path / "reporting" / variant / "metrics.json").write_text(
            json.dumps(_metrics(variant, auc))
        )
        (tmp_path / "output" / variant).mkdir(parents=True)
        _scores(1).to_parquet(
            tmp_path / "output" / variant / "validation_scores.parquet"
        )
    catalog = DataCatalog(
        {
            "trained_metrics": PartitionedDataset(
                path=str(tmp_path / "reporting"),
                dataset="baseline_recsys.datasets.JSONFileDataset",
                filename_suffix="/metrics.json",
            ),
            "trained_validation_scores": PartitionedDataset(
                path=str(tmp_path / "output"),
                dataset="baseline_recsys.datasets.ParquetTableDataset",
                filename_suffix="/validation_scores.parquet",
            ),
        }
    )
    SequentialRunner().run(create_pipeline(), catalog)
    assert list(catalog.load("model_comparison").variant) == [
        "mf",
        "mf_bias_continuous",
    ]


def test_comparison_in_default_runs_after_every_variant():
    pipe = create_comparison_pipeline(["mf", "mf_bias"])
    assert pipe.inputs() == {
        "mf.metrics",
        "mf_bias.metrics",
        "mf.validation_scores",
        "mf_bias.validation_scores",
    }
