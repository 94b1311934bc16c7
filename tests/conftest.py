"""Shared fixtures: the real-data folder, tiny metadata files and helpers."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


#: The embedded synthetic sample, committed with the project.
SAMPLE = REPO_ROOT / "data" / "01_raw" / "synthetic_sample.json.gz"


def make_project_copy(root: Path, *, with_sample: bool = True) -> Path:
    """Lay out a throw-away Kedro project in ``root``: conf, pyproject, the sample.

    The package itself is installed, so ``src/`` only has to exist.

    Args:
        root: An empty folder.
        with_sample: Also copy the synthetic sample into ``data/01_raw``.

    Returns:
        ``root``.
    """
    shutil.copytree(REPO_ROOT / "conf", root / "conf")
    shutil.copy(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "src").mkdir()
    if with_sample:
        (root / "data" / "01_raw").mkdir(parents=True)
        shutil.copy(SAMPLE, root / "data" / "01_raw" / SAMPLE.name)
    return root


def shared_data_dir() -> Path:
    """``../shared/data`` next to the repository (``BASELINE_RECSYS_DATA_DIR`` overrides)."""
    override = os.environ.get("BASELINE_RECSYS_DATA_DIR")
    return (
        Path(override) if override else (REPO_ROOT / ".." / "shared" / "data").resolve()
    )


def real_file(name: str) -> Path:
    """Path of a real McAuley file, or skip the test when it is absent."""
    path = shared_data_dir() / name
    if not path.is_file():
        pytest.skip(f"real data file {name} not found in {path.parent}")
    return path


def write_lines(
    path: Path, lines: list[str | bytes], *, compress: bool | None = None
) -> Path:
    """Write lines (str or raw bytes) to a plain or gzip file, newline-terminated."""
    data = b"".join(
        (ln if isinstance(ln, bytes) else ln.encode("utf-8")) + b"\n" for ln in lines
    )
    if compress is None:
        compress = path.suffix == ".gz"
    if compress:
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
    return path


#: A tiny 2014-format dump with known answers (Python dict literals).
TINY_2014 = [
    "{'asin': 'A', 'title': 'Alpha', 'price': 3.5, 'brand': 'Acme', "
    "'salesRank': {'Beauty': 10}, 'categories': [['Beauty', 'Hair']], "
    "'related': {'also_bought': ['B', 'C'], 'also_viewed': ['D'], 'bought_together': ['B']}}",
    "{'asin': 'B', 'title': \"Bob's\", 'related': {'also_bought': ['A', 'C']}, "
    "'categories': [['Beauty']]}",
    "{'asin': 'C', 'related': {'buy_after_viewing': ['A'], 'also_viewed': ['C']}}",
    "{'asin': 'E'}",
]


@pytest.fixture
def tiny_dump(tmp_path: Path) -> Path:
    """The tiny 2014 dump, gzip-compressed."""
    return write_lines(tmp_path / "tiny.json.gz", TINY_2014)


@pytest.fixture
def weights() -> dict[str, float]:
    """The default relationship weights."""
    return {
        "bought_together": 1.2,
        "also_bought": 1.0,
        "also_viewed": 0.5,
        "buy_after_viewing": 0.0,
    }
