"""One modular train + evaluate pipeline, instantiated per variant with namespaces.

Each variant ``v`` reads the shared ``train_pairs``, ``validation_pairs`` and
``product_index`` and its own parameters ``params:v.train`` and
``params:v.evaluate`` (``conf/base/parameters_train.yml``), and writes
``v.model``, ``v.training_history``, ``v.metrics``, ``v.validation_scores`` and
four plots. To add a variant, add a parameters block and its name to
:data:`VARIANTS`.
"""

from __future__ import annotations

from functools import partial, update_wrapper

from kedro.pipeline import Node, Pipeline

from baseline_recsys.pipelines.train.nodes import evaluate_model, train_model

#: The model variants: bias on/off × binary/continuous labels.
VARIANTS: tuple[str, ...] = ("mf", "mf_bias", "mf_continuous", "mf_bias_continuous")

SHARED_INPUTS = {"train_pairs", "validation_pairs", "product_index"}


def create_variant_pipeline(variant: str) -> Pipeline:
    """Create the train + evaluate pipeline of one variant, in its namespace.

    Args:
        variant: Namespace and name of the variant (e.g. ``mf_bias``).

    Returns:
        The namespaced pipeline.
    """
    template = Pipeline(
        [
            Node(
                func=update_wrapper(partial(train_model, variant=variant), train_model),
                inputs=[
                    "train_pairs",
                    "validation_pairs",
                    "product_index",
                    "params:train",
                ],
                outputs=["model", "training_history"],
                name="train_model",
            ),
            Node(
                func=update_wrapper(
                    partial(evaluate_model, variant=variant), evaluate_model
                ),
                inputs=[
                    "model",
                    "train_pairs",
                    "validation_pairs",
                    "training_history",
                    "params:evaluate",
                ],
                outputs=[
                    "metrics",
                    "validation_scores",
                    "precision_recall_plot",
                    "roc_plot",
                    "learning_curve_plot",
                    "lr_schedule_plot",
                ],
                name="evaluate_model",
            ),
        ]
    )
    return Pipeline(
        template,
        namespace=variant,
        inputs=SHARED_INPUTS,
        prefix_datasets_with_namespace=True,
    )


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the ``train`` pipeline: every variant, without the data pipelines.

    Returns:
        All variants' train + evaluate pipelines.
    """
    return sum((create_variant_pipeline(v) for v in VARIANTS), Pipeline([]))
