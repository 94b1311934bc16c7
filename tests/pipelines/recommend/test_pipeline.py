"""Tests of the ``recommend`` pipeline: nodes, catalog wiring and a runner slice."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from baseline_recsys.config import ParameterError, RecommendParams
from baseline_recsys.model import MatrixFactorization
from baseline_recsys.pipelines.recommend import create_pipeline
from baseline_recsys.pipelines.recommend.nodes import (
    attach_product_metadata,
    find_similar_products,
)
from tests.conftest import REPO_ROOT

N_PER = 8
ASINS = [f"P{i:03d}" for i in range(2 * N_PER + 1)]  # the last one: no pairs

SCHEMA = pa.schema(
    [
        ("asin", pa.string()),
        ("rank", pa.int32()),
        ("similar_asin", pa.string()),
        ("score", pa.float32()),
        ("title", pa.string()),
        ("brand", pa.string()),
        ("main_category", pa.string()),
        ("categories", pa.list_(pa.list_(pa.string()))),
        ("similar_title", pa.string()),
        ("similar_brand", pa.string()),
        ("similar_main_category", pa.string()),
        ("similar_categories", pa.list_(pa.list_(pa.string()))),
    ]
)


def _model() -> MatrixFactorization:
    """Two cliques of ``N_PER`` products, plus one product never trained."""
    g = torch.Generator().manual_seed(0)
    n = len(ASINS)
    model = MatrixFactorization(n, 4, use_bias=True, generator=g)
    with torch.no_grad():
        weight = 0.05 * torch.randn(n, 4, generator=g)
        weight[:N_PER, 0] += 1.0
        weight[N_PER : 2 * N_PER, 1] += 1.0
        weight[-1] = 3.0  # untrained rows must never be recommended
        model.embeddings.weight.copy_(weight)
    return model


@pytest.fixture
def inputs() -> dict[str, object]:
    index = pd.DataFrame(
        {"product_id": np.arange(len(ASINS), dtype=np.int32), "asin": ASINS}
    )
    ring = [(i, (i + 1) % N_PER) for i in range(N_PER)]
    edges = ring + [(a + N_PER, b + N_PER) for a, b in ring]
    train = pd.DataFrame(edges, columns=["product1_id", "product2_id"])
    products = pd.DataFrame(
        {
            "asin": ASINS[:4],
            "title": ["Zero", "One", None, "Three"],
            "brand": ["Acme", None, "Acme", "Bee"],
            "main_category": "Beauty",
            "categories": [[["Beauty", "Hair"]]] * 4,
        }
    )
    return {
        "served_model": _model().state_dict(),
        "served_training_history": {
            "variant": "mf_bias",
            "params": {"use_bias": True, "embedding_dim": 4},
        },
        "product_index": index,
        "train_pairs": train,
        "products": products,
    }


def _run(
    inputs: dict[str, object], params: dict[str, object] | None = None
) -> tuple[pa.Table, dict]:
    pairs, report = find_similar_products(
        inputs["served_model"],
        inputs["served_training_history"],
        inputs["product_index"],
        inputs["train_pairs"],
        {"model": "mf_bias", "k": 5, **(params or {})},
    )
    return attach_product_metadata(pairs, inputs["products"]), report


def test_similar_products_schema(inputs):
    table, _ = _run(inputs)
    assert table.schema.remove_metadata() == SCHEMA


def test_two_cliques_every_product_gets_its_own_clique(inputs):
    table, report = _run(inputs)
    frame = table.to_pandas()
    assert len(frame) == 2 * N_PER * 5
    own = frame.asin.str[1:].astype(int) // N_PER
    other = frame.similar_asin.str[1:].astype(int) // N_PER
    assert (own == other).all()
    assert (frame.asin != frame.similar_asin).all()
    assert ASINS[-1] not in set(frame.asin) | set(frame.similar_asin)
    assert report["no_embedding"] == 1 and report["no_embedding_sample"] == [ASINS[-1]]
    assert report["anchors"] == 2 * N_PER and report["rows"] == len(frame)
    first = frame[frame.asin == "P000"].sort_values("rank")
    assert list(first["rank"]) == [1, 2, 3, 4, 5]
    assert first.score.is_monotonic_decreasing
    assert first.title.iloc[0] == "Zero" and first.brand.iloc[0] == "Acme"


def test_excluded_neighbours_are_never_returned(inputs):
    table, _ = _run(inputs, {"exclude_neighbours": True})
    frame = table.to_pandas()
    a = frame.asin.str[1:].astype(int)
    b = frame.similar_asin.str[1:].astype(int)
    assert not ((a % N_PER - b % N_PER) % N_PER).isin([1, N_PER - 1]).any()
    assert (frame.groupby("asin").size() == 5).all()  # 8 - self - 2 neighbours = 5


def test_asin_subset_reports_unknown_and_untrained(inputs):
    table, report = _run(inputs, {"asins": ["P003", "NOPE", ASINS[-1]], "k": 3})
    assert set(table.column("asin").to_pylist()) == {"P003"}
    assert report["unknown_asins_sample"] == ["NOPE"]
    assert report["no_embedding_sample"] == [ASINS[-1]]


def test_wrong_variant_or_bad_params_are_refused(inputs):
    with pytest.raises(ValueError, match="trained as 'mf_bias'"):
        _run(inputs, {"model": "mf"})
    history = {"variant": "mf_bias", "params": {"use_bias": True, "embedding_dim": 64}}
    with pytest.raises(ValueError, match="disagree"):
        _run({**inputs, "served_training_history": history})
    with pytest.raises(ParameterError, match="recommend.kk"):
        _run(inputs, {"kk": 3})


def test_sequential_runner_slice_on_an_in_memory_catalog(inputs):
    catalog = DataCatalog(
        {
            **{name: MemoryDataset(value) for name, value in inputs.items()},
            "params:recommend": MemoryDataset({"model": "mf_bias", "k": 3}),
        }
    )
    pipeline = create_pipeline()
    assert {n.name for n in pipeline.nodes} == {
        "find_similar_products",
        "attach_product_metadata",
    }
    SequentialRunner().run(pipeline.to_outputs("similar_products"), catalog)
    table = catalog.load("similar_products")
    assert table.num_rows == 2 * N_PER * 3
    assert table.schema.remove_metadata() == SCHEMA
    assert catalog.load("recommend_report")["k"] == 3


def test_one_runtime_parameter_picks_the_served_variant():
    default = OmegaConfigLoader(
        str(REPO_ROOT / "conf"), base_env="base", default_run_env="local"
    )
    params = default["parameters"]["recommend"]
    assert RecommendParams.parse(params, prefix="recommend") == RecommendParams()
    assert params["model"] == "mf_bias"
    assert (
        default["catalog"]["served_model"]["filepath"]
        == "data/06_models/mf_bias/model.pt"
    )
    other = OmegaConfigLoader(
        str(REPO_ROOT / "conf"),
        base_env="base",
        default_run_env="local",
        runtime_params={"recommend": {"model": "mf"}},
    )
    catalog = other["catalog"]
    assert catalog["served_model"]["filepath"] == "data/06_models/mf/model.pt"
    assert catalog["served_training_history"]["filepath"].startswith(
        "data/06_models/mf/"
    )


def test_served_model_loads_the_latest_version_saved_by_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    config = OmegaConfigLoader(
        str(REPO_ROOT / "conf"), base_env="base", default_run_env="local"
    )["catalog"]
    train_catalog = DataCatalog.from_config(config)
    old, new = _model(), _model()
    with torch.no_grad():
        new.embeddings.weight.add_(1.0)
    train_catalog.save("mf_bias.model", old)
    time.sleep(0.01)  # versions are millisecond timestamps
    DataCatalog.from_config(config).save("mf_bias.model", new)  # a later run
    assert len(list((tmp_path / "data/06_models/mf_bias/model.pt").iterdir())) == 2
    served = DataCatalog.from_config(config).load("served_model")
    torch.testing.assert_close(served["embeddings.weight"], new.embeddings.weight)
