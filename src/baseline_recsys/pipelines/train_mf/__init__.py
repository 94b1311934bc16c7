"""The ``train_mf`` pipeline."""

from baseline_recsys.pipelines.train_mf.pipeline import create_pipeline

__all__ = ["create_pipeline"]
