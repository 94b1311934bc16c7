"""Session-level tests: the real Kedro project, run on the embedded synthetic sample.

Each test works in a copy of ``conf/`` and the sample inside a temporary folder, so
the repository's own ``data/`` is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from baseline_recsys.synthetic import main as synthetic_main
from tests.conftest import SAMPLE, make_project_copy

#: Small overrides that keep a training run to a few seconds.
FAST_TRAIN = {
    "epochs": 3,
    "eval_every_steps": 5,
    "eval_sample_size": 2000,
    "embedding_dim": 32,
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throw-away copy of the project configuration and the sample data."""
    make_project_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEDRO_DISABLE_TELEMETRY", "1")
    return tmp_path


def test_embedded_sample_is_committed_and_synthetic():
    assert SAMPLE.is_file() and SAMPLE.stat().st_size < 2_000_000


def test_embedded_sample_is_what_the_documented_command_writes(tmp_path: Path):
    # README: python -m baseline_recsys.synthetic --products 12000 --pairs 40000
    #         --seed 42 --out data/01_raw/synthetic_sample.json.gz
    out = tmp_path / SAMPLE.name
    argv = ["--products", "12000", "--pairs", "40000", "--seed", "42"]
    assert synthetic_main([*argv, "--out", str(out), "--log-level", "WARNING"]) == 0
    assert out.read_bytes() == SAMPLE.read_bytes()


def test_data_pipelines_run_on_the_embedded_sample(project: Path):
    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        session.run(pipeline_names=["ingest", "relationships", "split"])
    report = json.loads((project / "data/08_reporting/ingest_report.json").read_text())
    assert report["rejected"] == 0 and report["products"] > 4000
    pairs = pd.read_parquet(project / "data/03_primary/product_pairs.parquet")
    assert 35_000 < len(pairs) < 45_000
    validation = pd.read_parquet(
        project / "data/05_model_input/validation_pairs.parquet"
    )
    assert validation.label.sum() == pytest.approx(len(pairs) / 3, abs=1)
    split = json.loads((project / "data/08_reporting/split_report.json").read_text())
    assert split["train_pairs"] + split["validation_positives"] == len(pairs)


def test_train_mf_bias_session_writes_model_metrics_and_plots(project: Path):
    bootstrap_project(project)
    runtime = {
        "mf_bias": {"train": FAST_TRAIN, "evaluate": {"ranking_sample_size": 300}}
    }
    with KedroSession.create(project_path=project, runtime_params=runtime) as session:
        session.run(pipeline_names=["train_mf_bias"])
    metrics = json.loads(
        (project / "data/08_reporting/mf_bias/metrics.json").read_text()
    )
    for key in (
        "roc_auc",
        "roc_auc_seen",
        "popularity_roc_auc",
        "recall_at_10",
        "ndcg_at_10",
        "train_seconds",
        "pairs_per_second",
    ):
        assert metrics[key] is not None, key
    assert metrics["roc_auc"] > 0.8  # planted structure is learnable
    assert metrics["train_params"]["epochs"] == 3
    for plot in ("precision_recall", "roc", "learning_curve", "lr_schedule"):
        assert list(
            (project / "data/08_reporting/mf_bias" / f"{plot}.png").rglob("*.png")
        ), plot
    assert list((project / "data/06_models/mf_bias/model.pt").rglob("*.pt"))


def test_raw_metadata_path_points_the_whole_run_elsewhere(project: Path):
    other = project / "elsewhere.json"
    other.write_text(
        "{'asin': 'A', 'related': {'also_bought': ['B', 'C']}}\n"
        "{'asin': 'B', 'related': {'also_bought': ['C', 'D']}}\n"
    )
    bootstrap_project(project)
    with KedroSession.create(
        project_path=project, runtime_params={"raw_metadata_path": str(other)}
    ) as session:
        session.run(pipeline_names=["ingest", "relationships"])
    pairs = pd.read_parquet(project / "data/03_primary/product_pairs.parquet")
    assert len(pairs) == 4


@pytest.mark.slow
def test_cli_run_with_deprecated_pipeline_flag(project: Path):
    kedro = Path(sys.executable).with_name("kedro")
    params = ",".join(f"mf.train.{k}={v}" for k, v in FAST_TRAIN.items())
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1"}
    done = subprocess.run(
        [str(kedro), "run", "--pipeline", "train_mf", "--params", params],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((project / "data/08_reporting/mf/metrics.json").read_text())
    assert (
        metrics["train_params"]["use_bias"] is False
        and metrics["train_params"]["epochs"] == 3
    )


def test_bad_parameters_stop_the_run_before_any_node(project: Path):
    from baseline_recsys.config import ParameterError

    bootstrap_project(project)
    runtime = {"mf_bias": {"train": {"lr": 0, "epoch": 3}}}
    with KedroSession.create(project_path=project, runtime_params=runtime) as session:
        with pytest.raises(
            ParameterError,
            match=r"mf_bias\.train\.lr=0.*mf_bias\.train\.epoch: unknown",
        ):
            session.run(pipeline_names=["train_mf_bias"])
    assert not (project / "data" / "02_intermediate" / "products.parquet").exists()
