"""Serving a trained model: similar products, as a library and as a command.

* :func:`similar_items` — the top-k products for one anchor id or many, in
  batched matrix products (no Kedro needed);
* :func:`similar_pairs_table` and :func:`attach_metadata` — the long
  ``similar_products`` table;
* :class:`AsinIndex` and :func:`popular_in_category` — near-miss suggestions for
  unknown ASINs and the popularity fallback for products with no trained
  embedding;
* ``python -m baseline_recsys.recommend ASIN [--k 10] [--model mf_bias]`` — the
  query command (:mod:`baseline_recsys.recommend.__main__`).

A product with no training pairs has no trained embedding (its row is still the
random start), so it is never recommended, and gets no similar products of its
own: the pipeline counts it in its report, the command falls back to the
category's most popular products and says so.
"""

from __future__ import annotations

from baseline_recsys.recommend.lookup import (
    AsinIndex,
    category_path,
    popular_in_category,
)
from baseline_recsys.recommend.similar import similar_items
from baseline_recsys.recommend.table import (
    METADATA_COLUMNS,
    attach_metadata,
    similar_pairs_table,
)

__all__ = [
    "METADATA_COLUMNS",
    "AsinIndex",
    "attach_metadata",
    "category_path",
    "popular_in_category",
    "similar_items",
    "similar_pairs_table",
]
