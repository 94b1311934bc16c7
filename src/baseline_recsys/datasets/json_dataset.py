"""``JSONFileDataset``: a small JSON document (reports, metrics), written atomically."""

from __future__ import annotations

import json
from typing import Any

from baseline_recsys.atomic import atomic_open
from baseline_recsys.datasets.files import LocalFileDataset


class JSONFileDataset(LocalFileDataset):
    """Local JSON file; saves go to a temporary file that is renamed into place."""

    def load(self) -> Any:
        """Read the document."""
        with self._filepath.open(encoding="utf-8") as handle:
            return json.load(handle)

    def save(self, data: Any) -> None:
        """Write the document atomically, pretty-printed, keys in insertion order."""
        text = json.dumps(data, indent=2, allow_nan=False, default=_to_builtin)
        with atomic_open(self._filepath, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")


def _to_builtin(value: Any) -> Any:
    """Turn numpy scalars and arrays into plain Python values for JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
