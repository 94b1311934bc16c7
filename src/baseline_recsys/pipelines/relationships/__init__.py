"""The ``relationships`` pipeline."""

from baseline_recsys.pipelines.relationships.pipeline import create_pipeline

__all__ = ["create_pipeline"]
