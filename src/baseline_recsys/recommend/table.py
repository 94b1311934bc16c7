"""The long ``similar_products`` table: ranked pairs plus both products' metadata."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Metadata columns copied next to both products of each row.
METADATA_COLUMNS: tuple[str, ...] = ("title", "brand", "main_category", "categories")


def similar_pairs_table(
    anchors: np.ndarray, ids: np.ndarray, scores: np.ndarray, asins: pa.Array
) -> pa.Table:
    """Long table of :func:`similar_items` results, padding dropped.

    Args:
        anchors: ``(n,)`` anchor product ids.
        ids: ``(n, k)`` similar product ids (``-1`` = padding).
        scores: ``(n, k)`` scores.
        asins: ASIN of every product id (``product_index.asin``).

    Returns:
        asin, rank (1-based), similar_asin, score; anchors in the given order,
        ranks ascending.
    """
    k = ids.shape[1] if ids.ndim == 2 else 0
    keep = (ids >= 0).reshape(-1)
    anchor_ids = np.repeat(np.asarray(anchors, dtype=np.int64), k)[keep]
    similar = ids.reshape(-1)[keep]
    ranks = np.tile(np.arange(1, k + 1, dtype=np.int32), len(anchors))[keep]
    asins = pa.chunked_array([asins]) if isinstance(asins, pa.Array) else asins
    return pa.table(
        {
            "asin": asins.take(pa.array(anchor_ids)).cast(pa.string()),
            "rank": pa.array(ranks, pa.int32()),
            "similar_asin": asins.take(pa.array(similar)).cast(pa.string()),
            "score": pa.array(scores.reshape(-1)[keep], pa.float32()),
        }
    )


def attach_metadata(pairs: pa.Table, products: pd.DataFrame | pa.Table) -> pa.Table:
    """Join title, brand, main category and categories of both products.

    Args:
        pairs: Output of :func:`similar_pairs_table`.
        products: The ``products`` table (asin plus :data:`METADATA_COLUMNS`).
            A product absent from it gets nulls.

    Returns:
        ``pairs`` followed by the anchor's metadata columns and the similar
        product's, prefixed ``similar_``.

    Raises:
        ValueError: If ``products`` lacks a metadata column.
    """
    if isinstance(products, pd.DataFrame):
        products = pa.Table.from_pandas(
            products[["asin", *METADATA_COLUMNS]], preserve_index=False
        )
    missing = {"asin", *METADATA_COLUMNS} - set(products.column_names)
    if missing:
        raise ValueError(f"products lacks columns {sorted(missing)}")
    meta = products.select(list(METADATA_COLUMNS))
    meta = meta.cast(
        pa.schema(
            [
                pa.field(
                    f.name, pa.string() if pa.types.is_large_string(f.type) else f.type
                )
                for f in meta.schema
            ]
        )
    )
    key = products.column("asin").cast(pa.string())
    out = pairs
    for prefix, column in (("", "asin"), ("similar_", "similar_asin")):
        rows = pc.index_in(pairs.column(column), value_set=key)
        taken = meta.take(rows)
        for name in METADATA_COLUMNS:
            out = out.append_column(f"{prefix}{name}", taken.column(name))
    return out
