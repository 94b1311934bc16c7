"""The benchmark harness (benchmarks/run.py): medians, tables, a tiny end-to-end run."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.graph_stats import graph_stats


def _run(walls: list[float], rss: float, auc: float, train_s: float) -> dict:
    return {
        "stages": {
            stage: {"wall_s": wall, "peak_rss_gb": rss}
            for stage, wall in zip(run.STAGES, walls, strict=True)
        },
        "train_seconds": train_s,
        "seconds_per_epoch": train_s / 5,
        "positive_pairs_per_second": 1000 / train_s,
        "epochs": 5,
        "metrics": {"roc_auc": auc, "recall_at_10": None},
    }


def test_summarise_reports_medians_and_the_largest_rss() -> None:
    runs = [
        _run([1, 2, 3, 4, 5], 1.0, 0.90, 10.0),
        _run([3, 2, 1, 8, 5], 3.0, 0.95, 30.0),
        _run([2, 2, 2, 6, 5], 2.0, 0.80, 20.0),
    ]
    summary = run.summarise(runs)
    assert summary["stages"]["ingest"]["wall_s"] == 2
    assert summary["stages"]["ingest"]["wall_s_runs"] == [1, 3, 2]
    assert summary["stages"]["train"]["wall_s"] == 6
    assert summary["stages"]["train"]["peak_rss_gb"] == 3.0
    assert summary["pipeline_wall_s"] == 17  # median of 15, 19, 17
    assert summary["pipeline_peak_rss_gb"] == 3.0
    assert summary["training"]["train_seconds"] == 20.0
    assert summary["training"]["seconds_per_epoch"] == 4.0
    assert summary["metrics"]["roc_auc"] == 0.90
    assert summary["metrics"]["recall_at_10"] is None  # never measured: not 0


def test_parser_throughput_skips_strict_json(tmp_path: Path) -> None:
    path = tmp_path / "meta.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write('{"asin": "A1", "related": {"also_bought": ["B2"]}}\n')
    assert run.parser_throughput(path) is None


def test_parser_throughput_compares_with_literal_eval(tmp_path: Path) -> None:
    path = tmp_path / "meta.json"
    path.write_text(
        "".join(
            f"{{'asin': 'A{i}', 'related': {{'also_bought': ['B{i}']}}, 'price': 1.5}}\n"
            for i in range(200)
        )
    )
    out = run.parser_throughput(path)
    assert out is not None
    assert out["sample_lines"] == 200
    for name in ("parse_python_literal", "ast.literal_eval"):
        assert out[name]["mb_per_s"] > 0 and out[name]["lines_per_s"] > 0
    assert out["speedup"] > 0


def test_count_input_counts_uncompressed_bytes_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "x.json.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(b"abc\n" * 1000)
    counted = run.count_input(path)
    assert counted["lines"] == 1000
    assert counted["uncompressed_mb"] == pytest.approx(0.004, abs=1e-3)


def test_bench_size_runs_every_stage_and_writes_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The whole harness on a tiny generated graph: five `kedro run`s, real metrics.
    monkeypatch.setattr(run, "RESULTS_DIR", tmp_path / "results")
    size = run.Size(
        "tiny", "SYNTHETIC tiny", runs=1, peers=False, products=2000, pairs=8000, seed=3
    )
    result = run.bench_size(
        size, 1, [], "mf_bias.train.epochs=2", work_root=tmp_path / "work"
    )
    assert result is not None
    written = json.loads((tmp_path / "results" / "tiny.json").read_text())
    assert written["size"] == "tiny"
    assert list(written["stages"]) == list(run.STAGES)
    for values in written["stages"].values():
        assert values["wall_s"] > 0
        assert 0 < values["peak_rss_gb"] < 16
    assert written["training"]["epochs"] == 2
    assert written["training"]["positive_pairs_per_second"] > 0
    assert 0.5 < written["metrics"]["roc_auc"] <= 1.0
    assert written["input"]["lines"] > 0
    assert written["ingest_throughput"]["parser"]["speedup"] > 1
    assert written["machine"]["cores"] >= 1
    assert written["versions"]["torch"].startswith("2.13.0")
    assert "hogwild_threads=0" in written["train_overrides"]
    assert "| **mf_bias** (2 epochs) |" in run.table(written)
    # the generator's own probabilities, scored like a model: above chance, and
    # far above what a two-epoch model of 2,000 products learns
    oracle = written["oracle"]
    assert 0.8 < oracle["roc_auc"] <= 1.0
    assert oracle["roc_auc"] > written["metrics"]["roc_auc"]
    assert "| oracle (the generator's own probabilities) |" in run.table(written)
    stats = graph_stats(tmp_path / "work" / "tiny" / "project")
    assert stats["pairs"] == 8000
    assert 0.0 < stats["common_neighbour_share"] <= 1.0
    assert stats["common_neighbour_share"] > stats["common_neighbour_share_negatives"]
    assert 0.0 < stats["transitivity"] < 1.0
    assert 0.5 < stats["popularity_auc"] < 1.0


def test_missing_real_file_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("BASELINE_RECSYS_DATA_DIR", str(tmp_path))
    size = run.Size("absent", "real", runs=1, peers=False, real_file="nope.json.gz")
    assert run.bench_size(size, 1, [], "", tmp_path / "work") is None
    assert "nope.json.gz not found" in capsys.readouterr().out


def test_stage_reports_its_own_peak_not_its_parents(tmp_path: Path) -> None:
    # a parent holding 600 MB must not make its child's peak look that large
    import subprocess
    import sys

    import numpy as np

    ballast = np.ones(600_000_000 // 8)  # touched: resident in this process
    peak_file = tmp_path / "x.peak"
    subprocess.run(
        [
            sys.executable,
            str(run.REPO_ROOT / "benchmarks" / "stage.py"),
            str(peak_file),
            "--version",
        ],
        check=True,
        capture_output=True,
    )
    peak = int(peak_file.read_text())
    assert 10_000_000 < peak < 500_000_000, peak
    assert ballast.sum() > 0
