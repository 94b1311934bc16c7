"""Kedro pipelines: one package each, registered by ``find_pipelines``.

``ingest`` → ``relationships`` → ``split`` prepare the data; ``train`` holds the
modular train + evaluate pipeline instantiated per variant; ``train_<variant>``
packages compose the data pipelines with one variant, so that
``kedro run --pipeline train_mf_bias`` works from a fresh clone; ``evaluate``
compares whatever has been trained.
"""

from __future__ import annotations

from kedro.pipeline import Pipeline


def create_data_pipeline() -> Pipeline:
    """Return ``ingest + relationships + split``: raw dump → train / validation pairs."""
    from baseline_recsys.pipelines import ingest, relationships, split

    return (
        ingest.create_pipeline()
        + relationships.create_pipeline()
        + split.create_pipeline()
    )


def create_train_variant_pipeline(variant: str) -> Pipeline:
    """Return the data pipelines plus one variant's train + evaluate pipeline.

    Args:
        variant: A name from :data:`baseline_recsys.pipelines.train.VARIANTS`.
    """
    from baseline_recsys.pipelines.train import create_variant_pipeline

    return create_data_pipeline() + create_variant_pipeline(variant)


def create_default_pipeline() -> Pipeline:
    """Return everything: data, all four variants, and their comparison."""
    from baseline_recsys.pipelines.evaluate import create_comparison_pipeline
    from baseline_recsys.pipelines.train import VARIANTS, create_pipeline

    return (
        create_data_pipeline()
        + create_pipeline()
        + create_comparison_pipeline(VARIANTS)
    )
