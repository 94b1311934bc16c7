"""Nodes of the ``evaluate`` pipeline: one table and one ROC plot for all variants."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from baseline_recsys.plots import plot_roc

COMPARISON_COLUMNS = (
    "variant",
    "roc_auc",
    "roc_auc_seen",
    "popularity_roc_auc",
    "recall_at_10",
    "ndcg_at_10",
    "train_seconds",
    "pairs_per_second",
)


def _materialise(items: Mapping[str, Any]) -> dict[str, Any]:
    """Call the loaders of a PartitionedDataset; pass plain values through."""
    return {k: (v() if callable(v) else v) for k, v in items.items()}


def _variant_of(key: str) -> str:
    """``mf_bias/metrics`` (a partition id) or ``mf_bias`` → ``mf_bias``."""
    return key.split("/")[0]


def compare_variants(
    metrics: Mapping[str, dict[str, Any] | Callable[[], dict[str, Any]]],
    validation_scores: Mapping[str, pd.DataFrame | Callable[[], pd.DataFrame]],
) -> tuple[pd.DataFrame, str, Figure]:
    """Tabulate the variants' metrics and overlay their ROC curves.

    Args:
        metrics: Variant (or partition id) → metrics dict (or its loader).
        validation_scores: Variant (or partition id) → scored validation pairs
            (or its loader).

    Returns:
        The comparison as a DataFrame (saved as CSV), as a Markdown table, and
        the overlaid ROC curves.

    Raises:
        ValueError: If no variant has been trained yet.
    """
    loaded = {_variant_of(k): v for k, v in _materialise(metrics).items()}
    if not loaded:
        raise ValueError("No trained variant found: run a train_* pipeline first")
    rows = []
    for variant in sorted(loaded):
        m = loaded[variant]
        row = {col: m.get(col) for col in COMPARISON_COLUMNS}
        row["variant"] = variant
        row["use_bias"] = m.get("train_params", {}).get("use_bias")
        row["label_mode"] = m.get("train_params", {}).get("label_mode")
        rows.append(row)
    table = pd.DataFrame(rows)
    scores = {_variant_of(k): v for k, v in _materialise(validation_scores).items()}
    curves = {}
    for variant in sorted(scores):
        auc = loaded.get(variant, {}).get("roc_auc")
        label = f"{variant} (AUC {auc:.4f})" if auc is not None else variant
        frame = scores[variant]
        curves[label] = (frame["label"].to_numpy(), frame["score"].to_numpy())
    figure = plot_roc(curves, "ROC curves of all trained variants (validation)")
    return table, _markdown(table), figure


def _markdown(table: pd.DataFrame) -> str:
    """Render the comparison as a GitHub Markdown table (no extra dependency)."""

    def fmt(column: str, value: Any) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "—"
        if column == "train_seconds":
            return f"{value:.1f}"
        if column == "pairs_per_second":
            return f"{value:,.0f}"
        if isinstance(value, float):
            return f"{value:.4f}"
        return str(value)

    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join("---" for _ in table.columns) + "|"
    body = [
        "| "
        + " | ".join(fmt(c, v) for c, v in zip(table.columns, row, strict=True))
        + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([header, rule, *body]) + "\n"
