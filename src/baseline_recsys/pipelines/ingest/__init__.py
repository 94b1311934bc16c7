"""The ``ingest`` pipeline."""

from baseline_recsys.pipelines.ingest.pipeline import create_pipeline

__all__ = ["create_pipeline"]
