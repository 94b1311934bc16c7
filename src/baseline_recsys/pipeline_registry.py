"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

from baseline_recsys.pipelines import create_default_pipeline


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Every package under ``baseline_recsys.pipelines`` is found by
    :func:`~kedro.framework.project.find_pipelines` (Kedro 1.7 imports only the
    ones a run asks for). ``__default__`` runs the data pipelines, trains and
    evaluates all four variants and writes their comparison.

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = create_default_pipeline()
    return pipelines
