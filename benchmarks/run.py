"""Speed and scale benchmark of the whole pipeline: ``make bench``.

Usage (from the repository root)::

    python -m benchmarks.run [--sizes electronics books beauty cellphones]
                             [--runs N] [--peers auto|all|none] [--params K=V,...]

For each size, the real Kedro pipelines run stage by stage (``ingest``,
``relationships``, ``split``, then ``train_mf_bias``'s ``train_model`` and
``evaluate_model`` nodes), each as its own ``kedro run`` in a throw-away project
under ``benchmarks/work/<size>/``, so that the wall time and the peak RSS of every
stage are measured separately (each stage reports its own ``VmHWM``, see
:mod:`benchmarks.stage`); every stage includes Kedro's start-up.
Each run starts from an empty ``data/`` folder.

Sizes:

* ``electronics``: SYNTHETIC, 420,000 products / 4.0M pairs (the seed post's
  Electronics graph), from :mod:`baseline_recsys.synthetic`;
* ``books``: SYNTHETIC, 1.95M products / 26.6M pairs (the seed's Books graph);
* ``beauty``, ``cellphones``: the real McAuley 2014 files in ``../shared/data``
  (or ``$BASELINE_RECSYS_DATA_DIR``), skipped when absent.

Measured: every stage's wall time and peak RSS; training seconds per epoch and
positive pairs per second; ROC-AUC (all, seen), Recall@10 and NDCG@10 of
``mf_bias``; ingest throughput (MB/s of uncompressed text, lines/s) of the ingest
stage, and of the bare line parser next to ``ast.literal_eval`` on the same lines;
and, when the ``bench`` extra is installed, the peers of :mod:`benchmarks.peers`
(implicit ALS and BPR, cornac BPR) fitted on the same split and scored by the same
:func:`baseline_recsys.evaluation.evaluate`; on synthetic sizes, the generator's
own probabilities (:mod:`benchmarks.oracle`), the reference every model is read
against.

The training stage runs with ``hogwild_threads=0`` (every core) and
``resume=false``; everything else is the project's defaults. Short sizes run 3
times and report medians (``--runs`` overrides); results go to
``benchmarks/results/<size>.json`` and a Markdown table is printed.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import inspect
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
WORK_DIR = REPO_ROOT / "benchmarks" / "work"
VARIANT = "mf_bias"
#: Parameters of every benchmarked training run (on top of the project defaults).
TRAIN_OVERRIDES = f"{VARIANT}.train.hogwild_threads=0,{VARIANT}.train.resume=false"
#: Metrics kept for our model, each peer and the oracle.
METRIC_KEYS = (
    "roc_auc",
    "roc_auc_seen",
    "popularity_roc_auc",
    "recall_at_10",
    "ndcg_at_10",
)
#: Lines of each input given to the bare-parser comparison.
PARSER_SAMPLE_LINES = 50_000
PARSER_REPEATS = 3

#: Stage name → arguments of its ``kedro run``.
STAGES: dict[str, list[str]] = {
    "ingest": ["--pipeline", "ingest"],
    "relationships": ["--pipeline", "relationships"],
    "split": ["--pipeline", "split"],
    "train": ["--pipeline", f"train_{VARIANT}", "--nodes", f"{VARIANT}.train_model"],
    "evaluate": [
        "--pipeline",
        f"train_{VARIANT}",
        "--nodes",
        f"{VARIANT}.evaluate_model",
    ],
}

#: Versions recorded with every result.
PACKAGES = (
    "torch",
    "numba",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "kedro",
    "implicit",
    "cornac",
)


@dataclass(frozen=True)
class Size:
    """One benchmark input.

    Attributes:
        name: Name of the size (and of its results file).
        description: One line for the table.
        runs: Default number of runs (medians are reported).
        peers: Whether the peers run by default (``--peers auto``).
        products: Synthetic products (``None`` for a real file).
        pairs: Synthetic undirected pairs.
        seed: Seed of the synthetic generator.
        real_file: File name in the shared data folder (real sizes).
    """

    name: str
    description: str
    runs: int
    peers: bool
    products: int | None = None
    pairs: int | None = None
    seed: int = 0
    real_file: str | None = None


SIZES: dict[str, Size] = {
    size.name: size
    for size in (
        Size(
            "electronics",
            "SYNTHETIC, Electronics scale: 420,000 products / 4.0M pairs",
            runs=3,
            peers=True,
            products=420_000,
            pairs=4_000_000,
            seed=1,
        ),
        Size(
            "books",
            "SYNTHETIC, Books scale: 1.95M products / 26.6M pairs",
            runs=1,
            peers=False,
            products=1_950_000,
            pairs=26_600_000,
            seed=2,
        ),
        Size(
            "beauty",
            "real: McAuley 2014 Beauty",
            runs=3,
            peers=True,
            real_file="meta_Beauty.pgpr.json.gz",
        ),
        Size(
            "cellphones",
            "real: McAuley 2014 Cell Phones and Accessories",
            runs=3,
            peers=True,
            real_file="meta_Cellphones.pgpr.json.gz",
        ),
    )
}


# --------------------------------------------------------------------- machine


def machine() -> dict[str, Any]:
    """Describe this machine: CPU model, cores, RAM, OS and Python.

    Returns:
        A JSON-able mapping.
    """
    from benchmarks.bench_literal import cpu_model

    ram_gib = None
    cpuinfo: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                cpuinfo[key.strip()] = value.strip()
    except OSError:
        pass
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    ram_gib = round(int(line.split()[1]) / 2**20, 1)
                    break
    except OSError:
        pass
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu_model(),
        "cpu_family_model": (
            f"{cpuinfo['cpu family']}/{cpuinfo['model']}"
            if "cpu family" in cpuinfo and "model" in cpuinfo
            else None
        ),
        "cache_size": cpuinfo.get("cache size"),  # as /proc/cpuinfo reports it
        "avx512": "avx512f" in cpuinfo.get("flags", "").split(),
        "cores": os.cpu_count(),
        "usable_cores": len(affinity) if affinity is not None else os.cpu_count(),
        "ram_gib": ram_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict[str, str | None]:
    """Installed versions of the packages that matter (``None``: not installed)."""
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    try:
        out["baseline-recsys commit"] = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out["baseline-recsys commit"] = None
    return out


# ----------------------------------------------------------------------- input


def shared_data_dir() -> Path:
    """``$BASELINE_RECSYS_DATA_DIR``, else ``../shared/data`` next to the repo."""
    override = os.environ.get("BASELINE_RECSYS_DATA_DIR")
    return Path(override) if override else (REPO_ROOT / ".." / "shared" / "data")


def input_file(size: Size, work: Path) -> Path | None:
    """The metadata file of a size: generated once (then reused), or the real one.

    Args:
        size: The size.
        work: The benchmark's work folder.

    Returns:
        The file, or ``None`` for a real file that is not present.
    """
    if size.real_file is not None:
        path = shared_data_dir() / size.real_file
        return path.resolve() if path.is_file() else None
    assert size.products is not None and size.pairs is not None
    stem = f"{size.name}-{size.products}-{size.pairs}-s{size.seed}"
    path = work / "data" / f"{stem}.json.gz"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{stem}.partial.json.gz")
        print(f"  generating {path.name} (SYNTHETIC) ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "baseline_recsys.synthetic",
                "--products",
                str(size.products),
                "--pairs",
                str(size.pairs),
                "--seed",
                str(size.seed),
                "--out",
                str(partial),
                "--log-level",
                "WARNING",
            ],
            check=True,
        )
        partial.replace(path)
    return path.resolve()


def count_input(path: Path) -> dict[str, Any]:
    """Compressed and uncompressed size and line count of a metadata file.

    Args:
        path: A gzip or plain file.

    Returns:
        ``file``, ``compressed_mb``, ``uncompressed_mb`` and ``lines``.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    total = lines = 0
    with opener(path, "rb") as handle:
        while chunk := handle.read(1 << 24):
            total += len(chunk)
            lines += chunk.count(b"\n")
    return {
        "file": path.name,
        "compressed_mb": round(path.stat().st_size / 1e6, 3),
        "uncompressed_mb": round(total / 1e6, 3),
        "lines": lines,
    }


def parser_throughput(path: Path) -> dict[str, Any] | None:
    """Bare parser vs ``ast.literal_eval`` on the first lines of a 2014 dump.

    Both parse the same lines (:data:`PARSER_SAMPLE_LINES`), taking turns,
    :data:`PARSER_REPEATS` times; medians are reported.

    Args:
        path: A metadata file with one Python dict literal per line.

    Returns:
        MB/s and lines/s of each parser and the speed-up, or ``None`` when the
        file holds strict JSON (then ingest uses ``json.loads``).
    """
    from baseline_recsys.literal import parse_python_literal
    from benchmarks.bench_literal import time_parser

    opener = gzip.open if path.suffix == ".gz" else open
    lines: list[str] = []
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                lines.append(line)
            if len(lines) >= PARSER_SAMPLE_LINES:
                break
    if not lines or lines[0].lstrip().startswith('{"'):
        return None
    for line in lines[:1000]:  # identical results (the full check is a test)
        if parse_python_literal(line) != ast.literal_eval(line):
            raise SystemExit(f"{path}: parsers disagree on {line[:80]!r}")
    megabytes = sum(len(line.encode("utf-8")) for line in lines) / 1e6
    parsers: dict[str, Callable[[str], object]] = {
        "parse_python_literal": parse_python_literal,
        "ast.literal_eval": ast.literal_eval,
    }
    walls: dict[str, list[float]] = {name: [] for name in parsers}
    for _ in range(PARSER_REPEATS):
        for name, parse in parsers.items():
            walls[name].append(time_parser(parse, lines)[0])
    out: dict[str, Any] = {"sample_lines": len(lines), "sample_mb": round(megabytes, 1)}
    for name, runs in walls.items():
        wall = statistics.median(runs)
        out[name] = {
            "mb_per_s": round(megabytes / wall, 2),
            "lines_per_s": round(len(lines) / wall),
        }
    out["speedup"] = round(
        statistics.median(walls["ast.literal_eval"])
        / statistics.median(walls["parse_python_literal"]),
        1,
    )
    return out


# ---------------------------------------------------------------------- stages


def make_project(root: Path) -> Path:
    """Lay out a throw-away Kedro project (conf, pyproject, empty data) in ``root``.

    The package itself is installed, so ``src/`` only has to exist.

    Args:
        root: The project folder (replaced).

    Returns:
        ``root``.
    """
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    shutil.copytree(REPO_ROOT / "conf", root / "conf")
    shutil.copy(REPO_ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "src").mkdir()
    (root / "data").mkdir()
    return root


def run_stage(project: Path, stage: str, params: str, log: Path) -> tuple[float, float]:
    """Run one stage as its own ``kedro run``; measure wall time and peak RSS.

    Args:
        project: The project folder.
        stage: A key of :data:`STAGES`.
        params: The ``--params`` string.
        log: File that receives Kedro's output.

    Returns:
        Wall seconds and peak resident set size in GB of the Kedro process, as
        it reports it itself (:mod:`benchmarks.stage`).

    Raises:
        SystemExit: If the stage fails (the end of its log is printed).
    """
    peak_file = log.with_suffix(".peak")
    peak_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        str(REPO_ROOT / "benchmarks" / "stage.py"),
        str(peak_file),
        "run",
        *STAGES[stage],
        "--params",
        params,
    ]
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "DO_NOT_TRACK": "1"}
    with open(log, "w", encoding="utf-8") as out:
        start = time.perf_counter()
        completed = subprocess.run(
            command,
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,  # a failure is reported below, with the end of the log
        )
        wall = time.perf_counter() - start
    if completed.returncode != 0 or not peak_file.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
        raise SystemExit(
            f"stage {stage} failed ({' '.join(command)}; exit {completed.returncode});"
            f" log {log}:\n" + "\n".join(tail)
        )
    return wall, int(peak_file.read_text(encoding="ascii")) / 1e9


def one_run(size: Size, raw: Path, work: Path, run: int, extra: str) -> dict[str, Any]:
    """Run every stage once, from an empty data folder.

    Args:
        size: The size.
        raw: Its metadata file.
        work: The size's work folder.
        run: Run number (names the logs).
        extra: Extra ``--params`` (appended; may be empty).

    Returns:
        Per-stage wall seconds and peak RSS, the training figures and the metrics.
    """
    project = make_project(work / "project")
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    params = ",".join(
        p for p in (f"raw_metadata_path={raw}", TRAIN_OVERRIDES, extra) if p
    )
    stages: dict[str, dict[str, float]] = {}
    for stage in STAGES:
        wall, rss = run_stage(project, stage, params, logs / f"run{run}-{stage}.log")
        stages[stage] = {"wall_s": round(wall, 2), "peak_rss_gb": round(rss, 2)}
        print(f"    {stage:<13} {wall:8.1f} s  {rss:6.2f} GB", flush=True)
    history = json.loads(
        (project / "data/06_models" / VARIANT / "training_history.json").read_text()
    )
    metrics = json.loads(
        (project / "data/08_reporting" / VARIANT / "metrics.json").read_text()
    )
    epochs = history["params"]["epochs"]
    return {
        "stages": stages,
        "train_seconds": history["train_seconds"],
        "seconds_per_epoch": history["train_seconds"] / epochs,
        "positive_pairs_per_second": history["pairs_per_second"],
        "epochs": epochs,
        "metrics": {key: metrics[key] for key in METRIC_KEYS if key in metrics},
    }


def peer_params(name: str) -> dict[str, Any]:
    """The hyper-parameters a peer is fitted with (its fit function's defaults).

    Args:
        name: A key of :data:`benchmarks.peers.PEERS`.

    Returns:
        Parameter name → default value.
    """
    from benchmarks.peers import PEERS

    return {
        key: parameter.default
        for key, parameter in inspect.signature(PEERS[name]).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def run_peers(project: Path, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Fit and evaluate the peers on the split of the last run.

    Args:
        project: The project whose ``train_pairs`` / ``validation_pairs`` to use.
        names: Peers to run.

    Returns:
        Peer name → fit seconds and metrics.
    """
    import pandas as pd

    from baseline_recsys.config import EvaluateParams
    from benchmarks.peers import evaluate_peer

    data = project / "data" / "05_model_input"
    train = pd.read_parquet(
        data / "train_pairs.parquet", columns=["product1_id", "product2_id"]
    )
    validation = pd.read_parquet(
        data / "validation_pairs.parquet",
        columns=["product1_id", "product2_id", "label", "seen"],
    )
    n_products = len(
        pd.read_parquet(
            project / "data/03_primary/product_index.parquet", columns=["product_id"]
        )
    )
    cfg = EvaluateParams()
    out = {}
    for name in names:
        print(f"    peer {name} ...", flush=True)
        result = evaluate_peer(
            name,
            train,
            validation,
            n_products,
            ranking_sample_size=cfg.ranking_sample_size,
            k=cfg.k,
            seed=cfg.seed,
            batch_size=cfg.batch_size,
        )
        out[name] = {
            "params": peer_params(name),
            **{key: result.get(key) for key in ("fit_seconds", *METRIC_KEYS)},
        }
        print(
            f"    peer {name:<13} fit {result['fit_seconds']:7.1f} s  AUC"
            f" {result['roc_auc']:.4f}  seen {result['roc_auc_seen']:.4f}"
            f"  R@10 {result['recall_at_10']:.3f}",
            flush=True,
        )
    return out


def run_oracle(project: Path, size: Size) -> dict[str, Any]:
    """Evaluate the generator's own probabilities on the split of the last run.

    Args:
        project: The project whose split to use.
        size: A synthetic size (its generator arguments).

    Returns:
        The oracle's metrics (see :mod:`benchmarks.oracle`).
    """
    import pandas as pd

    from baseline_recsys.config import EvaluateParams
    from benchmarks.oracle import evaluate_oracle

    data = project / "data"
    cfg = EvaluateParams()
    print("    oracle ...", flush=True)
    metrics = evaluate_oracle(
        {"n_products": size.products, "n_pairs": size.pairs, "seed": size.seed},
        pd.read_parquet(data / "03_primary/product_index.parquet"),
        pd.read_parquet(
            data / "05_model_input/train_pairs.parquet",
            columns=["product1_id", "product2_id"],
        ),
        pd.read_parquet(
            data / "05_model_input/validation_pairs.parquet",
            columns=["product1_id", "product2_id", "label", "seen"],
        ),
        ranking_sample_size=cfg.ranking_sample_size,
        k=cfg.k,
        seed=cfg.seed,
    )
    return {key: metrics.get(key) for key in METRIC_KEYS}


# -------------------------------------------------------------------- summary


def _median(values: Sequence[float | None]) -> float | None:
    """Median of the values that are not ``None`` (``None`` when there are none)."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over runs (peak RSS: the maximum), with every run's values kept.

    Args:
        runs: Outputs of :func:`one_run`.

    Returns:
        ``stages``, ``pipeline_wall_s``, ``training`` and ``metrics``.
    """
    stages = {
        stage: {
            "wall_s": _median([r["stages"][stage]["wall_s"] for r in runs]),
            "wall_s_runs": [r["stages"][stage]["wall_s"] for r in runs],
            "peak_rss_gb": max(r["stages"][stage]["peak_rss_gb"] for r in runs),
        }
        for stage in STAGES
    }
    totals = [sum(r["stages"][s]["wall_s"] for s in STAGES) for r in runs]
    training = {
        key: _median([r[key] for r in runs])
        for key in ("train_seconds", "seconds_per_epoch", "positive_pairs_per_second")
    }
    training["train_seconds_runs"] = [round(r["train_seconds"], 2) for r in runs]
    training["epochs"] = runs[0]["epochs"]
    metrics = {
        key: _median([r["metrics"].get(key) for r in runs])
        for key in runs[0]["metrics"]
    }
    metrics["runs"] = [r["metrics"] for r in runs]
    return {
        "stages": stages,
        "pipeline_wall_s": _median(totals),
        "pipeline_wall_s_runs": [round(t, 1) for t in totals],
        "pipeline_peak_rss_gb": max(s["peak_rss_gb"] for s in stages.values()),
        "training": training,
        "metrics": metrics,
    }


def _fmt(value: float | None, spec: str) -> str:
    """Format a number, or an em dash for ``None``."""
    return "—" if value is None else format(value, spec)


def table(result: dict[str, Any]) -> str:
    """The Markdown tables of one size's result.

    Args:
        result: A results document (as written to JSON).

    Returns:
        Stage table, then model and peer table, then ingest throughput.
    """
    lines = [
        f"### {result['size']}: {result['description']}",
        "",
        f"{result['input']['lines']:,} lines, {result['input']['uncompressed_mb']:,}"
        f" MB uncompressed; {result['runs']} run(s), medians.",
        "",
        "| stage | wall s | peak RSS GB |",
        "|---|---|---|",
    ]
    for stage, values in result["stages"].items():
        lines.append(
            f"| {stage} | {values['wall_s']:.1f} | {values['peak_rss_gb']:.2f} |"
        )
    lines.append(
        f"| **whole pipeline** | **{result['pipeline_wall_s']:.1f}** |"
        f" {result['pipeline_peak_rss_gb']:.2f} |"
    )
    training, metrics = result["training"], result["metrics"]
    lines += [
        "",
        "| model | fit s | s/epoch | positive pairs/s | ROC-AUC | AUC (seen) |"
        " Recall@10 | NDCG@10 |",
        "|---|---|---|---|---|---|---|---|",
        f"| **{VARIANT}** ({training['epochs']} epochs)"
        f" | {training['train_seconds']:.1f} | {training['seconds_per_epoch']:.2f}"
        f" | {training['positive_pairs_per_second']:,.0f}"
        f" | {_fmt(metrics.get('roc_auc'), '.4f')}"
        f" | {_fmt(metrics.get('roc_auc_seen'), '.4f')}"
        f" | {_fmt(metrics.get('recall_at_10'), '.3f')}"
        f" | {_fmt(metrics.get('ndcg_at_10'), '.3f')} |",
    ]
    for name, peer in result.get("peers", {}).items():
        lines.append(
            f"| {name} | {peer['fit_seconds']:.1f} | — | —"
            f" | {_fmt(peer.get('roc_auc'), '.4f')}"
            f" | {_fmt(peer.get('roc_auc_seen'), '.4f')}"
            f" | {_fmt(peer.get('recall_at_10'), '.3f')}"
            f" | {_fmt(peer.get('ndcg_at_10'), '.3f')} |"
        )
    oracle = result.get("oracle")
    if oracle:
        lines.append(
            "| oracle (the generator's own probabilities) | — | — | —"
            f" | {_fmt(oracle.get('roc_auc'), '.4f')}"
            f" | {_fmt(oracle.get('roc_auc_seen'), '.4f')}"
            f" | {_fmt(oracle.get('recall_at_10'), '.3f')}"
            f" | {_fmt(oracle.get('ndcg_at_10'), '.3f')} |"
        )
    als = result.get("peers", {}).get("implicit_als")
    if als and als.get("fit_seconds"):
        lines += [
            "",
            f"{VARIANT} training time / implicit ALS fit time in the same run:"
            f" {training['train_seconds'] / als['fit_seconds']:.2f}.",
        ]
    ingest = result["ingest_throughput"]
    lines += [
        "",
        f"Ingest stage: {ingest['stage_mb_per_s']:.1f} MB/s,"
        f" {ingest['stage_lines_per_s']:,.0f} lines/s (Kedro start-up included).",
    ]
    parser = ingest.get("parser")
    if parser:
        ours, ref = parser["parse_python_literal"], parser["ast.literal_eval"]
        lines.append(
            f"Parser on {parser['sample_lines']:,} lines: parse_python_literal"
            f" {ours['mb_per_s']:.1f} MB/s ({ours['lines_per_s']:,} lines/s),"
            f" ast.literal_eval {ref['mb_per_s']:.1f} MB/s"
            f" ({ref['lines_per_s']:,} lines/s): {parser['speedup']}×."
        )
    return "\n".join(lines)


def bench_size(
    size: Size,
    runs: int,
    peers: Sequence[str],
    extra: str,
    work_root: Path,
    oracle: bool = True,
) -> dict[str, Any] | None:
    """Benchmark one size and write ``benchmarks/results/<size>.json``.

    Args:
        size: The size.
        runs: Runs of the pipeline (medians reported).
        peers: Peers to fit on the split.
        extra: Extra ``--params``.
        work_root: Work folder of all sizes.
        oracle: Also evaluate the generator's own probabilities (synthetic
            sizes only; see :mod:`benchmarks.oracle`).

    Returns:
        The results document, or ``None`` when a real file is absent.
    """
    work = work_root / size.name
    raw = input_file(size, work_root)
    if raw is None:
        print(
            f"{size.name}: {size.real_file} not found in {shared_data_dir()}: skipped"
        )
        return None
    print(f"{size.name}: {size.description} ({raw.name})", flush=True)
    counted = count_input(raw)
    all_runs = []
    for run in range(1, runs + 1):
        print(f"  run {run}/{runs}", flush=True)
        all_runs.append(one_run(size, raw, work, run, extra))
    summary = summarise(all_runs)
    ingest_wall = summary["stages"]["ingest"]["wall_s"]
    result: dict[str, Any] = {
        "size": size.name,
        "description": size.description,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        "input": counted,
        "runs": runs,
        "train_overrides": TRAIN_OVERRIDES + (f",{extra}" if extra else ""),
        **summary,
        "ingest_throughput": {
            "stage_mb_per_s": round(counted["uncompressed_mb"] / ingest_wall, 2),
            "stage_lines_per_s": round(counted["lines"] / ingest_wall),
            "parser": parser_throughput(raw),
        },
    }
    if peers:
        result["peers"] = run_peers(work / "project", peers)
    if size.products is not None and oracle:
        result["oracle"] = run_oracle(work / "project", size)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{size.name}.json"
    partial = out.with_suffix(".json.partial")
    partial.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    partial.replace(out)
    print(table(result), flush=True)
    print(f"  → {out}\n", flush=True)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark.

    Args:
        argv: Command-line arguments (defaults to ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        nargs="+",
        choices=sorted(SIZES),
        default=list(SIZES),
        help="sizes to run (default: all; real ones only where the data exists)",
    )
    parser.add_argument("--runs", type=int, help="runs per size (default: 3, books 1)")
    parser.add_argument(
        "--peers",
        choices=("auto", "all", "none"),
        default="auto",
        help="auto: every installed peer, except at books scale (hours); "
        "all: also there; none: skip",
    )
    parser.add_argument(
        "--params", default="", help="extra kedro --params for every stage"
    )
    parser.add_argument("--work", type=Path, default=WORK_DIR, help="work folder")
    parser.add_argument(
        "--no-oracle",
        action="store_true",
        help="skip the generator's own probabilities on synthetic sizes",
    )
    args = parser.parse_args(argv)
    if args.runs is not None and args.runs < 1:
        parser.error(f"--runs must be >= 1, got {args.runs}")

    installed: list[str] = []
    if args.peers != "none":
        from benchmarks.peers import available_peers

        installed = available_peers()
        if not installed:
            print("peers: none installed (pip install -e '.[bench]'); skipped")
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['usable_cores']} cores, {info['ram_gib']} GiB;"
        f" Python {info['python']}\n",
        flush=True,
    )
    for name in args.sizes:
        size = SIZES[name]
        peers = installed if (args.peers == "all" or size.peers) else []
        bench_size(
            size,
            args.runs or size.runs,
            peers,
            args.params,
            args.work,
            oracle=not args.no_oracle,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
