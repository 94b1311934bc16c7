"""Nodes of the ``train`` pipeline: fit one model variant and evaluate it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from baseline_recsys.config import EvaluateParams, TrainParams
from baseline_recsys.evaluation import evaluate
from baseline_recsys.model import MatrixFactorization
from baseline_recsys.plots import (
    plot_learning_curve,
    plot_lr_schedule,
    plot_precision_recall,
    plot_roc,
)
from baseline_recsys.training import PairData, fit

logger = logging.getLogger(__name__)


def _pair_data(pairs: pd.DataFrame, with_label: bool = False) -> PairData:
    return PairData(
        p1=torch.from_numpy(pairs["product1_id"].to_numpy(np.int64, copy=True)),
        p2=torch.from_numpy(pairs["product2_id"].to_numpy(np.int64, copy=True)),
        weight=torch.from_numpy(pairs["weight"].to_numpy(np.float32, copy=True)),
        label=torch.from_numpy(pairs["label"].to_numpy(np.int64, copy=True))
        if with_label
        else None,
    )


def train_model(
    train_pairs: pd.DataFrame,
    validation_pairs: pd.DataFrame,
    product_index: pd.DataFrame,
    params: dict[str, Any],
    *,
    variant: str,
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Fit a matrix factorisation model on the training pairs.

    Args:
        train_pairs: Training positives.
        validation_pairs: Labelled validation pairs (for the logged AUC only).
        product_index: Product ids (gives the size of the embedding table).
        params: ``params:<variant>.train`` (see
            :class:`~baseline_recsys.config.TrainParams`).
        variant: Name of the variant (names the checkpoint file).

    Returns:
        The trained model's ``state_dict`` and its training history (log
        entries, the learning rate at every step, fit time).
    """
    cfg = TrainParams.parse(params, prefix=f"{variant}.train")
    checkpoint = (
        Path(cfg.checkpoint_dir) / f"{variant}.pt" if cfg.checkpoint_dir else None
    )
    logger.info(
        "Training %s: %s pairs, %s products, %s",
        variant,
        f"{len(train_pairs):,}",
        f"{len(product_index):,}",
        cfg.model_dump(exclude={"checkpoint_dir"}),
    )
    result = fit(
        _pair_data(train_pairs),
        len(product_index),
        cfg,
        validation=_pair_data(validation_pairs, with_label=True),
        checkpoint_path=checkpoint,
    )
    history = {
        "variant": variant,
        "train_seconds": result.train_seconds,
        "pairs_per_second": cfg.epochs * len(train_pairs) / result.train_seconds
        if result.train_seconds
        else None,
        "steps_per_epoch": result.steps_per_epoch,
        "resumed_from_epoch": result.resumed_from_epoch,
        "log": result.history,
        "lr_per_step": result.lr_per_step,
        "params": cfg.model_dump(),
    }
    return result.model.state_dict(), history


def evaluate_model(
    model_state: dict[str, torch.Tensor],
    train_pairs: pd.DataFrame,
    validation_pairs: pd.DataFrame,
    training_history: dict[str, Any],
    params: dict[str, Any],
    *,
    variant: str,
) -> tuple[dict[str, Any], pd.DataFrame, Figure, Figure, Figure, Figure]:
    """Compute the variant's metrics and draw its four plots.

    Args:
        model_state: The saved ``state_dict``.
        train_pairs: Training positives (training neighbours are left out when
            ranking).
        validation_pairs: Labelled validation pairs.
        training_history: Output of :func:`train_model`.
        params: ``params:<variant>.evaluate`` (see
            :class:`~baseline_recsys.config.EvaluateParams`).
        variant: Name of the variant (named in the metrics and plot titles).

    Returns:
        metrics, validation_scores, and the precision/recall, ROC, learning
        curve and learning-rate plots.
    """
    cfg = EvaluateParams.parse(params, prefix=f"{variant}.evaluate")
    model = MatrixFactorization.from_state_dict(model_state)
    result = evaluate(
        model,
        train_pairs,
        validation_pairs,
        ranking_sample_size=cfg.ranking_sample_size,
        k=cfg.k,
        batch_size=cfg.batch_size,
        seed=cfg.seed,
    )
    metrics = {
        "variant": variant,
        **result.metrics,
        "train_seconds": training_history["train_seconds"],
        "pairs_per_second": training_history["pairs_per_second"],
        "train_params": training_history["params"],
        "evaluate_params": cfg.model_dump(),
    }
    logger.info(
        "%s: ROC-AUC %.4f (seen %.4f, popularity %.4f), recall@%d %.3f, NDCG@%d %.3f",
        variant,
        *(
            metrics[k] or float("nan")
            for k in ("roc_auc", "roc_auc_seen", "popularity_roc_auc")
        ),
        cfg.k,
        metrics[f"recall_at_{cfg.k}"] or float("nan"),
        cfg.k,
        metrics[f"ndcg_at_{cfg.k}"] or float("nan"),
    )
    scores = result.scores
    labels, probs = scores["label"].to_numpy(), scores["probability"].to_numpy()
    auc = metrics["roc_auc"]
    pr_plot = plot_precision_recall(labels, probs, variant)
    roc_plot = plot_roc(
        {f"{variant} (AUC {auc:.4f})" if auc is not None else variant: (labels, probs)},
        f"{variant}: ROC curve (validation)",
    )
    learning_curve = plot_learning_curve(training_history["log"], variant)
    lr_plot = plot_lr_schedule(
        training_history["lr_per_step"], training_history["steps_per_epoch"], variant
    )
    return metrics, scores, pr_plot, roc_plot, learning_curve, lr_plot
