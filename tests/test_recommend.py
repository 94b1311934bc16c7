"""Tests of ``baseline_recsys.recommend``: similar items, lookups and the command."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from kedro.io import Version

from baseline_recsys.datasets import ParquetTableDataset, TorchStateDictDataset
from baseline_recsys.datasets.json_dataset import JSONFileDataset
from baseline_recsys.graph import pair_degree
from baseline_recsys.metrics import adjacency
from baseline_recsys.model import MatrixFactorization
from baseline_recsys.recommend import (
    METADATA_COLUMNS,
    AsinIndex,
    attach_metadata,
    category_path,
    popular_in_category,
    ranking,
    similar_items,
    similar_pairs_table,
)
from baseline_recsys.recommend.__main__ import main
from tests.conftest import make_project_copy


def two_cliques(n_per: int = 8, dim: int = 6, *, seed: int = 0) -> MatrixFactorization:
    """A model whose first ``n_per`` products point one way, the rest another."""
    g = torch.Generator().manual_seed(seed)
    model = MatrixFactorization(2 * n_per, dim, use_bias=True, generator=g)
    with torch.no_grad():
        weight = 0.05 * torch.randn(2 * n_per, dim, generator=g)
        weight[:n_per, 0] += 1.0
        weight[n_per:, 1] += 1.0
        model.embeddings.weight.copy_(weight)
        model.biases.weight.copy_(0.01 * torch.randn(2 * n_per, 1, generator=g))
        model.global_bias.fill_(-0.5)
    return model.eval()


def random_model(
    n: int, dim: int = 8, *, use_bias: bool = True, seed: int = 0
) -> MatrixFactorization:
    g = torch.Generator().manual_seed(seed)
    model = MatrixFactorization(n, dim, use_bias=use_bias, init_std=1.0, generator=g)
    if use_bias:
        with torch.no_grad():
            model.biases.weight.normal_(generator=g)
            model.global_bias.fill_(0.25)
    return model.eval()


def brute_force(model, anchors, k, *, candidates=None, neighbours=None):
    """Top-k by the model's own score_all, with the same exclusions."""
    scores = model.score_all(torch.as_tensor(anchors)).clone()
    if candidates is not None:
        scores[:, torch.from_numpy(~candidates)] = -torch.inf
    scores[torch.arange(len(anchors)), torch.as_tensor(anchors)] = -torch.inf
    if neighbours is not None:
        indptr, indices = neighbours
        for row, a in enumerate(anchors):
            scores[
                row, torch.from_numpy(indices[indptr[a] : indptr[a + 1]])
            ] = -torch.inf
    return torch.topk(scores, k, dim=1)


# ------------------------------------------------------------------ similar_items


def test_two_cliques_top5_come_from_the_own_clique():
    model = two_cliques(n_per=8)
    ids, scores = similar_items(model, np.arange(16), 5)
    assert ids.shape == scores.shape == (16, 5)
    clique = np.arange(16) // 8
    assert (clique[ids] == clique[:, None]).all()
    assert (np.diff(scores, axis=1) <= 0).all()  # best first


def test_self_is_never_returned():
    model = random_model(3000)
    anchors = np.arange(3000)
    ids, _ = similar_items(model, anchors, 20, batch_size=257)
    assert not (ids == anchors[:, None]).any()
    assert (ids >= 0).all()


@pytest.mark.parametrize(
    ("use_bias", "screening", "spare_blocks"),
    [
        (True, "float32", 32),
        (False, "float32", 32),
        (True, "bfloat16", 32),
        (False, "bfloat16", 32),
        (True, "bfloat16", 0),  # every bfloat16 check through the full-row scan
    ],
)
def test_matches_score_all_with_candidates_and_excluded_neighbours(
    use_bias, screening, spare_blocks, monkeypatch
):
    monkeypatch.setattr(ranking, "SPARE_BLOCKS", spare_blocks)
    # 5,000 products span three tiles (the last one partial) and many blocks
    n = 5000
    model = random_model(n, use_bias=use_bias, seed=1)
    rng = np.random.default_rng(0)
    candidates = rng.random(n) > 0.2
    p1, p2 = rng.integers(0, n, 30_000), rng.integers(0, n, 30_000)
    neighbours = adjacency(p1, p2, n)
    anchors = rng.choice(n, 400, replace=False)
    ids, scores = similar_items(
        model,
        anchors,
        10,
        exclude_neighbours=neighbours,
        candidates=candidates,
        batch_size=64,
        workers=2,
        screening=screening,
    )
    want_scores, want_ids = brute_force(
        model, anchors, 10, candidates=candidates, neighbours=neighbours
    )
    np.testing.assert_allclose(scores, want_scores.numpy(), rtol=1e-5, atol=1e-5)
    assert (ids == want_ids.numpy()).mean() > 0.999  # exact ties may swap
    assert candidates[ids].all()
    for row, a in enumerate(anchors):
        known = neighbours[1][neighbours[0][a] : neighbours[0][a + 1]]
        assert not np.isin(ids[row], known).any()
        assert a not in ids[row]


def test_bfloat16_screening_gives_the_float32_answer_at_scale():
    model = random_model(20_000, dim=32, seed=5)
    anchors = np.arange(0, 20_000, 37)
    a = similar_items(model, anchors, 10, screening="float32")
    b = similar_items(model, anchors, 10, screening="bfloat16")
    np.testing.assert_allclose(a[1], b[1], rtol=1e-6)  # re-scored in float32
    assert (a[0] == b[0]).mean() > 0.999  # exact ties may swap
    with pytest.raises(ValueError, match="screening"):
        similar_items(model, anchors, 10, screening="int8")


def test_excluding_neighbours_changes_the_answer_only_by_removing_them():
    model = two_cliques(n_per=8)
    p1, p2 = np.array([0, 0, 8]), np.array([1, 2, 9])
    plain, _ = similar_items(model, [0, 8], 7)
    kept, _ = similar_items(model, [0, 8], 5, exclude_neighbours=adjacency(p1, p2, 16))
    assert not np.isin(kept[0], [0, 1, 2]).any() and not np.isin(kept[1], [8, 9]).any()
    assert list(kept[0]) == [i for i in plain[0] if i not in (1, 2)][:5]


def test_one_id_gives_one_row_and_short_lists_are_padded():
    model = random_model(6)
    ids, scores = similar_items(model, 2, 4)
    assert ids.shape == scores.shape == (4,)
    candidates = np.array([True, True, True, False, False, False])
    ids, scores = similar_items(model, [0, 4], 5, candidates=candidates)
    assert ids.shape == (2, 5)
    assert list(ids[0, 2:]) == [-1, -1, -1] and np.isnan(scores[0, 2:]).all()
    assert set(ids[0, :2]) == {1, 2} and set(ids[1, :3]) == {0, 1, 2}


def test_results_do_not_depend_on_batch_size_or_workers():
    model = random_model(2500, seed=3)
    anchors = np.arange(0, 2500, 7)
    a = similar_items(model, anchors, 10, batch_size=1, workers=1)
    b = similar_items(model, anchors, 10, batch_size=1000, workers=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], rtol=1e-6)


def test_bad_arguments_are_refused():
    model = random_model(5)
    with pytest.raises(ValueError, match="k and batch_size"):
        similar_items(model, [0], 0)
    with pytest.raises(ValueError, match="product ids"):
        similar_items(model, [5], 3)
    with pytest.raises(ValueError, match="mask of length 5"):
        similar_items(model, [0], 3, candidates=np.ones(4, dtype=bool))


def test_pair_degree_counts_both_ends():
    assert list(pair_degree(np.array([0, 0]), np.array([1, 3]), 5)) == [
        2,
        1,
        0,
        1,
        0,
    ]


# ------------------------------------------------------------------ table


def test_similar_products_table_schema_and_metadata_join():
    ids = np.array([[1, 2, -1], [0, -1, -1]])
    scores = np.array([[0.9, 0.5, np.nan], [0.7, np.nan, np.nan]], dtype=np.float32)
    pairs = similar_pairs_table(
        np.array([0, 2]), ids, scores, pa.array(["A", "B", "C"])
    )
    products = pd.DataFrame(
        {
            "asin": ["A", "B"],
            "title": ["Alpha", None],
            "brand": ["Acme", "Bee"],
            "main_category": ["Beauty", "Beauty"],
            "categories": [[["Beauty", "Hair"]], [["Beauty"]]],
            "price": [1.0, 2.0],
        }
    )
    table = attach_metadata(pairs, products)
    assert table.column_names == [
        "asin",
        "rank",
        "similar_asin",
        "score",
        *METADATA_COLUMNS,
        *(f"similar_{c}" for c in METADATA_COLUMNS),
    ]
    rows = table.to_pylist()
    assert [(r["asin"], r["rank"], r["similar_asin"]) for r in rows] == [
        ("A", 1, "B"),
        ("A", 2, "C"),
        ("C", 1, "A"),
    ]
    assert rows[0]["title"] == "Alpha" and rows[0]["similar_brand"] == "Bee"
    assert rows[1]["similar_title"] is None  # C has no metadata
    assert rows[2]["categories"] is None and rows[2]["similar_categories"] == [
        ["Beauty", "Hair"]
    ]


# ------------------------------------------------------------------ lookups


def test_asin_index_suggests_close_asins_fast_on_many():
    rng = np.random.default_rng(0)
    alphabet = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    asins = ["B0" + "".join(rng.choice(alphabet, 8)) for _ in range(120_000)]
    asins.append("B000050B6U")
    started = time.perf_counter()
    index = AsinIndex(asins)
    assert index.suggest("B000050B7U")[0] == "B000050B6U"  # last-but-one typo
    assert time.perf_counter() - started < 1.5  # index + one query, 120k ASINs
    assert "B000050B6U" in index and len(index) == len(set(asins))
    assert index.suggest("X000050B6U")[0] == "B000050B6U"  # first-letter typo
    assert index.suggest("b000050b6u")[0] == "B000050B6U"  # lower case


def test_popular_in_category_walks_up_from_the_leaf():
    products = pa.table(
        {
            "asin": ["A", "B", "C", "D", "E"],
            "categories": [
                [["Beauty", "Hair", "Irons"]],
                [["Beauty", "Hair", "Irons"]],
                [["Beauty", "Hair", "Dryers"]],
                [["Beauty", "Skin"]],
                None,
            ],
        }
    )
    degree = np.array([0, 5, 9, 20, 50])
    path = category_path([["Beauty"], ["Beauty", "Hair", "Irons"]])
    assert path == ["Beauty", "Hair", "Irons"]
    category, top = popular_in_category(products, degree, path, 3, exclude="A")
    assert category == "Irons" and top["asin"].to_pylist() == ["B"]
    category, top = popular_in_category(
        products, degree, ["Beauty", "Hair", "Curls"], 3
    )
    assert category == "Hair" and top["asin"].to_pylist() == ["C", "B"]
    category, top = popular_in_category(products, degree, ["Toys"], 2)
    assert category is None and top["asin"].to_pylist() == ["E", "D"]


# ------------------------------------------------------------------ the command


@pytest.fixture
def tiny_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder holding a two-clique model and its tables (no training)."""
    make_project_copy(tmp_path, with_sample=False)
    monkeypatch.chdir(tmp_path)
    asins = [f"B00000{i:04d}" for i in range(16)]
    model = two_cliques(n_per=8)
    TorchStateDictDataset(
        filepath="data/06_models/mf_bias/model.pt", version=Version(None, None)
    ).save(model)
    JSONFileDataset(filepath="data/06_models/mf_bias/training_history.json").save(
        {"variant": "mf_bias", "params": {"use_bias": True, "embedding_dim": 6}}
    )
    ParquetTableDataset(filepath="data/03_primary/product_index.parquet").save(
        pd.DataFrame({"product_id": np.arange(16, dtype=np.int32), "asin": asins})
    )
    # product 15 has no training pair
    p1 = np.array([0, 1, 2, 3, 8, 9, 10, 11])
    p2 = np.array([1, 2, 3, 4, 9, 10, 11, 12])
    ParquetTableDataset(filepath="data/05_model_input/train_pairs.parquet").save(
        pd.DataFrame({"product1_id": p1, "product2_id": p2, "weight": 1.0})
    )
    ParquetTableDataset(filepath="data/02_intermediate/products.parquet").save(
        pd.DataFrame(
            {
                "asin": [*asins, "B0NOTRAINS"],
                "title": [f"Product {i}" for i in range(17)],
                "brand": ["Acme"] * 17,
                "main_category": ["Beauty"] * 17,
                "categories": [
                    [["Beauty", "Hair" if i < 8 else "Skin"]] for i in range(16)
                ]
                + [[["Beauty", "Skin", "Masks"]]],
            }
        )
    )
    return tmp_path


def test_command_prints_the_top_k_table(tiny_project: Path, capsys):
    assert main(["B000000003", "--k", "4"]) == 0
    out = capsys.readouterr().out
    assert "Top 4 products similar to B000000003 “Product 3” (Acme)" in out
    lines = out.splitlines()
    header = next(
        i for i, line in enumerate(lines) if line.split()[:2] == ["rank", "asin"]
    )
    rows = [line.split() for line in lines[header + 1 :]]
    assert [r[0] for r in rows] == ["1", "2", "3", "4"]
    assert all(int(r[1][-4:]) < 8 and r[1] != "B000000003" for r in rows)


def test_command_excludes_neighbours_on_request(tiny_project: Path, capsys):
    assert main(["B000000003", "--k", "7", "--exclude-neighbours"]) == 0
    out = capsys.readouterr().out
    assert "B000000002" not in out and "B000000004" not in out


def test_unknown_asin_gets_suggestions(tiny_project: Path, capsys):
    assert main(["B000000O03"]) == 1
    out = capsys.readouterr().out
    assert "Unknown ASIN 'B000000O03'" in out
    assert "Closest known ASINs:" in out and "B000000003" in out


def test_product_without_embedding_falls_back_to_category_popularity(
    tiny_project: Path, capsys
):
    assert main(["B0NOTRAINS", "--k", "3"]) == 0
    out = capsys.readouterr().out
    assert "has no trained embedding" in out
    assert "FALLBACK (not model scores)" in out and "category 'Skin'" in out
    # the Skin products with the most training pairs: 9, 10, 11 (degree 2)
    for asin in ("B000000009", "B000000010", "B000000011"):
        assert asin in out


def test_missing_model_is_reported(tiny_project: Path, capsys):
    assert main(["B000000003", "--model", "mf"]) == 1
    assert "No trained 'mf' model" in capsys.readouterr().out


@pytest.mark.slow
def test_pipeline_and_command_after_training_on_the_embedded_sample(tmp_path: Path):
    make_project_copy(tmp_path)
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"}
    kedro = Path(sys.executable).with_name("kedro")
    train = subprocess.run(
        [
            str(kedro),
            "run",
            "--pipeline",
            "train_mf_bias",
            "--params",
            "mf_bias.train.epochs=1,mf_bias.train.embedding_dim=8",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert train.returncode == 0, train.stdout[-3000:] + train.stderr[-3000:]
    recommend = subprocess.run(
        [str(kedro), "run", "--pipelines", "recommend", "--params", "recommend.k=5"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert recommend.returncode == 0, (
        recommend.stdout[-3000:] + recommend.stderr[-3000:]
    )
    table = pd.read_parquet(tmp_path / "data/07_model_output/similar_products.parquet")
    assert list(table.columns[:4]) == ["asin", "rank", "similar_asin", "score"]
    assert table["rank"].max() == 5 and (table.asin != table.similar_asin).all()
    index = pd.read_parquet(tmp_path / "data/03_primary/product_index.parquet")
    pairs = pd.read_parquet(tmp_path / "data/05_model_input/train_pairs.parquet")
    asin = index.set_index("product_id").asin[int(pairs.product1_id.iloc[0])]
    done = subprocess.run(
        [sys.executable, "-m", "baseline_recsys.recommend", asin, "--k", "5"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"Top 5 products similar to {asin}")
    assert lines[2].split()[:2] == ["rank", "asin"]
    rows = [line.split() for line in lines[3:]]
    assert [r[0] for r in rows] == ["1", "2", "3", "4", "5"]
    assert asin not in {r[1] for r in rows}
    assert all(set(index.asin) >= {r[1]} for r in rows)
