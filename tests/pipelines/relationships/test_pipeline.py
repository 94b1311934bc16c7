"""Tests of the ``relationships`` pipeline: known answers, vectorised build, Beauty."""

from __future__ import annotations

import pyarrow as pa
import pytest
from kedro.io import DataCatalog
from kedro.runner import SequentialRunner

from baseline_recsys.config import ParameterError
from baseline_recsys.graph import build_product_graph
from baseline_recsys.ingest import ingest_file
from baseline_recsys.literal import parse_python_literal
from baseline_recsys.pipelines.relationships.nodes import build_product_pairs
from baseline_recsys.pipelines.relationships.pipeline import create_pipeline
from tests.conftest import real_file


def _relations(rows: list[tuple[str, str, str]]) -> pa.Table:
    a, b, k = zip(*rows, strict=True)
    return pa.table({"asin": list(a), "related_asin": list(b), "relationship": list(k)})


@pytest.fixture
def tiny_relations() -> pa.Table:
    """The directed relations of tests.conftest.TINY_2014."""
    return _relations(
        [
            ("A", "B", "also_bought"),
            ("A", "C", "also_bought"),
            ("A", "D", "also_viewed"),
            ("A", "B", "bought_together"),
            ("B", "A", "also_bought"),
            ("B", "C", "also_bought"),
            ("C", "A", "buy_after_viewing"),
            ("C", "C", "also_viewed"),
        ]
    )


def test_weights_sum_over_directed_relations(tiny_relations, weights):
    pairs, index = build_product_pairs(tiny_relations, {"weights": weights})
    got = {(r.product1, r.product2): round(r.weight, 6) for r in pairs.itertuples()}
    assert got == {("A", "B"): 3.2, ("A", "C"): 1.0, ("A", "D"): 0.5, ("B", "C"): 1.0}
    ab = pairs[(pairs.product1 == "A") & (pairs.product2 == "B")].iloc[0]
    assert (ab.n_also_bought, ab.n_bought_together, ab.n_also_viewed) == (2, 1, 0)
    ac = pairs[(pairs.product1 == "A") & (pairs.product2 == "C")].iloc[0]
    assert ac.n_buy_after_viewing == 0  # weight 0: the kind is excluded altogether
    assert (pairs.product1 < pairs.product2).all()
    assert (pairs.product1_id < pairs.product2_id).all()
    assert list(index.asin) == ["A", "B", "C", "D"]
    assert list(index.product_id) == [0, 1, 2, 3]
    assert list(index.degree) == [3, 2, 2, 1]
    assert index.frequency.sum() == pytest.approx(1.0)


def test_zero_weight_kind_adds_a_pair_when_weighted(tiny_relations, weights):
    pairs, _ = build_product_pairs(
        tiny_relations, {"weights": {**weights, "buy_after_viewing": 0.25}}
    )
    ac = pairs[(pairs.product1 == "A") & (pairs.product2 == "C")].iloc[0]
    assert ac.weight == pytest.approx(1.25)


def test_kinds_without_weight_are_excluded():
    graph = build_product_graph(
        _relations([("A", "B", "also_bought"), ("A", "C", "similar_item")]),
        {"also_bought": 1.0},
    )
    assert len(graph.pairs) == 1 and len(graph.product_index) == 2


@pytest.mark.parametrize(
    "bad", [{"also_bought": -1.0}, {"also_bought": 0.0, "also_viewed": 0.0}]
)
def test_bad_weights_fail_before_any_work(tiny_relations, bad):
    with pytest.raises(ParameterError, match="relationships.weights"):
        build_product_pairs(tiny_relations, {"weights": bad})


def test_pipeline_runs_with_sequential_runner(tiny_relations, weights):
    catalog = DataCatalog()
    catalog["product_relationships"] = tiny_relations
    catalog["params:relationships"] = {"weights": weights}
    out = SequentialRunner().run(create_pipeline(), catalog)
    assert set(out) == {"product_pairs", "product_index"}
    assert len(catalog.load("product_pairs")) == 4


@pytest.mark.real_data
def test_known_answer_on_real_beauty(tmp_path, weights):
    path = real_file("meta_Beauty.pgpr.json.gz")
    ingest_file(
        path,
        products_path=tmp_path / "p.parquet",
        relationships_path=tmp_path / "r.parquet",
        rejected_path=tmp_path / "x.parquet",
        python_parser=parse_python_literal,
    )
    graph = build_product_graph(pa.parquet.read_table(tmp_path / "r.parquet"), weights)
    assert len(graph.pairs) == 893_098
    assert len(graph.product_index) == 118_570
    assert round(float(graph.pairs.weight.sum()), 1) == 979_681.2
