"""The ``split`` pipeline: a seeded random train / validation split."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from baseline_recsys.pipelines.split.nodes import split_product_pairs


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the ``split`` pipeline.

    Returns:
        product_pairs, product_index → train_pairs, validation_pairs, split_report.
    """
    return Pipeline(
        [
            Node(
                func=split_product_pairs,
                inputs=["product_pairs", "product_index", "params:split"],
                outputs=["train_pairs", "validation_pairs", "split_report"],
                name="split_product_pairs",
            )
        ]
    )
