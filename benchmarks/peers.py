"""Peer libraries fitted and evaluated exactly like our matrix factorisation.

The product graph becomes a symmetric product × product interaction matrix: product
a plays the "user" whose interactions are its training neighbours, and every
product is also an "item". Each peer (``implicit`` ALS and BPR, ``cornac`` BPR) is
fitted on that matrix, and its factors are wrapped in a :class:`PeerModel`, which
:func:`baseline_recsys.evaluation.evaluate` scores like a
:class:`~baseline_recsys.model.MatrixFactorization`: same train/validation split,
same metrics.

    score(a, b) = user_factors[a] · item_factors[b]  [+ item_bias[b]]

Hyper-parameters: each peer's library defaults, except the learning rate (BPR)
and the confidence ``alpha`` (ALS), chosen like our own defaults: on the real
Beauty validation split, by AUC(seen), ties (< 0.001) broken by recall@10, then
used unchanged on every size. With the library defaults the peers are far weaker
(Beauty AUC(seen) / recall@10: cornac BPR at lr 0.01 0.877 / 0.012, implicit BPR
at 0.01 0.959 / 0.091, ALS at alpha 1 0.971 / 0.160). The grid:

=============  ============================  ===========================
peer           tried                          Beauty AUC(seen) / R@10
=============  ============================  ===========================
cornac BPR     lr 0.05, 0.1, **0.2**          0.9903, 0.9922, **0.9923** / 0.129
implicit BPR   lr 0.05, **0.1**, 0.2          0.9889, **0.9902**, 0.9896 / 0.152
implicit ALS   alpha 10, **40**, 100          0.9834, **0.9864**, 0.9867 / 0.234
=============  ============================  ===========================

(also tried: cornac lambda 0.001 at lr 0.05, 0.9900; implicit BPR regularisation
0.001 at lr 0.05, 0.9832; ALS regularisation 0.1 and 1.0, 0.9834 and 0.9863, and
64 factors, 0.9849.)

The peers live in the optional ``bench`` extra (``pip install -e '.[bench]'``);
:func:`available_peers` lists those whose library imports. Usage::

    from benchmarks.peers import available_peers, evaluate_peer

    for name in available_peers():
        print(evaluate_peer(name, train_pairs, validation_pairs, n_products))
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from baseline_recsys.evaluation import evaluate
from baseline_recsys.metrics import adjacency


@dataclass(frozen=True, eq=False)
class PeerModel:
    """A peer's factors, scored the way ``evaluate`` scores our model.

    Attributes:
        user_factors: ``(n_products, d)`` float32: each product as the anchor.
        item_factors: ``(n_products, d)`` float32: each product as the candidate.
        item_bias: ``(n_products,)`` float32 candidate bias, or ``None``.
    """

    user_factors: torch.Tensor
    item_factors: torch.Tensor
    item_bias: torch.Tensor | None = None

    def __post_init__(self) -> None:
        """Check that the tables agree in shape.

        Raises:
            ValueError: If the factor tables or the bias do not match.
        """
        if self.user_factors.shape != self.item_factors.shape:
            raise ValueError(
                f"user_factors {tuple(self.user_factors.shape)} and item_factors "
                f"{tuple(self.item_factors.shape)} must have the same shape"
            )
        if self.item_bias is not None and self.item_bias.shape != (self.n_products,):
            raise ValueError(
                f"item_bias must have shape ({self.n_products},), "
                f"got {tuple(self.item_bias.shape)}"
            )

    @classmethod
    def from_numpy(
        cls,
        user_factors: np.ndarray,
        item_factors: np.ndarray,
        item_bias: np.ndarray | None = None,
    ) -> PeerModel:
        """Wrap numpy tables (copied to contiguous float32 tensors).

        Args:
            user_factors: ``(n_products, d)`` anchor factors.
            item_factors: ``(n_products, d)`` candidate factors.
            item_bias: ``(n_products,)`` candidate biases, or ``None``.

        Returns:
            The model.
        """

        def tensor(array: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.array(array, dtype=np.float32, order="C"))

        return cls(
            tensor(user_factors),
            tensor(item_factors),
            None if item_bias is None else tensor(item_bias),
        )

    @property
    def n_products(self) -> int:
        """Number of products."""
        return self.user_factors.shape[0]

    def score_pairs(
        self, p1: torch.Tensor, p2: torch.Tensor, batch_size: int = 262_144
    ) -> torch.Tensor:
        """Score pairs (p1 as the anchor) in batches.

        Args:
            p1: Anchor product ids.
            p2: Candidate product ids.
            batch_size: Pairs per batch.

        Returns:
            ``(len(p1),)`` float32 scores.
        """
        out = []
        for start in range(0, len(p1), batch_size):
            a = p1[start : start + batch_size]
            b = p2[start : start + batch_size]
            score = (self.user_factors[a] * self.item_factors[b]).sum(-1)
            out.append(score if self.item_bias is None else score + self.item_bias[b])
        return torch.cat(out) if out else torch.empty(0)

    def score_all(self, anchors: torch.Tensor) -> torch.Tensor:
        """Score every product against each anchor.

        Args:
            anchors: ``(batch,)`` product ids.

        Returns:
            ``(batch, n_products)`` scores.
        """
        scores = self.user_factors[anchors] @ self.item_factors.T
        return scores if self.item_bias is None else scores + self.item_bias


def interaction_matrix(train_pairs: pd.DataFrame, n_products: int) -> sp.csr_matrix:
    """The symmetric 0/1 training adjacency.

    Args:
        train_pairs: Training positives (product1_id, product2_id).
        n_products: Number of product ids.

    Returns:
        ``(n_products, n_products)`` float32 CSR matrix with 1.0 at (a, b) and
        (b, a) for every training pair, sorted indices, no duplicates.
    """
    indptr, indices = adjacency(
        train_pairs["product1_id"].to_numpy(np.int64),
        train_pairs["product2_id"].to_numpy(np.int64),
        n_products,
    )
    matrix = sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr),
        shape=(n_products, n_products),
    )
    matrix.sum_duplicates()
    np.minimum(matrix.data, 1.0, out=matrix.data)
    return matrix


def _timed(fit: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """Call ``fit`` and return its wall time in seconds."""
    start = time.perf_counter()
    fit(*args, **kwargs)
    return time.perf_counter() - start


def fit_implicit_als(
    matrix: sp.csr_matrix,
    *,
    factors: int = 128,
    iterations: int = 15,
    regularization: float = 0.01,
    alpha: float = 40.0,
    seed: int = 42,
    num_threads: int = 0,
) -> tuple[PeerModel, float]:
    """Fit ``implicit``'s CPU alternating least squares (conjugate gradient).

    BLAS runs single-threaded during the fit, as ``implicit`` recommends (its own
    threads parallelise over rows).

    Args:
        matrix: Product × product interactions (:func:`interaction_matrix`).
        factors: Latent factors.
        iterations: ALS sweeps.
        regularization: L2 regularisation.
        alpha: Confidence of an observed interaction (``1 + alpha * r``).
        seed: Seed of the initial factors.
        num_threads: Threads of the fit (0: all cores).

    Returns:
        The model and the fit's wall time in seconds.
    """
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            num_threads=num_threads,
            random_state=seed,
        )
        seconds = _timed(model.fit, matrix, show_progress=False)
    return PeerModel.from_numpy(model.user_factors, model.item_factors), seconds


def fit_implicit_bpr(
    matrix: sp.csr_matrix,
    *,
    factors: int = 128,
    iterations: int = 50,
    learning_rate: float = 0.1,
    regularization: float = 0.01,
    seed: int = 42,
    num_threads: int = 0,
) -> tuple[PeerModel, float]:
    """Fit ``implicit``'s CPU Bayesian personalised ranking.

    ``implicit`` stores the item bias as an extra last factor column, with 1.0 in
    the matching column of every user; that column becomes
    :attr:`PeerModel.item_bias`, which leaves the scores unchanged.

    Args:
        matrix: Product × product interactions (:func:`interaction_matrix`).
        factors: Latent factors (without the bias column).
        iterations: Epochs (each draws as many triples as there are interactions).
        learning_rate: SGD learning rate.
        regularization: L2 regularisation.
        seed: Seed of the initial factors and of the sampling.
        num_threads: Threads of the fit (0: all cores; more than one is not
            reproducible).

    Returns:
        The model and the fit's wall time in seconds.

    Raises:
        RuntimeError: If the fitted factors do not have the bias column layout.
    """
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    model = BayesianPersonalizedRanking(
        factors=factors,
        learning_rate=learning_rate,
        regularization=regularization,
        iterations=iterations,
        num_threads=num_threads,
        random_state=seed,
    )
    seconds = _timed(model.fit, matrix, show_progress=False)
    users, items = model.user_factors, model.item_factors
    if users.shape[1] != factors + 1 or not np.all(users[:, -1] == 1.0):
        raise RuntimeError(
            "implicit BPR factors lack the expected bias column "
            f"(shape {users.shape}, factors {factors})"
        )
    return PeerModel.from_numpy(users[:, :-1], items[:, :-1], items[:, -1]), seconds


def fit_cornac_bpr(
    matrix: sp.csr_matrix,
    *,
    k: int = 128,
    max_iter: int = 50,
    learning_rate: float = 0.2,
    lambda_reg: float = 0.01,
    seed: int = 42,
) -> tuple[PeerModel, float]:
    """Fit ``cornac``'s Bayesian personalised ranking (single-threaded when seeded).

    ``cornac`` indexes users and items in order of appearance and knows only
    products with a training interaction; the others get zero factors and the
    smallest learned bias, so they never outrank a trained product on bias alone.

    Args:
        matrix: Product × product interactions (:func:`interaction_matrix`).
        k: Latent factors.
        max_iter: Epochs (each draws as many triples as there are interactions).
        learning_rate: SGD learning rate.
        lambda_reg: L2 regularisation.
        seed: Seed of the initial factors and of the sampling.

    Returns:
        The model and the fit's wall time in seconds.
    """
    from cornac.data import Dataset
    from cornac.models import BPR

    coo = matrix.tocoo()
    dataset = Dataset.from_uir(
        list(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist())), seed=seed
    )
    model = BPR(
        k=k,
        max_iter=max_iter,
        learning_rate=learning_rate,
        lambda_reg=lambda_reg,
        seed=seed,
        verbose=False,
    )
    seconds = _timed(model.fit, dataset)
    n_products = matrix.shape[0]
    return PeerModel.from_numpy(
        _by_product(dataset.uid_map, model.u_factors, n_products, 0.0),
        _by_product(dataset.iid_map, model.i_factors, n_products, 0.0),
        _by_product(
            dataset.iid_map, model.i_biases, n_products, float(model.i_biases.min())
        ),
    ), seconds


def _by_product(
    id_map: Mapping[int, int], values: np.ndarray, n_products: int, fill: float
) -> np.ndarray:
    """Reorder rows indexed by a library's internal ids into product id order.

    Args:
        id_map: Product id → internal row.
        values: Rows in internal order.
        n_products: Number of product ids.
        fill: Value of the products missing from ``id_map``.

    Returns:
        ``(n_products, *values.shape[1:])`` rows in product id order.
    """
    products = np.fromiter(id_map.keys(), dtype=np.int64, count=len(id_map))
    rows = np.fromiter(id_map.values(), dtype=np.int64, count=len(id_map))
    out = np.full((n_products, *values.shape[1:]), fill, dtype=np.float32)
    out[products] = values[rows]
    return out


#: Peer name → fit function ``(matrix, **kwargs) -> (PeerModel, fit_seconds)``.
PEERS: dict[str, Callable[..., tuple[PeerModel, float]]] = {
    "implicit_als": fit_implicit_als,
    "implicit_bpr": fit_implicit_bpr,
    "cornac_bpr": fit_cornac_bpr,
}

_LIBRARIES = {
    "implicit_als": "implicit",
    "implicit_bpr": "implicit",
    "cornac_bpr": "cornac",
}


def _importable(library: str) -> bool:
    """Whether ``library`` imports."""
    try:
        importlib.import_module(library)
    except ImportError:
        return False
    return True


def available_peers() -> list[str]:
    """Names of the peers whose library imports.

    Returns:
        A subset of :data:`PEERS`, in its order.
    """
    return [name for name in PEERS if _importable(_LIBRARIES[name])]


def evaluate_peer(
    name: str,
    train_pairs: pd.DataFrame,
    validation_pairs: pd.DataFrame,
    n_products: int,
    *,
    ranking_sample_size: int = 2000,
    k: int = 10,
    seed: int = 7,
    batch_size: int = 256,
    fit_kwargs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit a peer on the training pairs and evaluate it like our model.

    Args:
        name: A key of :data:`PEERS`.
        train_pairs: Training positives (product1_id, product2_id).
        validation_pairs: Validation pairs with ``label`` and ``seen``.
        n_products: Number of product ids.
        ranking_sample_size: Validation positives ranked.
        k: Cut-off of recall@k and NDCG@k.
        seed: Seed of the ranking sample (the fit has its own ``seed``).
        batch_size: Anchors scored at once when ranking.
        fit_kwargs: Keyword arguments of the peer's fit function (a mapping, not
            ``**kwargs``: ``k`` and ``seed`` mean the cut-off and the ranking seed
            here, but the factor count and fit seed in :func:`fit_cornac_bpr`).

    Returns:
        ``name``, ``fit_seconds`` and the metrics of
        :func:`baseline_recsys.evaluation.evaluate`.

    Raises:
        KeyError: If ``name`` is not a peer.
        ImportError: If the peer's library is not installed.
    """
    if name not in PEERS:
        raise KeyError(f"unknown peer {name!r}; choose from {sorted(PEERS)}")
    if name not in available_peers():
        raise ImportError(
            f"peer {name!r} needs {_LIBRARIES[name]!r}: pip install -e '.[bench]'"
        )
    matrix = interaction_matrix(train_pairs, n_products)
    model, fit_seconds = PEERS[name](matrix, **(fit_kwargs or {}))
    result = evaluate(
        model,
        train_pairs,
        validation_pairs,
        ranking_sample_size=ranking_sample_size,
        k=k,
        batch_size=batch_size,
        seed=seed,
    )
    return {"name": name, "fit_seconds": fit_seconds, **result.metrics}
