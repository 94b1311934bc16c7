"""``train_mf_bias``: ingest → relationships → split → train and evaluate ``mf_bias``."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from baseline_recsys.pipelines import create_train_variant_pipeline


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the pipeline (everything upstream included)."""
    return create_train_variant_pipeline("mf_bias")
