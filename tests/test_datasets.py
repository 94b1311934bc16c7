"""Tests of the custom datasets: round trips, staged files, atomic writes."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from kedro.io import DatasetError, Version
from matplotlib.figure import Figure

from baseline_recsys.atomic import atomic_path
from baseline_recsys.datasets import (
    AtomicMatplotlibDataset,
    CSVFileDataset,
    JSONFileDataset,
    ParquetTableDataset,
    StagedFile,
    TextFileDataset,
    TorchStateDictDataset,
)
from baseline_recsys.model import MatrixFactorization


def _leftovers(folder) -> list:
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_parquet_round_trip_staged_and_wrong_type(tmp_path):
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", None]})
    ds = ParquetTableDataset(filepath=str(tmp_path / "t.parquet"))
    ds.save(frame)
    loaded = ds.load()
    assert (
        loaded["a"].tolist() == [1, 2]
        and loaded["b"].iloc[0] == "x"
        and pd.isna(loaded["b"].iloc[1])
    )
    staged = tmp_path / "staging" / "s.parquet"
    staged.parent.mkdir()
    ParquetTableDataset(filepath=str(staged)).save(frame.iloc[:1])
    ds.save(StagedFile(staged))
    assert len(ds.load()) == 1 and not staged.exists()
    with pytest.raises(DatasetError, match="expected a DataFrame"):
        ds.save([1, 2, 3])
    assert not _leftovers(tmp_path)


def test_json_text_and_csv_round_trips(tmp_path):
    JSONFileDataset(filepath=str(tmp_path / "m.json")).save({"auc": 0.5, "n": [1, 2]})
    assert JSONFileDataset(filepath=str(tmp_path / "m.json")).load() == {
        "auc": 0.5,
        "n": [1, 2],
    }
    with pytest.raises(DatasetError, match="not JSON compliant"):
        JSONFileDataset(filepath=str(tmp_path / "nan.json")).save({"auc": float("nan")})
    assert not (tmp_path / "nan.json").exists()
    TextFileDataset(filepath=str(tmp_path / "t.md")).save("| a |\n")
    assert TextFileDataset(filepath=str(tmp_path / "t.md")).load() == "| a |\n"
    CSVFileDataset(filepath=str(tmp_path / "c.csv")).save(
        pd.DataFrame({"v": ["mf"], "auc": [0.9]})
    )
    assert CSVFileDataset(filepath=str(tmp_path / "c.csv")).load().to_dict("list") == {
        "v": ["mf"],
        "auc": [0.9],
    }
    assert not _leftovers(tmp_path)


def test_torch_state_dict_is_versioned_and_loaded_safely(tmp_path):
    model = MatrixFactorization(5, 3)
    ds = TorchStateDictDataset(
        filepath=str(tmp_path / "model.pt"), version=Version(None, None)
    )
    ds.save(model)
    state = TorchStateDictDataset(
        filepath=str(tmp_path / "model.pt"), version=Version(None, None)
    ).load()
    assert torch.equal(state["embeddings.weight"], model.embeddings.weight)
    with pytest.raises(DatasetError, match="expected a torch module"):
        TorchStateDictDataset(filepath=str(tmp_path / "other.pt")).save([1])


def test_atomic_matplotlib_dataset_versions_and_leaves_no_temp_files(tmp_path):
    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    ds = AtomicMatplotlibDataset(
        filepath=str(tmp_path / "roc.png"), version=Version(None, None)
    )
    ds.save(fig)
    pngs = list((tmp_path / "roc.png").rglob("roc.png"))
    assert len(pngs) == 1 and pngs[0].read_bytes()[:4] == b"\x89PNG"
    assert not _leftovers(tmp_path)


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old" and not _leftovers(tmp_path)
