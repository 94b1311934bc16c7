"""Project hooks: validate every parameter a run uses before any node starts."""

from __future__ import annotations

import logging
from typing import Any

from kedro.framework.hooks import hook_impl
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline

from baseline_recsys.config import schema_for

logger = logging.getLogger(__name__)


class ParameterValidationHooks:
    """Check the run's parameters against :mod:`baseline_recsys.config` up front.

    Without this a misspelt ``mf_bias.train`` key would only fail once ingest,
    relationships and split had already run; with it, a bad value stops the run
    before any heavy work, with the key and the value in the message.
    """

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: DataCatalog
    ) -> None:
        """Validate each ``params:<key>`` input of the pipeline's nodes.

        Raises:
            ParameterError: For the first invalid parameters block.
        """
        names = sorted(
            {
                i
                for node in pipeline.nodes
                for i in node.inputs
                if i.startswith("params:")
            }
        )
        checked = 0
        for name in names:
            key = name.removeprefix("params:")
            schema = schema_for(key)
            if schema is not None:
                schema.parse(catalog.load(name), prefix=key)
                checked += 1
        logger.info("Validated %d parameter blocks before the run", checked)
