"""Model-free statistics of a split product graph: how local, how popularity-driven.

Used to set the synthetic generator's niches from the real graphs (see
``benchmarks/README.md``) without looking at any model's score::

    python -m benchmarks.graph_stats PROJECT [PROJECT ...]

where each PROJECT is a folder after ``kedro run --pipelines ingest,relationships,split``
(``benchmarks/work/<size>/project`` after ``make bench``).

* ``common_neighbour_share``: share of validation positives whose two products
  have a common neighbour among the training pairs (negatives: the same share for
  the validation negatives);
* ``popularity_auc``: ROC-AUC of the product of training degrees;
* ``transitivity``: 3 × triangles / connected triples of the whole graph;
* ``edges_in_a_triangle``: share of pairs that close at least one triangle;
* ``top_1pct_degree_share``: share of all pair ends held by the 1% of products
  with the most pairs.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from baseline_recsys.metrics import safe_roc_auc

SAMPLE_PAIRS = 200_000
ROW_BLOCK = 20_000


def _adjacency(p1: np.ndarray, p2: np.ndarray, n: int) -> sp.csr_matrix:
    ones = np.ones(2 * len(p1), dtype=np.float32)
    return sp.csr_matrix((ones, (np.r_[p1, p2], np.r_[p2, p1])), shape=(n, n))


def graph_stats(project: Path, seed: int = 0) -> dict[str, Any]:
    """Statistics of the graph and split of one project.

    Args:
        project: A Kedro project folder with ``data/03_primary`` and
            ``data/05_model_input`` written.
        seed: Seed of the validation sample.

    Returns:
        The statistics (see the module docstring).
    """
    data = project / "data"
    pairs = pd.read_parquet(
        data / "03_primary/product_pairs.parquet",
        columns=["product1_id", "product2_id"],
    )
    train = pd.read_parquet(
        data / "05_model_input/train_pairs.parquet",
        columns=["product1_id", "product2_id"],
    )
    validation = pd.read_parquet(
        data / "05_model_input/validation_pairs.parquet",
        columns=["product1_id", "product2_id", "label"],
    )
    n = len(
        pd.read_parquet(data / "03_primary/product_index.parquet", columns=["asin"])
    )

    a, b = pairs.product1_id.to_numpy(np.int64), pairs.product2_id.to_numpy(np.int64)
    full = _adjacency(a, b, n)
    degree = np.asarray(full.sum(1)).ravel()
    closing = np.zeros(len(a))  # common neighbours of each pair's two ends
    for start in range(0, n, ROW_BLOCK):
        rows = full[start : start + ROW_BLOCK] @ full
        inside = np.flatnonzero((a >= start) & (a < start + ROW_BLOCK))
        closing[inside] = np.asarray(rows[a[inside] - start, b[inside]]).ravel()
    triples = float((degree * (degree - 1) / 2).sum())
    ranked = np.sort(degree)[::-1]

    t = _adjacency(
        train.product1_id.to_numpy(np.int64), train.product2_id.to_numpy(np.int64), n
    )
    train_degree = np.asarray(t.sum(1)).ravel()
    sample = validation.sample(min(SAMPLE_PAIRS, len(validation)), random_state=seed)
    x = sample.product1_id.to_numpy(np.int64)
    y = sample.product2_id.to_numpy(np.int64)
    label = sample.label.to_numpy()
    common = np.asarray(t[x].multiply(t[y]).sum(1)).ravel()
    return {
        "project": str(project),
        "products": n,
        "pairs": len(a),
        "median_degree": float(np.median(degree)),
        "common_neighbour_share": float(np.mean(common[label == 1] > 0)),
        "common_neighbour_share_negatives": float(np.mean(common[label == 0] > 0)),
        "popularity_auc": safe_roc_auc(label, train_degree[x] * train_degree[y]),
        "transitivity": float(closing.sum() / triples) if triples else None,
        "edges_in_a_triangle": float(np.mean(closing > 0)),
        "top_1pct_degree_share": float(ranked[: max(1, n // 100)].sum() / ranked.sum()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print the statistics of each project as a Markdown table (and JSON lines).

    Args:
        argv: Project folders (defaults to ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="+", type=Path)
    args = parser.parse_args(argv)
    keys = (
        "common_neighbour_share",
        "popularity_auc",
        "transitivity",
        "edges_in_a_triangle",
        "top_1pct_degree_share",
        "median_degree",
    )
    print("| project | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    results = [graph_stats(project) for project in args.projects]
    for stats in results:
        print(
            f"| {stats['project']} | "
            + " | ".join(f"{stats[k]:.3f}" for k in keys)
            + " |"
        )
    for stats in results:
        print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
