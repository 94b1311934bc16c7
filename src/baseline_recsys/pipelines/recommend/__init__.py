"""The ``recommend`` pipeline: top-k similar products from a trained model."""

from baseline_recsys.pipelines.recommend.pipeline import create_pipeline

__all__ = ["create_pipeline"]
