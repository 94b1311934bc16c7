"""``JSONFileDataset``: a small JSON document (reports, metrics), written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from baseline_recsys.atomic import atomic_open


class JSONFileDataset(AbstractDataset[Any, Any]):
    """Local JSON file; saves go to a temporary file that is renamed into place."""

    def __init__(
        self, *, filepath: str, metadata: dict[str, Any] | None = None
    ) -> None:
        """Create the dataset.

        Args:
            filepath: Local path of the JSON file.
            metadata: Free-form metadata (ignored by Kedro).
        """
        self._filepath = Path(filepath)
        self.metadata = metadata

    def load(self) -> Any:
        """Read the document."""
        with self._filepath.open(encoding="utf-8") as handle:
            return json.load(handle)

    def save(self, data: Any) -> None:
        """Write the document atomically, pretty-printed, keys in insertion order."""
        text = json.dumps(data, indent=2, allow_nan=False, default=_to_builtin)
        with atomic_open(self._filepath, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}


def _to_builtin(value: Any) -> Any:
    """Turn numpy scalars and arrays into plain Python values for JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
