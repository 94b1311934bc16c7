"""The ``train_mf_bias_continuous`` pipeline."""

from baseline_recsys.pipelines.train_mf_bias_continuous.pipeline import create_pipeline

__all__ = ["create_pipeline"]
