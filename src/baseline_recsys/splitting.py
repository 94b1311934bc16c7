"""Random train / validation split of product pairs, with validation negatives.

The seed post splits pairs at random (2/3 : 1/3) and makes validation negatives by
slicing a shuffled array of products. Here the same idea is vectorised, seeded
through a :class:`numpy.random.Generator`, and made exact: a negative is never a
self-pair and never a known pair (train or validation, either direction), and no
negative repeats.

Two strategies choose the ends of a negative pair:

* ``uniform``: both ends uniformly from the products seen in training (the seed's
  behaviour, and the default);
* ``popularity``: both ends in proportion to training degree, so popular products
  appear in positives and negatives alike and a popularity score alone cannot tell
  them apart (under uniform negatives it reaches AUC ≈ 0.81 on real Beauty data).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from baseline_recsys.graph import pair_degree

logger = logging.getLogger(__name__)

NegativeStrategy = Literal["uniform", "popularity"]
NEGATIVE_STRATEGIES: tuple[str, ...] = ("uniform", "popularity")

PAIR_ID_COLUMNS = ("product1_id", "product2_id")


@dataclass(frozen=True)
class Split:
    """Result of :func:`split_pairs`.

    Attributes:
        train: Training positives (the columns of ``product_pairs``).
        validation: Validation positives and negatives: product1, product2,
            product1_id, product2_id, weight (0 for negatives), label (1/0),
            seen (both products occur in ``train``).
        report: Counts for the split report.
    """

    train: pd.DataFrame
    validation: pd.DataFrame
    report: dict[str, float | int | str | bool]


def pair_keys(p1: np.ndarray, p2: np.ndarray, n_products: int) -> np.ndarray:
    """Encode undirected pairs of ids as one int64 each (order-insensitive).

    Args:
        p1: First ids.
        p2: Second ids.
        n_products: Number of product ids (keys are ``min·n + max``).

    Returns:
        The keys.
    """
    p1 = np.asarray(p1, dtype=np.int64)
    p2 = np.asarray(p2, dtype=np.int64)
    return np.minimum(p1, p2) * n_products + np.maximum(p1, p2)


def sample_negative_pairs(
    n: int,
    *,
    candidates: np.ndarray,
    known_keys: np.ndarray,
    n_products: int,
    rng: np.random.Generator,
    probabilities: np.ndarray | None = None,
    max_rounds: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` distinct unknown, non-self pairs of candidate products.

    Draws in bulk, drops self-pairs, known pairs and repeats, and draws again for
    the shortfall; a handful of rounds suffice on any sparse graph.

    Args:
        n: Number of negatives wanted.
        candidates: Product ids the ends are drawn from.
        known_keys: Sorted :func:`pair_keys` of every known pair.
        n_products: Number of product ids.
        rng: Random generator (all randomness comes from it).
        probabilities: Optional draw probability per candidate (sums to 1);
            uniform when ``None``.
        max_rounds: Give up after this many rounds.

    Returns:
        ``(product1_id, product2_id)`` with ``product1_id < product2_id``.

    Raises:
        ValueError: If there are fewer than 2 candidates, or ``n`` distinct
            negatives cannot be found (the graph is too dense or too small).
    """
    if n <= 0:
        return np.empty(0, np.int32), np.empty(0, np.int32)
    n_candidates = len(candidates)
    if n_candidates < 2:
        raise ValueError(
            f"need at least 2 products seen in training to sample negatives, got {n_candidates}"
        )
    possible = n_candidates * (n_candidates - 1) // 2
    if n > possible:
        raise ValueError(
            f"cannot sample {n:,} distinct negative pairs from {n_candidates:,} products "
            f"({possible:,} pairs exist); lower split.negatives_per_positive"
        )
    found = np.empty(0, dtype=np.int64)
    for _ in range(max_rounds):
        need = n - len(found)
        if need <= 0:
            break
        draw = int(need * 1.25) + 16
        a = candidates[rng.choice(n_candidates, size=draw, p=probabilities)]
        b = candidates[rng.choice(n_candidates, size=draw, p=probabilities)]
        keys = pair_keys(a, b, n_products)
        ok = a != b
        if len(known_keys):
            pos = np.searchsorted(known_keys, keys)
            pos[pos == len(known_keys)] = 0
            ok &= known_keys[pos] != keys
        keys = keys[ok]
        # keep first occurrences only, in draw order, and drop keys found before
        _, first = np.unique(keys, return_index=True)
        keys = keys[np.sort(first)]
        keys = keys[~np.isin(keys, found)]
        found = np.concatenate([found, keys[:need]])
    if len(found) < n:
        raise ValueError(
            f"found only {len(found):,} of {n:,} negative pairs after {max_rounds} rounds; "
            "the graph is too dense for this many negatives"
        )
    return (found // n_products).astype(np.int32), (found % n_products).astype(np.int32)


def split_pairs(
    pairs: pd.DataFrame,
    product_index: pd.DataFrame,
    *,
    validation_fraction: float,
    negatives_per_positive: float,
    negative_strategy: NegativeStrategy,
    drop_unseen: bool,
    seed: int,
) -> Split:
    """Split pairs at random into train and validation, and add negatives.

    Args:
        pairs: ``product_pairs`` (product1, product2, product1_id, product2_id,
            weight, ...).
        product_index: product_id, asin, ...
        validation_fraction: Share of pairs held out, in (0, 1).
        negatives_per_positive: Validation negatives per validation positive.
        negative_strategy: ``uniform`` or ``popularity``.
        drop_unseen: Drop validation positives with a product never seen in
            training.
        seed: Seed for the split and the negatives.

    Returns:
        The split.

    Raises:
        ValueError: On a bad parameter or a graph too small to split.
    """
    if not 0 < validation_fraction < 1:
        raise ValueError(
            f"validation_fraction must be in (0, 1), got {validation_fraction}"
        )
    if negative_strategy not in NEGATIVE_STRATEGIES:
        raise ValueError(
            f"negative_strategy must be one of {NEGATIVE_STRATEGIES}, got {negative_strategy!r}"
        )
    if negatives_per_positive < 0:
        raise ValueError(
            f"negatives_per_positive must be >= 0, got {negatives_per_positive}"
        )
    n_pairs = len(pairs)
    if n_pairs == 0:
        raise ValueError(
            "product_pairs is empty: the metadata holds no relations of a kind with a "
            "weight > 0 (see ingest_report's relations_by_kind and relationships.weights)"
        )
    n_validation = int(round(n_pairs * validation_fraction))
    if n_pairs < 2 or n_validation in (0, n_pairs):
        raise ValueError(
            f"cannot split {n_pairs} pair(s) with validation_fraction={validation_fraction}: "
            "both train and validation need at least one pair"
        )
    n_products = len(product_index)
    rng = np.random.default_rng(seed)
    is_validation = np.zeros(n_pairs, dtype=bool)
    is_validation[rng.permutation(n_pairs)[:n_validation]] = True

    train = pairs.loc[~is_validation].reset_index(drop=True)
    validation_pos = pairs.loc[is_validation].reset_index(drop=True)

    train_degree = pair_degree(train["product1_id"], train["product2_id"], n_products)
    seen = train_degree > 0
    pos_seen = seen[validation_pos["product1_id"]] & seen[validation_pos["product2_id"]]
    n_unseen = int((~pos_seen).sum())
    if drop_unseen:
        validation_pos = validation_pos.loc[pos_seen].reset_index(drop=True)
        pos_seen = pos_seen[pos_seen]
    if n_unseen:
        logger.info(
            "%s of %s validation pairs involve a product never seen in training (%s)",
            f"{n_unseen:,}",
            f"{n_validation:,}",
            "dropped" if drop_unseen else "kept; see the 'seen' column",
        )

    candidates = np.flatnonzero(seen)
    probabilities = None
    if negative_strategy == "popularity":
        probabilities = train_degree[candidates] / train_degree[candidates].sum()
    known = np.sort(pair_keys(pairs["product1_id"], pairs["product2_id"], n_products))
    n_negatives = int(round(len(validation_pos) * negatives_per_positive))
    neg1, neg2 = sample_negative_pairs(
        n_negatives,
        candidates=candidates,
        known_keys=known,
        n_products=n_products,
        rng=rng,
        probabilities=probabilities,
    )
    asins = product_index["asin"].to_numpy()
    negatives = pd.DataFrame(
        {
            "product1": pd.array(asins[neg1], dtype="string[pyarrow]"),
            "product2": pd.array(asins[neg2], dtype="string[pyarrow]"),
            "product1_id": neg1,
            "product2_id": neg2,
            "weight": np.zeros(len(neg1)),
            "label": np.zeros(len(neg1), dtype=np.int8),
            "seen": np.ones(len(neg1), dtype=bool),
        }
    )
    positives = validation_pos[
        ["product1", "product2", "product1_id", "product2_id", "weight"]
    ].copy()
    positives["label"] = np.ones(len(positives), dtype=np.int8)
    positives["seen"] = pos_seen
    validation = pd.concat([positives, negatives], ignore_index=True)

    report: dict[str, float | int | str | bool] = {
        "pairs": n_pairs,
        "train_pairs": len(train),
        "validation_positives": len(positives),
        "validation_negatives": len(negatives),
        "validation_pairs_with_unseen_product": n_unseen,
        "unseen_dropped": bool(drop_unseen),
        "products": n_products,
        "products_seen_in_training": int(seen.sum()),
        "validation_fraction": validation_fraction,
        "negatives_per_positive": negatives_per_positive,
        "negative_strategy": negative_strategy,
        "seed": seed,
    }
    logger.info(
        "Split: %s train pairs, %s validation positives, %s negatives (%s)",
        f"{len(train):,}",
        f"{len(positives):,}",
        f"{len(negatives):,}",
        negative_strategy,
    )
    return Split(train=train, validation=validation, report=report)
