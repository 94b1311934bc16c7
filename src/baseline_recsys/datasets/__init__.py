"""Custom Kedro datasets for baseline-recsys."""

from baseline_recsys.datasets.files import (
    AtomicMatplotlibDataset,
    CSVFileDataset,
    TextFileDataset,
)
from baseline_recsys.datasets.json_dataset import JSONFileDataset
from baseline_recsys.datasets.metadata_dataset import (
    AmazonMetadataDataset,
    MetadataSource,
)
from baseline_recsys.datasets.parquet_dataset import ParquetTableDataset, StagedFile
from baseline_recsys.datasets.torch_dataset import TorchStateDictDataset

__all__ = [
    "AtomicMatplotlibDataset",
    "CSVFileDataset",
    "AmazonMetadataDataset",
    "JSONFileDataset",
    "MetadataSource",
    "ParquetTableDataset",
    "StagedFile",
    "TextFileDataset",
    "TorchStateDictDataset",
]
