"""baseline-recsys: a strong item-item baseline recommender for Amazon metadata.

The library modules (``parsing``, ``ingest``, ``graph``, ``splitting``, ``model``,
``sampling``, ``training``, ``metrics``) know nothing of Kedro; the pipelines under
``baseline_recsys.pipelines`` are thin glue around them.
"""

__version__ = "0.1.0"
