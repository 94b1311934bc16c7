"""The ``split`` pipeline."""

from baseline_recsys.pipelines.split.pipeline import create_pipeline

__all__ = ["create_pipeline"]
