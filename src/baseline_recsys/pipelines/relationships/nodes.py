"""Nodes of the ``relationships`` pipeline: directed relations → weighted pairs."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from baseline_recsys.config import RelationshipsParams
from baseline_recsys.graph import build_product_graph


def build_product_pairs(
    product_relationships: pa.Table, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sum relationship weights into undirected pairs and index the products.

    Args:
        product_relationships: asin, related_asin, relationship (one row per
            directed relation).
        params: ``params:relationships`` (see
            :class:`~baseline_recsys.config.RelationshipsParams`).

    Returns:
        product_pairs and product_index.
    """
    cfg = RelationshipsParams.parse(params, prefix="relationships")
    graph = build_product_graph(product_relationships, cfg.weights)
    return graph.pairs, graph.product_index
