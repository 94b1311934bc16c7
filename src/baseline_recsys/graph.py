"""Build the undirected, weighted product graph from directed relations.

Following the seed post (Eugene Yan, "Building a Strong Baseline Recommender in
PyTorch, on a Laptop", 2020), every directed relation ``asin → related_asin`` of
kind *k* contributes ``weights[k]`` to the undirected pair {asin, related_asin}:
A→B also_bought plus B→A also_bought gives 2.0. Self-pairs are dropped, and kinds
with weight 0 contribute nothing (they are excluded).

Products get stable integer ids: their rank in the sorted list of ASINs that appear
in at least one pair. Because ids follow ASIN order, ``product1 < product2`` holds
for both the ASINs and the ids of every pair.

Everything is vectorised with pyarrow and numpy (a sort of one int64 key per
relation); nothing loops over pairs in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

logger = logging.getLogger(__name__)

#: Relationship kinds that get their own count column on every pair.
KNOWN_KINDS = ("bought_together", "also_bought", "also_viewed", "buy_after_viewing")


@dataclass(frozen=True)
class ProductGraph:
    """The weighted undirected graph and its product index.

    Attributes:
        pairs: product1, product2 (ASINs, product1 < product2), product1_id,
            product2_id (int32), weight (float64), and ``n_<kind>`` (uint8): how
            many directed relations of each kind join the two products (0, 1 or 2).
        product_index: product_id (int32, 0..n-1), asin, degree (number of pairs),
            weighted_degree (sum of pair weights), frequency (degree / 2·n_pairs).
    """

    pairs: pd.DataFrame
    product_index: pd.DataFrame


def pair_degree(p1: np.ndarray, p2: np.ndarray, n_products: int) -> np.ndarray:
    """Number of pairs each product id appears in (either end).

    Args:
        p1: First product ids of the pairs.
        p2: Second product ids of the pairs.
        n_products: Number of product ids.

    Returns:
        ``(n_products,)`` int64 degrees; on training pairs, 0 marks a product with
        no trained embedding.
    """
    p1 = np.asarray(p1, dtype=np.int64)
    p2 = np.asarray(p2, dtype=np.int64)
    return np.bincount(p1, minlength=n_products) + np.bincount(p2, minlength=n_products)


def _kind_weights(
    kinds: list[str], weights: Mapping[str, float]
) -> tuple[np.ndarray, list[str]]:
    """Weight per dictionary index of the relationship column; unknown kinds → 0."""
    unknown = [k for k in kinds if k not in weights]
    if unknown:
        logger.warning(
            "Relationship kinds without a weight are excluded (weight 0): %s", unknown
        )
    return np.array(
        [float(weights.get(k, 0.0)) for k in kinds], dtype=np.float64
    ), unknown


def build_product_graph(
    relationships: pa.Table, weights: Mapping[str, float]
) -> ProductGraph:
    """Explode directed relations into weighted undirected pairs.

    Args:
        relationships: Columns asin, related_asin, relationship (string or
            dictionary), one row per directed relation.
        weights: Relationship kind → weight. Kinds with weight 0 (or absent) are
            excluded.

    Returns:
        The graph.

    Raises:
        ValueError: If a weight is negative or every weight is zero.
    """
    for kind, weight in weights.items():
        if weight < 0:
            raise ValueError(
                f"relationship weight for {kind!r} must be >= 0, got {weight}"
            )
    if not any(w > 0 for w in weights.values()):
        raise ValueError(
            f"at least one relationship weight must be > 0, got {dict(weights)}"
        )

    kinds_table = relationships.select(["relationship"])
    if not pa.types.is_dictionary(kinds_table.schema.field(0).type):
        kinds_table = pa.table(
            {"relationship": pc.dictionary_encode(kinds_table.column(0))}
        )
    kind_col = kinds_table.unify_dictionaries().column(0).combine_chunks()
    kind_names = [str(k) for k in kind_col.dictionary.to_pylist()]
    kind_codes = kind_col.indices.to_numpy(zero_copy_only=False).astype(np.int16)
    per_kind_weight, _ = _kind_weights(kind_names, weights)
    relation_weight = per_kind_weight[kind_codes]

    src = relationships.column("asin")
    dst = relationships.column("related_asin")
    keep = (relation_weight > 0) & ~pc.equal(src, dst).to_numpy(zero_copy_only=False)
    keep_arrow = pa.array(keep)
    src, dst = src.filter(keep_arrow), dst.filter(keep_arrow)
    kind_codes, relation_weight = kind_codes[keep], relation_weight[keep]

    asins = pc.unique(pa.chunked_array(src.chunks + dst.chunks, type=pa.string()))
    asins = pc.take(asins, pc.sort_indices(asins))
    n_products = len(asins)
    src_id = (
        pc.index_in(src, value_set=asins)
        .to_numpy(zero_copy_only=False)
        .astype(np.int64)
    )
    dst_id = (
        pc.index_in(dst, value_set=asins)
        .to_numpy(zero_copy_only=False)
        .astype(np.int64)
    )
    del src, dst

    lo, hi = np.minimum(src_id, dst_id), np.maximum(src_id, dst_id)
    key = lo * n_products + hi
    del src_id, dst_id, lo, hi
    unique_keys, inverse = np.unique(key, return_inverse=True)
    del key
    n_pairs = len(unique_keys)
    # (astype: bincount of an empty array is int64 even with float weights)
    weight = np.bincount(inverse, weights=relation_weight, minlength=n_pairs).astype(
        np.float64
    )
    p1 = (unique_keys // n_products).astype(np.int32)
    p2 = (unique_keys % n_products).astype(np.int32)

    asin_values = asins.to_numpy(zero_copy_only=False)
    pairs = pd.DataFrame(
        {
            "product1": pd.array(asin_values[p1], dtype="string[pyarrow]"),
            "product2": pd.array(asin_values[p2], dtype="string[pyarrow]"),
            "product1_id": p1,
            "product2_id": p2,
            "weight": weight,
        }
    )
    for kind in sorted(set(KNOWN_KINDS) | set(kind_names), key=_kind_order):
        if kind not in kind_names:
            pairs[f"n_{kind}"] = np.zeros(n_pairs, dtype=np.uint8)
            continue
        mask = kind_codes == kind_names.index(kind)
        counts = np.bincount(inverse[mask], minlength=n_pairs)
        pairs[f"n_{kind}"] = np.minimum(counts, 255).astype(np.uint8)

    degree = pair_degree(p1, p2, n_products)
    weighted = (
        np.bincount(p1, weights=weight, minlength=n_products)
        + np.bincount(p2, weights=weight, minlength=n_products)
    ).astype(np.float64)
    product_index = pd.DataFrame(
        {
            "product_id": np.arange(n_products, dtype=np.int32),
            "asin": pd.array(asin_values, dtype="string[pyarrow]"),
            "degree": degree.astype(np.int64),
            "weighted_degree": weighted,
            "frequency": degree / max(2 * n_pairs, 1),
        }
    )
    logger.info(
        "Product graph: %s products, %s pairs, total weight %.1f",
        f"{n_products:,}",
        f"{n_pairs:,}",
        float(weight.sum()),
    )
    return ProductGraph(pairs=pairs, product_index=product_index)


def _kind_order(kind: str) -> tuple[int, str]:
    return (
        (KNOWN_KINDS.index(kind), kind)
        if kind in KNOWN_KINDS
        else (len(KNOWN_KINDS), kind)
    )
