"""Tests for the SYNTHETIC metadata generator (``baseline_recsys.synthetic``)."""

from __future__ import annotations

import ast
import gzip
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from baseline_recsys import synthetic
from baseline_recsys.synthetic import (
    RELATION_KINDS,
    GenerationSummary,
    asin_codes,
    generate_metadata,
    main,
)

N_PRODUCTS = 3_000
N_PAIRS = 10_000
PAIR_KINDS = ("also_bought", "also_viewed", "bought_together")


def read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as stream:
        return stream.readlines()


def undirected_pairs(records: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Pairs as the downstream code makes them: pair kinds, both directions merged."""
    pairs: set[tuple[str, str]] = set()
    for record in records:
        a = record["asin"]
        for kind in PAIR_KINDS:
            for b in record.get("related", {}).get(kind, []):
                if a != b:
                    pairs.add((a, b) if a < b else (b, a))
    return pairs


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[GenerationSummary, list[str], list[dict[str, Any]]]:
    path = tmp_path_factory.mktemp("synthetic") / "meta.json.gz"
    summary = generate_metadata(path, n_products=N_PRODUCTS, n_pairs=N_PAIRS, seed=1)
    lines = read_lines(path)
    return summary, lines, [ast.literal_eval(line) for line in lines]


def test_every_line_is_a_repr_dict_with_an_asin(generated) -> None:
    summary, lines, records = generated
    assert len(lines) == summary.lines_written > 0
    for line, record in zip(lines, records, strict=True):
        assert isinstance(record, dict)
        assert isinstance(record["asin"], str)
        assert len(record["asin"]) == 10 and record["asin"].startswith("B")
        assert repr(record) + "\n" == line  # exactly what repr writes
    assert len({r["asin"] for r in records}) == len(records)


def test_pair_and_product_counts_hit_the_targets(generated) -> None:
    summary, _, records = generated
    pairs = undirected_pairs(records)
    products = {asin for pair in pairs for asin in pair}
    assert abs(len(pairs) - N_PAIRS) <= 0.03 * N_PAIRS
    assert abs(len(products) - N_PRODUCTS) <= 0.03 * N_PRODUCTS
    assert summary.undirected_pairs == len(pairs)
    assert summary.products_in_pairs == len(products)


def test_most_related_asins_have_no_line_of_their_own(generated) -> None:
    _, _, records = generated
    with_line = {r["asin"] for r in records}
    named = {
        b
        for r in records
        for k in RELATION_KINDS
        for b in r.get("related", {}).get(k, [])
    }
    assert len(named - with_line) > 0.4 * len(named)


def test_related_products_mostly_share_the_top_category(generated) -> None:
    _, _, records = generated
    top = {r["asin"]: r["categories"][0][0] for r in records}
    same = total = 0
    for record in records:
        for kind in PAIR_KINDS:
            for b in record.get("related", {}).get(kind, []):
                if b in top:
                    total += 1
                    same += top[b] == top[record["asin"]]
    assert total > 1_000
    assert 0.75 < same / total < 0.97  # planted ~88%, the rest cross-category


def test_related_products_mostly_share_the_niche(generated) -> None:
    # a niche is one kind of product: its products share the sub-category and the
    # noun that ends the leaf category (planted: 90% of relations inside the niche)
    _, _, records = generated
    kind = {r["asin"]: tuple(r["categories"][0][:2]) for r in records}
    same = total = 0
    for record in records:
        for other in (
            b for k in PAIR_KINDS for b in record.get("related", {}).get(k, [])
        ):
            if other in kind:
                total += 1
                same += kind[other] == kind[record["asin"]]
    assert total > 1_000
    assert 0.8 < same / total < 0.97  # random pairs: about 1/(3 * categories)


def test_niches_make_the_graph_local() -> None:
    # the model-free locality measure of the real graphs: the share of pairs whose
    # two products have a common neighbour among the other pairs (about 0.76 on the
    # real Beauty and Cell Phones files; without niches the generator gave 0.31)
    rng = np.random.default_rng(0)
    catalog = synthetic._build_catalog(
        rng,
        n_products=20_000,
        n_pairs=80_000,
        n_categories=synthetic.default_categories(20_000),
        niche_size=synthetic.DEFAULT_NICHE_SIZE,
        metadata_fraction=synthetic.DEFAULT_METADATA_FRACTION,
        empty_related_fraction=synthetic.DEFAULT_EMPTY_RELATED_FRACTION,
    )
    sizes = np.bincount(catalog.niche)
    assert (
        0.5 * synthetic.DEFAULT_NICHE_SIZE
        < sizes.mean()
        < 2 * synthetic.DEFAULT_NICHE_SIZE
    )
    # every niche lies inside one category
    assert np.all(
        np.bincount(catalog.niche, weights=catalog.category)
        == sizes * catalog.category[np.unique(catalog.niche, return_index=True)[1]]
    )
    shares = {}
    for within_niche in (0.0, synthetic.DEFAULT_WITHIN_NICHE):
        pairs = synthetic._build_pairs(
            np.random.default_rng(1),
            catalog,
            n_pairs=80_000,
            within_niche=within_niche,
            within_category=synthetic.DEFAULT_WITHIN_CATEGORY,
            zipf_exponent=synthetic.DEFAULT_ZIPF_EXPONENT,
            max_related=synthetic.DEFAULT_MAX_RELATED,
        )
        src, tgt = pairs.src[: pairs.size], pairs.tgt[: pairs.size]
        neighbours: dict[int, set[int]] = {}
        for a, b in zip(src.tolist(), tgt.tolist(), strict=True):
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
        sample = np.random.default_rng(2).choice(pairs.size, 2_000, replace=False)
        shares[within_niche] = np.mean(
            [
                bool((neighbours[src[i]] & neighbours[tgt[i]]) - {src[i], tgt[i]})
                for i in sample.tolist()
            ]
        )
    assert shares[synthetic.DEFAULT_WITHIN_NICHE] > shares[0.0] + 0.2


def test_popularity_is_skewed(generated) -> None:
    _, _, records = generated
    counts = Counter(
        b for r in records for k in PAIR_KINDS for b in r.get("related", {}).get(k, [])
    )
    ordered = sorted(counts.values(), reverse=True)
    top_share = sum(ordered[: N_PRODUCTS // 100]) / sum(ordered)
    assert top_share > 0.06  # 1% of products; uniform popularity would give ~1-2%


def test_sales_rank_follows_popularity(generated) -> None:
    _, _, records = generated
    counts = Counter(
        b for r in records for k in PAIR_KINDS for b in r.get("related", {}).get(k, [])
    )
    ranked = [r for r in records if "salesRank" in r]
    popularity = np.log1p([counts[r["asin"]] for r in ranked])
    sales_rank = np.log([next(iter(r["salesRank"].values())) for r in ranked])
    assert np.corrcoef(popularity, sales_rank)[0, 1] < -0.3


def test_all_kinds_and_missing_related_appear(generated) -> None:
    summary, _, records = generated
    seen = Counter(k for r in records for k in r.get("related", {}))
    assert set(seen) == set(RELATION_KINDS)
    assert all(summary.relations_by_kind[k] > 0 for k in RELATION_KINDS)
    bought_together = [
        len(r["related"]["bought_together"])
        for r in records
        if "bought_together" in r.get("related", {})
    ]
    assert 1 <= min(bought_together) and max(bought_together) <= 3
    for record in records:  # buy_after_viewing never adds a pair
        related = record.get("related", {})
        assert set(related.get("buy_after_viewing", [])) <= set(
            related.get("also_viewed", [])
        )
    without = [r for r in records if not r.get("related")]
    assert len(without) == summary.lines_without_related > 0
    assert any("related" not in r for r in records)
    assert all(
        isinstance(r["categories"][0], list) and 2 <= len(r["categories"][0]) <= 3
        for r in records
    )
    assert any(
        r.get("brand") and r.get("title", "").startswith(r["brand"]) for r in records
    )


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    paths = [tmp_path / f"{name}.json.gz" for name in ("a", "b", "c")]
    for path, seed in zip(paths, (5, 5, 6), strict=True):
        generate_metadata(path, n_products=800, n_pairs=2_500, seed=seed)
    first, second, other = (p.read_bytes() for p in paths)
    assert first == second
    assert first != other
    assert first[4:8] == b"\x00\x00\x00\x00"  # gzip header mtime is fixed


def test_plain_text_when_not_gz(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    generate_metadata(path, n_products=200, n_pairs=500, seed=0)
    assert path.read_bytes().startswith(b"{'asin': 'B")


def test_dense_request_is_met_exactly(tmp_path: Path) -> None:
    path = tmp_path / "dense.json"
    summary = generate_metadata(path, n_products=30, n_pairs=30 * 29 // 2, seed=3)
    records = [ast.literal_eval(line) for line in read_lines(path)]
    assert len(undirected_pairs(records)) == summary.undirected_pairs == 435


def test_asins_are_distinct_and_fixed() -> None:
    codes = asin_codes(np.arange(200_000))
    assert np.unique(codes).size == codes.size
    assert (
        asin_codes(np.array([0, 1])).tolist() == asin_codes(np.array([0, 1])).tolist()
    )
    assert all(c.isalnum() for c in codes[:100].astype("U10").tolist())


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_pairs": 0}, "n_pairs"),
        ({"n_products": 10, "n_pairs": 46}, "n_pairs"),
        ({"n_products": 1}, "n_products"),
        ({"n_products": 100.5}, "n_products"),
        ({"seed": -1}, "seed"),
        ({"metadata_fraction": 0.0}, "metadata_fraction"),
        ({"metadata_fraction": 1.5}, "metadata_fraction"),
        ({"n_categories": 0}, "n_categories"),
        ({"within_category": 2.0}, "within_category"),
        ({"within_niche": -0.1}, "within_niche"),
        ({"within_niche": 0.95, "within_category": 0.9}, "within_niche"),
        ({"niche_size": 0}, "niche_size"),
        ({"zipf_exponent": -1.0}, "zipf_exponent"),
        ({"empty_related_fraction": 1.0}, "empty_related_fraction"),
        ({"max_related": 0}, "max_related"),
    ],
)
def test_bad_arguments_name_the_parameter(
    tmp_path: Path, kwargs: dict[str, Any], name: str
) -> None:
    arguments: dict[str, Any] = {"n_products": 100, "n_pairs": 200, "seed": 0} | kwargs
    with pytest.raises(ValueError, match=name):
        generate_metadata(tmp_path / "x.json", **arguments)
    assert not list(tmp_path.iterdir())


def test_failed_write_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(stream: Any, *args: Any) -> None:
        stream.write(b"{'asin': 'B000000000'}\n")
        raise OSError("disk full")

    monkeypatch.setattr(synthetic, "_write_blocks", broken)
    with pytest.raises(OSError, match="disk full"):
        generate_metadata(tmp_path / "meta.json.gz", n_products=100, n_pairs=200)
    assert not list(tmp_path.iterdir())


def test_cli_writes_a_file(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "meta.json.gz"
    argv = ["--products", "500", "--pairs", "1500", "--seed", "2", "--out", str(out)]
    assert main([*argv, "--categories", "5", "--metadata-fraction", "0.5"]) == 0
    records = [ast.literal_eval(line) for line in read_lines(out)]
    assert len(records) == 250
    assert len({r["categories"][0][0] for r in records}) == 5
    assert len(undirected_pairs(records)) == 1500


@pytest.mark.parametrize(
    "argv",
    [
        ["--products", "10", "--pairs", "0"],
        ["--products", "10", "--pairs", "46"],
        ["--products", "10"],
    ],
)
def test_cli_rejects_bad_arguments(tmp_path: Path, argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(tmp_path / "x.json")])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("exponent", [0.0, 0.85, 1.0, 1.7])
def test_zipf_probability_is_the_law_of_zipf_ranks(exponent: float) -> None:
    size = np.array([1, 7, 60, 500])
    rng = np.random.default_rng(4)
    for n in size.tolist():
        ranks = synthetic._zipf_ranks(rng.random(200_000), n, exponent)
        law = synthetic._zipf_probability(np.arange(n), np.full(n, n), exponent)
        assert law.sum() == pytest.approx(1.0)
        observed = np.bincount(ranks, minlength=n) / 200_000
        assert np.abs(observed - law).max() < 0.01


def test_planted_structure_matches_the_generated_file(tmp_path: Path) -> None:
    args = {"n_products": 2_000, "n_pairs": 8_000, "seed": 5}
    structure = synthetic.planted_structure(**args)
    path = tmp_path / "meta.json.gz"
    generate_metadata(path, **args)
    records = [ast.literal_eval(line) for line in read_lines(path)]
    index = {asin: i for i, asin in enumerate(structure.asins.tolist())}
    # the catalogue is the file's: every line's top category is the planted one
    names = {r["categories"][0][0] for r in records}
    assert len(names) == len(np.unique(structure.category))
    by_category: dict[int, set[str]] = {}
    for record in records:
        by_category.setdefault(structure.category[index[record["asin"]]], set()).add(
            record["categories"][0][0]
        )
    assert all(len(found) == 1 for found in by_category.values())
    # probabilities are distributions inside each group, and only lines that
    # list products are sources
    assert structure.source_weight.sum() == pytest.approx(1.0)
    assert structure.global_probability.sum() == pytest.approx(1.0)
    for group, probability in (
        (structure.category, structure.category_probability),
        (structure.niche, structure.niche_probability),
    ):
        sums = np.bincount(group, weights=probability)
        np.testing.assert_allclose(sums[sums > 0], 1.0)
    listing = {index[r["asin"]] for r in records if r.get("related")}
    assert set(np.flatnonzero(structure.source_weight).tolist()) <= listing
    assert (structure.within_niche, structure.within_category) == (
        synthetic.DEFAULT_WITHIN_NICHE,
        synthetic.DEFAULT_WITHIN_CATEGORY,
    )
