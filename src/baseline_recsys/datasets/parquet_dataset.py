"""``ParquetTableDataset``: Parquet tables written atomically, staged or in memory.

``save`` accepts either an in-memory table (pandas or pyarrow), written to a
temporary file beside the target and renamed into place, or a :class:`StagedFile`:
a complete Parquet file a node already streamed to disk in bounded memory, which is
moved into place. Either way a killed run never leaves a truncated file under the
final name.

``load`` returns a pandas DataFrame (pyarrow-backed strings), or a
:class:`pyarrow.Table` with ``load_args: {as_arrow: true}``; ``columns`` selects
columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from kedro.io import AbstractDataset, DatasetError

from baseline_recsys.atomic import atomic_path, move_into_place


@dataclass(frozen=True)
class StagedFile:
    """A finished Parquet file waiting to be moved to its catalog location.

    Attributes:
        path: The staged file; it is moved (not copied) on save.
    """

    path: Path


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """Convert to pandas, keeping integer columns with nulls as nullable ``Int64``.

    pyarrow's default turns an integer column with nulls into float64, which would
    make ``sales_rank`` a float.

    Args:
        table: The table.

    Returns:
        The DataFrame.
    """
    frame = table.to_pandas()
    for field in table.schema:
        if pa.types.is_integer(field.type) and table.column(field.name).null_count:
            frame[field.name] = (
                table.column(field.name)
                .to_pandas(types_mapper=pd.ArrowDtype)
                .astype("Int64")
            )
    return frame


class ParquetTableDataset(AbstractDataset[pd.DataFrame | pa.Table | StagedFile, Any]):
    """Local Parquet file with atomic saves and optional staged (streamed) input."""

    def __init__(
        self,
        *,
        filepath: str,
        load_args: dict[str, Any] | None = None,
        save_args: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Create the dataset.

        Args:
            filepath: Local path of the Parquet file.
            load_args: ``columns`` (list of names) and ``as_arrow`` (bool).
            save_args: Passed to :func:`pyarrow.parquet.write_table`
                (e.g. ``compression``, ``row_group_size``).
            metadata: Free-form metadata (ignored by Kedro).
        """
        self._filepath = Path(filepath)
        self._load_args = dict(load_args or {})
        self._save_args = {"compression": "zstd", **(save_args or {})}
        unknown = set(self._load_args) - {"columns", "as_arrow"}
        if unknown:
            raise DatasetError(f"{filepath}: unknown load_args {sorted(unknown)}")
        self.metadata = metadata

    def load(self) -> pd.DataFrame | pa.Table:
        """Read the table.

        Returns:
            A DataFrame, or a pyarrow Table when ``as_arrow`` is set.
        """
        table = pq.read_table(self._filepath, columns=self._load_args.get("columns"))
        if self._load_args.get("as_arrow"):
            return table
        return arrow_to_pandas(table)

    def save(self, data: pd.DataFrame | pa.Table | StagedFile) -> None:
        """Write ``data`` atomically.

        Args:
            data: A DataFrame, a pyarrow Table, or a :class:`StagedFile`.

        Raises:
            DatasetError: For any other type.
        """
        if isinstance(data, StagedFile):
            move_into_place(data.path, self._filepath)
            return
        if isinstance(data, pd.DataFrame):
            data = pa.Table.from_pandas(data, preserve_index=False)
        if not isinstance(data, pa.Table):
            raise DatasetError(
                f"{self._filepath}: expected a DataFrame, pyarrow Table or StagedFile, "
                f"got {type(data).__name__}"
            )
        with atomic_path(self._filepath) as tmp:
            pq.write_table(data, tmp, **self._save_args)

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "load_args": self._load_args,
            "save_args": self._save_args,
        }
