"""``AmazonMetadataDataset``: McAuley's Amazon metadata dumps, read lazily.

``load()`` does not read the file: it returns a :class:`MetadataSource`, a handle
that streams the file line by line (plain or gzip, detected by magic bytes) when
iterated or ingested. The whole file is never held in memory, so a dump of tens of
GB loads as cheaply as a sample.

Example catalog entry::

    raw_metadata:
      type: baseline_recsys.datasets.AmazonMetadataDataset
      filepath: ${runtime_params:raw_metadata_path, data/01_raw/sample.json.gz}
      python_parser: baseline_recsys.literal.parse_python_literal  # optional
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from baseline_recsys.ingest import IngestReport, ingest_file, iter_lines
from baseline_recsys.parsing import (
    LineParser,
    ProductRecord,
    RejectedLine,
    default_python_parser,
    parse_raw_line,
)


def _import_callable(dotted: str) -> LineParser:
    module_name, _, attr = dotted.rpartition(".")
    try:
        func = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise DatasetError(
            f"python_parser {dotted!r} cannot be imported: {exc}"
        ) from exc
    if not callable(func):
        raise DatasetError(f"python_parser {dotted!r} is not callable")
    return func


@dataclass(frozen=True)
class MetadataSource:
    """A lazily read metadata dump.

    Attributes:
        path: The file (plain or gzip).
        python_parser: Safe parser used for Python-literal lines.
        max_line_bytes: Lines longer than this are rejected unread.
    """

    path: Path
    python_parser: LineParser
    max_line_bytes: int = 16 * 1024 * 1024

    def __iter__(self) -> Iterator[ProductRecord]:
        """Yield each well-formed product in file order, skipping bad lines."""
        for _, raw, _ in iter_lines(self.path, max_line_bytes=self.max_line_bytes):
            if not raw or not raw.strip():
                continue
            try:
                yield parse_raw_line(raw, self.python_parser)
            except RejectedLine:
                continue

    def ingest(
        self,
        *,
        products_path: str | os.PathLike[str],
        relationships_path: str | os.PathLike[str],
        rejected_path: str | os.PathLike[str],
        **options: Any,
    ) -> IngestReport:
        """Stream the file into Parquet (see :func:`baseline_recsys.ingest.ingest_file`).

        Args:
            products_path: Where to write the products table.
            relationships_path: Where to write the directed relations.
            rejected_path: Where to write the rejected lines.
            **options: Further keyword arguments for ``ingest_file``.

        Returns:
            The ingest report.
        """
        return ingest_file(
            self.path,
            products_path=products_path,
            relationships_path=relationships_path,
            rejected_path=rejected_path,
            python_parser=self.python_parser,
            max_line_bytes=self.max_line_bytes,
            **options,
        )


class AmazonMetadataDataset(AbstractDataset[None, MetadataSource]):
    """Read-only dataset for McAuley's Amazon metadata dumps (2014 and 2018).

    Auto-detects, line by line, the 2014 Python-literal format, 2014 strict JSON
    and 2018 strict JSON. Nothing found in the data is ever executed.
    """

    def __init__(
        self,
        *,
        filepath: str,
        python_parser: str | None = None,
        max_line_bytes: int = 16 * 1024 * 1024,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Create the dataset.

        Args:
            filepath: Path of the dump, plain or gzip.
            python_parser: Dotted path of a ``str -> object`` safe literal parser;
                defaults to :func:`baseline_recsys.literal.parse_python_literal`.
            max_line_bytes: Longest line accepted, in bytes.
            metadata: Free-form metadata (ignored by Kedro).
        """
        self._filepath = Path(filepath)
        self._python_parser_name = python_parser
        self._max_line_bytes = int(max_line_bytes)
        self.metadata = metadata

    def load(self) -> MetadataSource:
        """Return a lazy handle on the file (nothing is read yet).

        Raises:
            DatasetError: If the file does not exist.
        """
        if not self._filepath.is_file():
            raise DatasetError(
                f"Raw metadata file not found: {self._filepath}. Pass another with "
                "--params raw_metadata_path=PATH or make the synthetic sample with "
                "`python -m baseline_recsys.synthetic`."
            )
        parser = (
            _import_callable(self._python_parser_name)
            if self._python_parser_name
            else default_python_parser()
        )
        return MetadataSource(self._filepath, parser, self._max_line_bytes)

    def save(self, data: None) -> None:
        """Raw dumps are read-only.

        Raises:
            DatasetError: Always.
        """
        raise DatasetError("AmazonMetadataDataset is read-only")

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "python_parser": self._python_parser_name or "default",
            "max_line_bytes": self._max_line_bytes,
        }
