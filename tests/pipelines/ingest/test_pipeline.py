"""Tests of the ``ingest`` pipeline: node, failure, and a SequentialRunner slice."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from baseline_recsys.config import ParameterError
from baseline_recsys.datasets import (
    AmazonMetadataDataset,
    ParquetTableDataset,
    StagedFile,
)
from baseline_recsys.ingest import TooManyRejectedLines
from baseline_recsys.pipelines.ingest.nodes import ingest_metadata
from baseline_recsys.pipelines.ingest.pipeline import create_pipeline
from tests.conftest import write_lines


@pytest.fixture
def params(tmp_path):
    return {"staging_dir": str(tmp_path / "staging"), "max_rejected_fraction": 0.01}


def test_ingest_metadata_streams_to_staged_files(tiny_dump, params):
    source = AmazonMetadataDataset(filepath=str(tiny_dump)).load()
    products, relationships, rejected, report = ingest_metadata(source, params)
    assert all(
        isinstance(x, StagedFile) and x.path.is_file()
        for x in (products, relationships, rejected)
    )
    assert report["products"] == 4
    assert report["relations"] == 8
    assert report["relations_by_kind"]["also_bought"] == 4
    assert report["rejected"] == 0


def test_ingest_metadata_fails_on_too_many_bad_lines(tmp_path, params):
    path = write_lines(tmp_path / "bad.json", ["{'asin': 'A'}", "oops"])
    source = AmazonMetadataDataset(filepath=str(path)).load()
    with pytest.raises(TooManyRejectedLines, match="bad.json"):
        ingest_metadata(source, params)


def test_ingest_metadata_rejects_a_misspelt_parameter(tiny_dump, params):
    source = AmazonMetadataDataset(filepath=str(tiny_dump)).load()
    with pytest.raises(ParameterError, match="ingest.max_reject_fraction"):
        ingest_metadata(source, {**params, "max_reject_fraction": 0.5})


def test_missing_raw_file_names_the_path(tmp_path):
    with pytest.raises(Exception, match="nowhere.json.gz"):
        AmazonMetadataDataset(filepath=str(tmp_path / "nowhere.json.gz")).load()


def test_pipeline_runs_with_sequential_runner(tiny_dump, tmp_path, params):
    catalog = DataCatalog(
        {
            "raw_metadata": AmazonMetadataDataset(filepath=str(tiny_dump)),
            "products": ParquetTableDataset(
                filepath=str(tmp_path / "out" / "products.parquet")
            ),
            "product_relationships": ParquetTableDataset(
                filepath=str(tmp_path / "out" / "relationships.parquet")
            ),
            "rejected_lines": ParquetTableDataset(
                filepath=str(tmp_path / "out" / "rejected.parquet")
            ),
            "ingest_report": MemoryDataset(),
        }
    )
    catalog["params:ingest"] = params
    outputs = SequentialRunner().run(create_pipeline(), catalog)
    assert "ingest_report" in outputs
    products = catalog.load("products")
    assert isinstance(products, pd.DataFrame) and list(products["asin"]) == [
        "A",
        "B",
        "C",
        "E",
    ]
    assert len(catalog.load("product_relationships")) == 8
    # staged files were moved, not copied; the next run tidies the empty folder
    assert not list((tmp_path / "staging").rglob("*.parquet"))
    SequentialRunner().run(create_pipeline(), catalog)
    assert len(list((tmp_path / "staging").iterdir())) == 1
