"""The ``ingest`` pipeline: stream the raw dump into Parquet tables."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from baseline_recsys.pipelines.ingest.nodes import ingest_metadata


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the ``ingest`` pipeline.

    Returns:
        raw_metadata → products, product_relationships, rejected_lines,
        ingest_report.
    """
    return Pipeline(
        [
            Node(
                func=ingest_metadata,
                inputs=["raw_metadata", "params:ingest"],
                outputs=[
                    "products",
                    "product_relationships",
                    "rejected_lines",
                    "ingest_report",
                ],
                name="ingest_metadata",
            )
        ]
    )
