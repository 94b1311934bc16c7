"""Nodes of the ``split`` pipeline: train / validation pairs with negatives."""

from __future__ import annotations

from typing import Any

import pandas as pd

from baseline_recsys.config import SplitParams
from baseline_recsys.splitting import split_pairs


def split_product_pairs(
    product_pairs: pd.DataFrame, product_index: pd.DataFrame, params: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Split pairs at random and sample validation negatives.

    Args:
        product_pairs: Weighted undirected pairs.
        product_index: Product ids.
        params: ``params:split`` (see :class:`~baseline_recsys.config.SplitParams`).

    Returns:
        train_pairs, validation_pairs (with ``label`` and ``seen``) and the split
        report.
    """
    cfg = SplitParams.parse(params, prefix="split")
    split = split_pairs(
        product_pairs,
        product_index,
        validation_fraction=cfg.validation_fraction,
        negatives_per_positive=cfg.negatives_per_positive,
        negative_strategy=cfg.negative_strategy,
        drop_unseen=cfg.drop_unseen,
        seed=cfg.seed,
    )
    return split.train, split.validation, split.report
