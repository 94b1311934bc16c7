"""The ``evaluate`` pipeline: compare the trained model variants."""

from baseline_recsys.pipelines.evaluate.pipeline import (
    create_comparison_pipeline,
    create_pipeline,
)

__all__ = ["create_comparison_pipeline", "create_pipeline"]
