"""Nodes of the ``ingest`` pipeline: raw dump → products, relationships, rejects."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from baseline_recsys.config import IngestParams
from baseline_recsys.datasets import MetadataSource, StagedFile

logger = logging.getLogger(__name__)


def ingest_metadata(
    raw_metadata: MetadataSource, params: dict[str, Any]
) -> tuple[StagedFile, StagedFile, StagedFile, dict[str, Any]]:
    """Stream a metadata dump into Parquet in bounded memory.

    The three tables are streamed to a staging folder and handed to the catalog
    as :class:`~baseline_recsys.datasets.StagedFile` objects, which
    ``ParquetTableDataset`` moves into place atomically.

    Args:
        raw_metadata: The lazily read dump.
        params: ``params:ingest`` (see :class:`~baseline_recsys.config.IngestParams`).

    Returns:
        products, product_relationships, rejected_lines and the ingest report.
    """
    cfg = IngestParams.parse(params, prefix="ingest")
    staging = Path(cfg.staging_dir)
    staging.mkdir(parents=True, exist_ok=True)
    for old in staging.glob(
        "ingest-*"
    ):  # folders of earlier runs, emptied by the catalog
        if old.is_dir() and not any(old.iterdir()):
            old.rmdir()
    folder = Path(tempfile.mkdtemp(prefix="ingest-", dir=staging))
    paths = {
        name: folder / f"{name}.parquet"
        for name in ("products", "relationships", "rejected")
    }
    report = raw_metadata.ingest(
        products_path=paths["products"],
        relationships_path=paths["relationships"],
        rejected_path=paths["rejected"],
        chunk_lines=cfg.chunk_lines,
        max_rejected_fraction=cfg.max_rejected_fraction,
        progress_every_lines=cfg.progress_every_lines,
    )
    return (
        StagedFile(paths["products"]),
        StagedFile(paths["relationships"]),
        StagedFile(paths["rejected"]),
        report.to_dict(),
    )
