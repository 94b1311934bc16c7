"""``recommend``: the served model's top-k similar products for every product.

Run it after any ``train_<variant>`` run::

    kedro run --pipelines recommend                              # mf_bias
    kedro run --pipelines recommend --params recommend.model=mf  # another variant

``recommend.model`` is one runtime parameter that sets both
``params:recommend.model`` and the folder of the ``served_model`` and
``served_training_history`` catalog entries (``data/06_models/<model>/``); the
latest saved version of the model is loaded. The node checks that the loaded
model was trained as that variant (see ``conf/base/parameters_recommend.yml``).
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from baseline_recsys.pipelines.recommend.nodes import (
    attach_product_metadata,
    find_similar_products,
)


def create_pipeline(**kwargs: object) -> Pipeline:
    """Create the ``recommend`` pipeline.

    Returns:
        served_model, served_training_history, product_index, train_pairs →
        similar_product_pairs (in memory) and recommend_report; then with
        products → similar_products.
    """
    return Pipeline(
        [
            Node(
                func=find_similar_products,
                inputs=[
                    "served_model",
                    "served_training_history",
                    "product_index",
                    "train_pairs",
                    "params:recommend",
                ],
                outputs=["similar_product_pairs", "recommend_report"],
                name="find_similar_products",
            ),
            Node(
                func=attach_product_metadata,
                inputs=["similar_product_pairs", "products"],
                outputs="similar_products",
                name="attach_product_metadata",
            ),
        ]
    )
