"""Small local outputs written atomically: text, CSV tables and PNG figures.

Each save goes to a temporary file beside the target, renamed into place, so a
killed run never leaves a half-written report or plot under its real name.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset
from kedro_datasets.matplotlib import MatplotlibDataset
from matplotlib.figure import Figure

from baseline_recsys.atomic import atomic_open, atomic_path


class LocalFileDataset(AbstractDataset[Any, Any]):
    """Base of the small single-file datasets: a local path, exists and describe."""

    def __init__(
        self, *, filepath: str, metadata: dict[str, Any] | None = None
    ) -> None:
        """Create the dataset.

        Args:
            filepath: Local path of the file.
            metadata: Free-form metadata (ignored by Kedro).
        """
        self._filepath = Path(filepath)
        self.metadata = metadata

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}


class TextFileDataset(LocalFileDataset):
    """A UTF-8 text file (e.g. a Markdown report)."""

    def load(self) -> str:
        """Read the text."""
        return self._filepath.read_text(encoding="utf-8")

    def save(self, data: str) -> None:
        """Write the text atomically."""
        with atomic_open(self._filepath, "w", encoding="utf-8") as handle:
            handle.write(data)


class CSVFileDataset(LocalFileDataset):
    """A small table as CSV (no index column)."""

    def load(self) -> pd.DataFrame:
        """Read the table."""
        return pd.read_csv(self._filepath)

    def save(self, data: pd.DataFrame) -> None:
        """Write the table atomically."""
        with atomic_path(self._filepath) as tmp:
            data.to_csv(tmp, index=False)


class AtomicMatplotlibDataset(MatplotlibDataset):
    """kedro-datasets' ``MatplotlibDataset`` (versioning included), saving atomically.

    The figure is rendered to memory first, then written to a temporary file that
    is renamed onto the (versioned) target; other filesystems keep the parent's
    behaviour.
    """

    def _save_to_fs(self, full_key_path: str, plot: Figure) -> None:
        if self._protocol != "file":
            super()._save_to_fs(full_key_path, plot)
            return
        buffer = io.BytesIO()
        plot.savefig(buffer, **self._save_args)
        with atomic_open(full_key_path, "wb") as handle:
            handle.write(buffer.getvalue())
