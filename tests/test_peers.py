"""Peer libraries (benchmarks/peers.py) on a planted two-clique graph."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pandas as pd
import pytest
import torch

pytest.importorskip("implicit", reason="needs the bench extra (implicit)")
pytest.importorskip("cornac", reason="needs the bench extra (cornac)")

from benchmarks.peers import (  # noqa: E402
    PEERS,
    PeerModel,
    available_peers,
    evaluate_peer,
    fit_cornac_bpr,
    fit_implicit_bpr,
    interaction_matrix,
)

CLIQUE = 20
#: Two cliques of 20 products, then two products absent from training.
N_PRODUCTS = 2 * CLIQUE + 2
ABSENT = [2 * CLIQUE, 2 * CLIQUE + 1]

#: Small, fast settings under which every peer separates the cliques.
FAST = {
    "implicit_als": {"factors": 8, "iterations": 5, "num_threads": 1},
    "implicit_bpr": {
        "factors": 8,
        "iterations": 100,
        "learning_rate": 0.05,
        "num_threads": 1,
    },
    "cornac_bpr": {"k": 8, "max_iter": 100, "learning_rate": 0.05},
}


def _pairs(pairs: list[tuple[int, int]], **columns: object) -> pd.DataFrame:
    p1, p2 = zip(*pairs, strict=True)
    return pd.DataFrame({"product1_id": p1, "product2_id": p2, **columns})


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train on 70% of the within-clique edges; validate on the rest (positives),
    as many across-clique pairs (negatives), and pairs with absent products."""
    rng = np.random.default_rng(0)
    inside = [
        pair
        for start in (0, CLIQUE)
        for pair in itertools.combinations(range(start, start + CLIQUE), 2)
    ]
    rng.shuffle(inside)
    n_train = int(0.7 * len(inside))
    train, held_out = inside[:n_train], inside[n_train:]
    across = [(a, b) for a in range(CLIQUE) for b in range(CLIQUE, 2 * CLIQUE)]
    negatives = [across[i] for i in rng.choice(len(across), len(held_out), False)]
    absent = [(0, ABSENT[0]), (CLIQUE, ABSENT[1]), (1, ABSENT[1]), *[tuple(ABSENT)]]
    validation = _pairs(
        held_out + negatives + absent,
        label=[1] * len(held_out) + [0] * len(negatives) + [1, 1, 0, 0],
        seen=[True] * (len(held_out) + len(negatives)) + [False] * len(absent),
    )
    return _pairs(train), validation


def test_interaction_matrix_is_symmetric_binary() -> None:
    train = _pairs([(0, 1), (0, 1), (1, 0), (2, 3), (1, 3)])
    matrix = interaction_matrix(train, 5)
    assert matrix.shape == (5, 5)
    assert matrix.dtype == np.float32
    assert matrix.nnz == 6  # three undirected pairs, both directions
    assert set(matrix.data) == {1.0}
    assert (matrix != matrix.T).nnz == 0
    assert matrix[4].nnz == 0


def test_available_peers_lists_all() -> None:
    assert available_peers() == list(PEERS)


def test_unknown_peer_raises(planted: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    with pytest.raises(KeyError, match="unknown peer"):
        evaluate_peer("lightfm", *planted, N_PRODUCTS)


def test_peer_model_checks_shapes() -> None:
    with pytest.raises(ValueError, match="same shape"):
        PeerModel(torch.zeros(3, 2), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="item_bias"):
        PeerModel(torch.zeros(3, 2), torch.zeros(3, 2), torch.zeros(4))


@pytest.mark.parametrize("name", list(PEERS))
def test_peer_separates_cliques(
    name: str, planted: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    metrics = evaluate_peer(name, *planted, N_PRODUCTS, k=5, fit_kwargs=FAST[name])
    assert metrics["name"] == name
    assert metrics["fit_seconds"] > 0
    assert metrics["roc_auc_seen"] > 0.8
    assert metrics["roc_auc"] > 0.8
    assert metrics["recall_at_5"] > 0.2  # random: about 5 of 31 candidates


@pytest.mark.parametrize("name", list(PEERS))
def test_scores_agree_and_absent_products_are_neutral(
    name: str, planted: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    model, _ = PEERS[name](interaction_matrix(planted[0], N_PRODUCTS), **FAST[name])
    assert model.n_products == N_PRODUCTS
    all_scores = model.score_all(torch.arange(N_PRODUCTS))
    assert all_scores.shape == (N_PRODUCTS, N_PRODUCTS)
    assert torch.isfinite(all_scores).all()
    p1, p2 = (torch.from_numpy(x) for x in np.indices((N_PRODUCTS,) * 2))
    pair_scores = model.score_pairs(p1.flatten(), p2.flatten(), batch_size=100)
    torch.testing.assert_close(pair_scores.view(N_PRODUCTS, -1), all_scores)
    assert not model.user_factors[ABSENT].any()
    assert not model.item_factors[ABSENT].any()
    if name == "cornac_bpr":  # unknown to cornac: the smallest learned bias
        assert (model.item_bias[ABSENT] == model.item_bias[: 2 * CLIQUE].min()).all()


def test_implicit_bpr_bias_column_keeps_scores(
    planted: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    from implicit.cpu.bpr import BayesianPersonalizedRanking

    matrix = interaction_matrix(planted[0], N_PRODUCTS)
    model, _ = fit_implicit_bpr(matrix, seed=3, **FAST["implicit_bpr"])
    fast = FAST["implicit_bpr"]
    reference = BayesianPersonalizedRanking(
        factors=fast["factors"],
        learning_rate=fast["learning_rate"],
        iterations=fast["iterations"],
        num_threads=1,
        random_state=3,
    )
    reference.fit(matrix, show_progress=False)
    expected = reference.user_factors @ reference.item_factors.T
    np.testing.assert_allclose(
        model.score_all(torch.arange(N_PRODUCTS)).numpy(), expected, atol=1e-5
    )


def test_cornac_ids_map_back_to_products(
    planted: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    from cornac.data import Dataset
    from cornac.models import BPR

    matrix = interaction_matrix(planted[0], N_PRODUCTS)
    model, _ = fit_cornac_bpr(matrix, seed=3, **FAST["cornac_bpr"])
    coo = matrix.tocoo()
    dataset = Dataset.from_uir(
        list(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist())), seed=3
    )
    fast = FAST["cornac_bpr"]
    reference = BPR(
        k=fast["k"],
        max_iter=fast["max_iter"],
        learning_rate=fast["learning_rate"],
        seed=3,
    ).fit(dataset)
    items = list(dataset.iid_map)  # product ids in cornac's item order
    for product in (0, 7, CLIQUE + 3):
        expected = reference.score(dataset.uid_map[product])
        got = model.score_all(torch.tensor([product]))[0, items].numpy()
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_missing_library_is_skipped_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, planted: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    monkeypatch.setitem(sys.modules, "cornac", None)  # import cornac now fails
    assert available_peers() == ["implicit_als", "implicit_bpr"]
    with pytest.raises(ImportError, match=r"\.\[bench\]"):
        evaluate_peer("cornac_bpr", *planted, N_PRODUCTS)
