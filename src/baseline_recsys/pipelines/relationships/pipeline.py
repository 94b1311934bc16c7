"""The ``relationships`` pipeline: explode relations into weighted product pairs."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from baseline_recsys.pipelines.relationships.nodes import build_product_pairs


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the ``relationships`` pipeline.

    Returns:
        product_relationships → product_pairs, product_index.
    """
    return Pipeline(
        [
            Node(
                func=build_product_pairs,
                inputs=["product_relationships", "params:relationships"],
                outputs=["product_pairs", "product_index"],
                name="build_product_pairs",
            )
        ]
    )
