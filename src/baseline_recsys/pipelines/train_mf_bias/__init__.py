"""The ``train_mf_bias`` pipeline."""

from baseline_recsys.pipelines.train_mf_bias.pipeline import create_pipeline

__all__ = ["create_pipeline"]
