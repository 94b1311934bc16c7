"""The ``evaluate`` pipeline: compare whichever model variants have been trained.

Run on its own (``kedro run --pipelines evaluate``) it reads every variant's
metrics and validation scores found on disk (two ``PartitionedDataset`` entries).
Inside ``__default__`` the same node instead takes each variant's outputs as
explicit inputs, so Kedro runs it after all of them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from kedro.pipeline import Node, Pipeline

from baseline_recsys.pipelines.evaluate.nodes import compare_variants

OUTPUTS = ["model_comparison", "model_comparison_markdown", "roc_comparison_plot"]


def create_pipeline(**kwargs: object) -> Pipeline:
    """Compare every variant already trained (found on disk).

    Returns:
        trained_metrics, trained_validation_scores → comparison outputs.
    """
    return Pipeline(
        [
            Node(
                func=compare_variants,
                inputs=["trained_metrics", "trained_validation_scores"],
                outputs=OUTPUTS,
                name="compare_variants",
            )
        ]
    )


def _collect(**items: object) -> dict[str, object]:
    """Gather keyword inputs into one dict (variant → value)."""
    return items


def create_comparison_pipeline(variants: Iterable[str]) -> Pipeline:
    """Compare the given variants, taking their outputs as explicit inputs.

    Args:
        variants: Variant namespaces trained in the same run.

    Returns:
        A pipeline that runs after every variant's evaluation.
    """
    variants = list(variants)
    template = Pipeline(
        [
            Node(
                func=_collect,
                inputs={v: f"{v}_metrics" for v in variants},
                outputs="compared_metrics",
                name="collect_metrics",
            ),
            Node(
                func=_collect,
                inputs={v: f"{v}_validation_scores" for v in variants},
                outputs="compared_validation_scores",
                name="collect_validation_scores",
            ),
            Node(
                func=compare_variants,
                inputs=["compared_metrics", "compared_validation_scores"],
                outputs=OUTPUTS,
                name="compare_trained_variants",
            ),
        ]
    )
    # Map the plain input names onto the variants' namespaced outputs. Kedro warns
    # about any node reading a dotted name outside its own namespace; reading
    # other namespaces' outputs is exactly what a comparison has to do.
    mapping = {
        f"{v}_{kind}": f"{v}.{kind}"
        for v in variants
        for kind in ("metrics", "validation_scores")
    }
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="One or more dataset names contain '.'"
        )
        return Pipeline(template, inputs=mapping)
