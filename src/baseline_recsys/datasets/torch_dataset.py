"""``TorchStateDictDataset``: a model's ``state_dict``, versioned, loaded safely.

Saves ``model.state_dict()`` (or a state dict) with :func:`torch.save` to a
temporary file that is renamed into place, and loads it with
``torch.load(..., weights_only=True)``, which never unpickles arbitrary objects.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import torch
from kedro.io import AbstractVersionedDataset, DatasetError

from baseline_recsys.atomic import atomic_path


class TorchStateDictDataset(AbstractVersionedDataset[Any, dict[str, torch.Tensor]]):
    """A PyTorch ``state_dict`` on local disk, optionally versioned."""

    def __init__(
        self,
        *,
        filepath: str,
        version: Any = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Create the dataset.

        Args:
            filepath: Local path of the ``.pt`` file.
            version: Kedro ``Version`` (set by ``versioned: true``).
            metadata: Free-form metadata (ignored by Kedro).
        """
        super().__init__(filepath=PurePosixPath(filepath), version=version)
        self.metadata = metadata

    def load(self) -> dict[str, torch.Tensor]:
        """Load the state dict with ``weights_only=True``."""
        return torch.load(
            Path(str(self._get_load_path())), weights_only=True, map_location="cpu"
        )

    def save(self, data: Any) -> None:
        """Save a module's ``state_dict`` (or a state dict) atomically.

        Raises:
            DatasetError: If ``data`` is neither a module nor a dict of tensors.
        """
        state = data.state_dict() if isinstance(data, torch.nn.Module) else data
        if not isinstance(state, dict):
            raise DatasetError(
                f"expected a torch module or state dict, got {type(data).__name__}"
            )
        with atomic_path(Path(str(self._get_save_path()))) as tmp:
            torch.save(state, tmp)

    def _exists(self) -> bool:
        try:
            path = self._get_load_path()
        except DatasetError:
            return False
        return Path(str(path)).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}
