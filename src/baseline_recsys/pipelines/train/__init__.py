"""The ``train`` pipeline: one modular train + evaluate pipeline per model variant."""

from baseline_recsys.pipelines.train.pipeline import (
    VARIANTS,
    create_pipeline,
    create_variant_pipeline,
)

__all__ = ["VARIANTS", "create_pipeline", "create_variant_pipeline"]
