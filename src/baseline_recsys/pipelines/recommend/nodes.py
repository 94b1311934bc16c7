"""Nodes of the ``recommend`` pipeline."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from baseline_recsys.config import RecommendParams
from baseline_recsys.graph import pair_degree
from baseline_recsys.metrics import adjacency
from baseline_recsys.model import MatrixFactorization
from baseline_recsys.recommend import (
    attach_metadata,
    similar_items,
    similar_pairs_table,
)

logger = logging.getLogger(__name__)

#: ASINs listed in the report for each kind of anchor that gets no rows.
REPORTED_ASINS = 20


def check_served_model(
    state: dict[str, torch.Tensor],
    history: dict[str, Any],
    cfg: RecommendParams,
    n_products: int,
) -> MatrixFactorization:
    """Rebuild the served model and check it is the variant asked for.

    Args:
        state: The ``state_dict`` loaded from ``served_model``.
        history: The matching ``training_history`` (names the variant).
        cfg: The recommend parameters.
        n_products: Rows of the current ``product_index``.

    Returns:
        The model, in eval mode.

    Raises:
        ValueError: If the model was trained as another variant, with other
            hyper-parameters, or on another product index.
    """
    trained_as = history.get("variant")
    if trained_as != cfg.model:
        raise ValueError(
            f"params recommend.model is {cfg.model!r} but the served model (data/06_"
            f"models/<variant>/) was trained as {trained_as!r}. The catalog picks the "
            f"folder from the runtime parameter: run with "
            f"`--params recommend.model={cfg.model}` (or change the default in both "
            "conf/base/parameters_recommend.yml and served_model in catalog.yml)."
        )
    model = MatrixFactorization.from_state_dict(state)
    trained = history.get("params", {})
    if (
        trained.get("use_bias", model.use_bias),
        trained.get("embedding_dim", model.dim),
    ) != (
        model.use_bias,
        model.dim,
    ):
        raise ValueError(
            f"{cfg.model}: the latest model.pt and training_history.json disagree "
            f"(use_bias {model.use_bias} vs {trained.get('use_bias')}, dim "
            f"{model.dim} vs {trained.get('embedding_dim')}); retrain {cfg.model}."
        )
    if model.n_products != n_products:
        raise ValueError(
            f"{cfg.model} has {model.n_products:,} products but product_index has "
            f"{n_products:,}: the data changed since training; retrain {cfg.model}."
        )
    return model


def select_anchors(
    asins: np.ndarray, degree: np.ndarray, wanted: list[str] | None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Product ids to rank, and what was left out and why.

    Args:
        asins: ASIN of every product id.
        degree: Training degree of every product id.
        wanted: ASINs asked for, or ``None`` for all.

    Returns:
        The anchor ids (with a trained embedding) and a report: ``unknown_asins``
        (not in ``product_index``) and ``no_embedding`` (no training pairs, so no
        trained embedding; they get no rows), each a count and a sample.
    """
    if wanted is None:
        ids = np.arange(len(asins))
        unknown: list[str] = []
    else:
        position = pd.Index(asins).get_indexer(pd.Index(wanted))
        unknown = [a for a, p in zip(wanted, position, strict=True) if p < 0]
        ids = np.unique(position[position >= 0])
    trained = degree[ids] > 0
    untrained = ids[~trained]
    report = {
        "unknown_asins": len(unknown),
        "unknown_asins_sample": unknown[:REPORTED_ASINS],
        "no_embedding": len(untrained),
        "no_embedding_sample": asins[untrained[:REPORTED_ASINS]].tolist(),
    }
    if unknown:
        logger.warning(
            "%d ASINs are not in product_index: %s", len(unknown), unknown[:5]
        )
    if len(untrained):
        logger.warning(
            "%s products have no training pairs, hence no trained embedding, and "
            "get no rows (e.g. %s)",
            f"{len(untrained):,}",
            report["no_embedding_sample"][:5],
        )
    return ids[trained], report


def find_similar_products(
    served_model: dict[str, torch.Tensor],
    served_training_history: dict[str, Any],
    product_index: pd.DataFrame,
    train_pairs: pd.DataFrame,
    params: dict[str, Any],
) -> tuple[pa.Table, dict[str, Any]]:
    """Rank the top-k similar products of every product (or of ``asins``).

    Only products seen in training are recommended or ranked for; each
    product itself, and with ``exclude_neighbours`` its training neighbours, are
    left out.

    Args:
        served_model: ``state_dict`` of the served variant.
        served_training_history: Its training history.
        product_index: product_id, asin, ...
        train_pairs: Training positives (product1_id, product2_id).
        params: ``params:recommend`` (see
            :class:`~baseline_recsys.config.RecommendParams`).

    Returns:
        similar_product_pairs (asin, rank, similar_asin, score) and the
        recommend report.
    """
    cfg = RecommendParams.parse(params, prefix="recommend")
    index = product_index.sort_values("product_id")
    asins = index["asin"].to_numpy(dtype=object)
    n = len(asins)
    model = check_served_model(served_model, served_training_history, cfg, n)
    p1 = train_pairs["product1_id"].to_numpy(np.int64)
    p2 = train_pairs["product2_id"].to_numpy(np.int64)
    degree = pair_degree(p1, p2, n)
    anchors, report = select_anchors(asins, degree, cfg.asins)
    neighbours = adjacency(p1, p2, n) if cfg.exclude_neighbours else None
    workers = cfg.num_threads or torch.get_num_threads()
    started = time.perf_counter()
    ids, scores = similar_items(
        model,
        anchors,
        cfg.k,
        exclude_neighbours=neighbours,
        candidates=degree > 0,
        batch_size=cfg.batch_size,
        workers=workers,
    )
    seconds = time.perf_counter() - started
    pairs = similar_pairs_table(anchors, ids, scores, pa.array(asins, pa.string()))
    logger.info(
        "%s: top-%d similar products of %s products in %.1f s (%s rows)",
        cfg.model,
        cfg.k,
        f"{len(anchors):,}",
        seconds,
        f"{pairs.num_rows:,}",
    )
    report = {
        "model": cfg.model,
        "k": cfg.k,
        "exclude_neighbours": cfg.exclude_neighbours,
        "products": n,
        "candidates": int((degree > 0).sum()),
        "anchors": len(anchors),
        **report,
        "rows": pairs.num_rows,
        "seconds": seconds,
        "workers": workers,
    }
    return pairs, report


def attach_product_metadata(
    similar_product_pairs: pa.Table, products: pd.DataFrame
) -> pa.Table:
    """Add title, brand and categories of both products to each row.

    Args:
        similar_product_pairs: Output of :func:`find_similar_products`.
        products: The products table.

    Returns:
        ``similar_products``.
    """
    return attach_metadata(similar_product_pairs, products)
