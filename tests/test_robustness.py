"""Robustness tests: a real SIGKILL mid-training, resume, determinism, bad data.

* A training subprocess is killed with SIGKILL after its first checkpoint and
  restarted; the resumed run must reach exactly the model of an uninterrupted run.
* ``resume: false`` (and an unusable checkpoint) starts afresh.
* Two Kedro runs of ``train_mf_bias`` in separate project copies give identical
  data and metrics (wall-clock numbers aside).
* Degenerate graphs fail early with a clear ``ValueError`` or behave as
  documented, never with NaN metrics or a crash deep inside torch.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from baseline_recsys.config import TrainParams
from baseline_recsys.evaluation import evaluate
from baseline_recsys.graph import build_product_graph
from baseline_recsys.ingest import ingest_file
from baseline_recsys.literal import parse_python_literal
from baseline_recsys.model import MatrixFactorization
from baseline_recsys.splitting import sample_negative_pairs, split_pairs
from baseline_recsys.training import PairData, fit
from tests.conftest import make_project_copy, write_lines

# ---------------------------------------------------------------- kill and resume

#: Epochs of the subprocess run; the kill must land before the last one ends.
KILL_EPOCHS = 4
#: Embedding size that makes one fused epoch over 60k pairs take about a second.
KILL_DIM = 256

TRAIN_SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import numpy as np
    import torch

    from baseline_recsys.config import TrainParams
    from baseline_recsys.training import PairData, fit

    out = Path(sys.argv[1])
    resume = sys.argv[2] == "1"
    epochs, dim = int(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(1234)
    n_products, n_pairs = 5_000, 60_000
    p1 = rng.integers(0, n_products, n_pairs)
    p2 = (p1 + rng.integers(1, n_products, n_pairs)) % n_products  # no self-pairs
    train = PairData(
        p1=torch.from_numpy(p1),
        p2=torch.from_numpy(p2),
        weight=torch.ones(n_pairs),
    )
    cfg = TrainParams(
        epochs=epochs,
        embedding_dim=dim,
        engine="fused",
        eval_every_steps=5,
        num_threads=1,
        checkpoint_dir=None,
        resume=resume,
    )
    result = fit(
        train, n_products, cfg, checkpoint_path=out / "ckpt.pt", progress=False
    )
    print(f"resumed_from_epoch={result.resumed_from_epoch}", flush=True)
    torch.save(result.model.state_dict(), out / "model.pt")
    """
)


def _script(tmp_path: Path) -> Path:
    path = tmp_path / "train_script.py"
    path.write_text(TRAIN_SCRIPT)
    return path


def _command(script: Path, out: Path, *, resume: bool = True) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    return [
        sys.executable,
        str(script),
        str(out),
        "1" if resume else "0",
        str(KILL_EPOCHS),
        str(KILL_DIM),
    ]


def _checkpoint_epoch(path: Path) -> int | None:
    """Epoch of a checkpoint, or ``None`` while it is absent or unreadable."""
    if not path.is_file():
        return None
    try:
        return int(torch.load(path, weights_only=True)["epoch"])
    except Exception:  # noqa: BLE001 - racing the writer's rename; try again
        return None


def _resumed_from(stdout: str) -> int:
    match = re.search(r"resumed_from_epoch=(\d+)", stdout)
    assert match, f"no resumed_from_epoch in output:\n{stdout[-2000:]}"
    return int(match.group(1))


def _assert_same_state(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for key, value in a.items():
        assert torch.equal(value, b[key]), f"{key} differs"


@pytest.mark.slow
def test_sigkill_mid_training_then_resume_matches_uninterrupted_run(tmp_path: Path):
    script = _script(tmp_path)
    victim_dir, reference_dir = tmp_path / "victim", tmp_path / "reference"
    checkpoint = victim_dir / "ckpt.pt"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # The uninterrupted reference runs alongside the victim (two cores).
    reference = subprocess.Popen(
        _command(script, reference_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    victim = subprocess.Popen(
        _command(script, victim_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        seen_epoch = None
        while time.monotonic() < deadline:
            if victim.poll() is not None:
                pytest.fail(
                    "training finished (or died) before it could be killed: "
                    f"rc={victim.returncode}; make epochs slower (KILL_DIM). "
                    f"stderr: {victim.stderr.read()[-2000:] if victim.stderr else ''}"
                )
            seen_epoch = _checkpoint_epoch(checkpoint)
            if seen_epoch is not None:
                break
            time.sleep(0.02)
        else:
            pytest.fail("no checkpoint appeared within 120 s")
        if seen_epoch not in (1, 2):
            pytest.fail(
                f"first checkpoint seen was epoch {seen_epoch} of {KILL_EPOCHS}; "
                "the kill came too late, make epochs slower (KILL_DIM)"
            )
        os.kill(victim.pid, signal.SIGKILL)
        victim.communicate(timeout=60)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
    assert victim.returncode == -signal.SIGKILL
    assert not (victim_dir / "model.pt").exists(), "killed run wrote its output"
    killed_at = _checkpoint_epoch(checkpoint)
    assert killed_at is not None and 1 <= killed_at < KILL_EPOCHS, killed_at

    resumed = subprocess.run(
        _command(script, victim_dir),
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert _resumed_from(resumed.stdout) == killed_at >= 1

    ref_out, ref_err = reference.communicate(timeout=300)
    assert reference.returncode == 0, ref_err[-3000:]
    assert _resumed_from(ref_out) == 0
    _assert_same_state(
        torch.load(victim_dir / "model.pt", weights_only=True),
        torch.load(reference_dir / "model.pt", weights_only=True),
    )


# ---------------------------------------------------------------- start afresh


def _small_train(seed: int = 0) -> tuple[PairData, int]:
    rng = np.random.default_rng(seed)
    n_products, n_pairs = 300, 3_000
    p1 = rng.integers(0, n_products, n_pairs)
    p2 = (p1 + rng.integers(1, n_products, n_pairs)) % n_products
    data = PairData(
        p1=torch.from_numpy(p1), p2=torch.from_numpy(p2), weight=torch.ones(n_pairs)
    )
    return data, n_products


def _small_cfg(**overrides: Any) -> TrainParams:
    values: dict[str, Any] = {
        "epochs": 2,
        "embedding_dim": 8,
        "batch_size": 512,
        "eval_every_steps": 3,
        "checkpoint_dir": None,
        **overrides,
    }
    return TrainParams(**values)


def test_resume_false_ignores_a_matching_checkpoint(tmp_path: Path):
    train, n = _small_train()
    ckpt = tmp_path / "ckpt.pt"
    first = fit(train, n, _small_cfg(), checkpoint_path=ckpt, progress=False)
    assert first.resumed_from_epoch == 0 and ckpt.is_file()
    # control: the checkpoint matches, so resume=True would use it
    again = fit(train, n, _small_cfg(), checkpoint_path=ckpt, progress=False)
    assert again.resumed_from_epoch == 2
    afresh = fit(
        train, n, _small_cfg(resume=False), checkpoint_path=ckpt, progress=False
    )
    assert afresh.resumed_from_epoch == 0
    assert len(afresh.lr_per_step) == 2 * afresh.steps_per_epoch  # nothing carried
    _assert_same_state(first.model.state_dict(), afresh.model.state_dict())


def test_unusable_checkpoints_start_afresh(tmp_path: Path):
    train, n = _small_train()
    ckpt = tmp_path / "ckpt.pt"
    fresh = fit(train, n, _small_cfg(), progress=False)
    # other parameters: fingerprint mismatch
    fit(train, n, _small_cfg(seed=1), checkpoint_path=ckpt, progress=False)
    mismatched = fit(train, n, _small_cfg(), checkpoint_path=ckpt, progress=False)
    assert mismatched.resumed_from_epoch == 0
    _assert_same_state(fresh.model.state_dict(), mismatched.model.state_dict())
    # a truncated (corrupt) checkpoint
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    corrupt = fit(train, n, _small_cfg(), checkpoint_path=ckpt, progress=False)
    assert corrupt.resumed_from_epoch == 0
    _assert_same_state(fresh.model.state_dict(), corrupt.model.state_dict())


# ---------------------------------------------------------------- Kedro determinism

WALL_CLOCK_KEYS = {"train_seconds", "pairs_per_second"}
DATA_FILES = (
    "data/03_primary/product_pairs.parquet",
    "data/05_model_input/train_pairs.parquet",
    "data/05_model_input/validation_pairs.parquet",
)


def _make_project(root: Path) -> Path:
    return make_project_copy(root)


def _run_train_mf_bias(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    bootstrap_project(project)
    runtime = {
        "mf_bias": {
            "train": {"epochs": 2, "embedding_dim": 16, "eval_every_steps": 5},
            "evaluate": {"ranking_sample_size": 200},
        }
    }
    with KedroSession.create(project_path=project, runtime_params=runtime) as session:
        session.run(pipeline_names=["train_mf_bias"])


def test_two_kedro_runs_give_identical_data_and_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("KEDRO_DISABLE_TELEMETRY", "1")
    projects = [_make_project(tmp_path / name) for name in ("a", "b")]
    for project in projects:
        _run_train_mf_bias(project, monkeypatch)
    metrics = [
        json.loads((p / "data/08_reporting/mf_bias/metrics.json").read_text())
        for p in projects
    ]
    assert metrics[0].keys() == metrics[1].keys()
    assert WALL_CLOCK_KEYS <= metrics[0].keys()
    differing = {
        key
        for key in metrics[0]
        if key not in WALL_CLOCK_KEYS and metrics[0][key] != metrics[1][key]
    }
    assert not differing, {k: (metrics[0][k], metrics[1][k]) for k in differing}
    assert metrics[0]["roc_auc"] is not None and metrics[0]["recall_at_10"] is not None
    assert metrics[0]["train_params"]["epochs"] == 2
    for project in projects:  # each run trained afresh, in its own folder
        history = json.loads(
            (project / "data/06_models/mf_bias/training_history.json").read_text()
        )
        assert history["resumed_from_epoch"] == 0
    for name in DATA_FILES:
        frames = [pd.read_parquet(p / name) for p in projects]
        assert len(frames[0]) > 0, name
        pd.testing.assert_frame_equal(frames[0], frames[1], obj=name)


# ---------------------------------------------------------------- degenerate data

SPLIT_KWARGS: dict[str, Any] = {
    "validation_fraction": 1 / 3,
    "negatives_per_positive": 1.0,
    "negative_strategy": "uniform",
    "drop_unseen": False,
    "seed": 42,
}
WEIGHTS = {"bought_together": 1.2, "also_bought": 1.0, "also_viewed": 0.5}


def _ingest_relations(tmp_path: Path, lines: list[str]) -> pa.Table:
    raw = write_lines(tmp_path / "meta.json", lines)
    out = {
        "products_path": tmp_path / "products.parquet",
        "relationships_path": tmp_path / "relationships.parquet",
        "rejected_path": tmp_path / "rejected.parquet",
    }
    report = ingest_file(raw, python_parser=parse_python_literal, **out)
    assert report.products == len(lines) and report.rejected == 0
    return pq.read_table(out["relationships_path"])


def test_products_without_relations_fail_at_the_split_with_a_clear_error(
    tmp_path: Path,
):
    relations = _ingest_relations(
        tmp_path,
        [
            "{'asin': 'A', 'title': 'a'}",
            "{'asin': 'B'}",
            "{'asin': 'C', 'related': {}}",
        ],
    )
    assert relations.num_rows == 0
    graph = build_product_graph(relations, WEIGHTS)
    assert len(graph.pairs) == 0 and len(graph.product_index) == 0
    with pytest.raises(
        ValueError, match=r"product_pairs is empty: the metadata holds no relations"
    ):
        split_pairs(graph.pairs, graph.product_index, **SPLIT_KWARGS)


def test_empty_graph_keeps_the_documented_column_types():
    empty = pa.table(
        {
            "asin": pa.array([], pa.string()),
            "related_asin": pa.array([], pa.string()),
            "relationship": pa.array([], pa.string()),
        }
    )
    graph = build_product_graph(empty, WEIGHTS)
    assert graph.pairs["weight"].dtype == np.float64
    assert graph.product_index["weighted_degree"].dtype == np.float64


def test_a_single_pair_cannot_be_split(tmp_path: Path):
    relations = _ingest_relations(
        tmp_path, ["{'asin': 'A', 'related': {'also_bought': ['B']}}"]
    )
    graph = build_product_graph(relations, WEIGHTS)
    assert len(graph.pairs) == 1
    with pytest.raises(ValueError, match=r"cannot split 1 pair\(s\).*at least one"):
        split_pairs(graph.pairs, graph.product_index, **SPLIT_KWARGS)


def test_validation_products_never_seen_in_training_give_none_not_nan():
    n = 10
    train = pd.DataFrame({"product1_id": [0, 1, 2, 0], "product2_id": [1, 2, 3, 4]})
    validation = pd.DataFrame(
        {
            "product1_id": [5, 6, 7, 5],
            "product2_id": [6, 7, 8, 9],
            "label": np.array([1, 1, 0, 0], np.int8),
            "seen": np.zeros(4, bool),
        }
    )
    assert not set(validation[["product1_id", "product2_id"]].to_numpy().ravel()) & set(
        train.to_numpy().ravel()
    )
    model = MatrixFactorization(n, 4, generator=torch.Generator().manual_seed(0))
    result = evaluate(
        model,
        train,
        validation,
        ranking_sample_size=50,
        k=10,
        batch_size=8,
        seed=0,
    )
    m = result.metrics
    for key in (
        "roc_auc_seen",
        "popularity_roc_auc_seen",
        "recall_at_10",
        "ndcg_at_10",
    ):
        assert m[key] is None, (key, m[key])
    assert m["ranking_sample_size"] == 0 and m["validation_pairs_seen"] == 0
    assert m["roc_auc"] is not None and 0 <= m["roc_auc"] <= 1
    json.dumps(m, allow_nan=False)  # raises on NaN / inf
    assert len(result.scores) == 4 and np.isfinite(result.scores["score"]).all()


def test_more_negatives_than_possible_pairs_is_a_clear_error():
    with pytest.raises(
        ValueError, match=r"cannot sample 10 distinct negative pairs from 4 products"
    ):
        sample_negative_pairs(
            10,
            candidates=np.arange(4),
            known_keys=np.empty(0, np.int64),
            n_products=4,
            rng=np.random.default_rng(0),
        )
    with pytest.raises(ValueError, match=r"at least 2 products"):
        sample_negative_pairs(
            1,
            candidates=np.arange(1),
            known_keys=np.empty(0, np.int64),
            n_products=1,
            rng=np.random.default_rng(0),
        )


def test_split_with_more_negatives_than_the_graph_allows_is_a_clear_error():
    # a star 0-1, 0-2, 0-3 plus 1-2: at most 6 pairs among 4 products
    relations = pa.table(
        {
            "asin": ["A", "A", "A", "B"],
            "related_asin": ["B", "C", "D", "C"],
            "relationship": ["also_bought"] * 4,
        }
    )
    graph = build_product_graph(relations, WEIGHTS)
    assert len(graph.pairs) == 4
    kwargs = {**SPLIT_KWARGS, "validation_fraction": 0.5, "negatives_per_positive": 50}
    with pytest.raises(
        ValueError,
        match=r"cannot sample 100 distinct negative pairs from \d products .*"
        r"lower split\.negatives_per_positive",
    ):
        split_pairs(graph.pairs, graph.product_index, **kwargs)


def test_fit_on_two_products_with_five_negatives_repeats_negatives():
    """Documented: only one other product can be drawn, so negatives repeat."""
    n_pairs = 40
    train = PairData(
        p1=torch.zeros(n_pairs, dtype=torch.int64),
        p2=torch.ones(n_pairs, dtype=torch.int64),
        weight=torch.ones(n_pairs),
    )
    for engine, optimizer in (("fused", "adagrad"), ("torch", "adam")):
        cfg = _small_cfg(
            negatives_per_positive=5,
            batch_size=8,
            engine=engine,
            optimizer=optimizer,
        )
        result = fit(train, 2, cfg, progress=False)
        for name, tensor in result.model.state_dict().items():
            assert torch.isfinite(tensor).all(), (engine, name)
        assert all(math.isfinite(entry["loss"]) for entry in result.history)
