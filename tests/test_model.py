"""Tests of :class:`baseline_recsys.model.MatrixFactorization`."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from baseline_recsys.model import MatrixFactorization


def _model(
    *, use_bias: bool = True, sparse: bool = True, seed: int = 0
) -> MatrixFactorization:
    return MatrixFactorization(
        7,
        4,
        use_bias=use_bias,
        sparse=sparse,
        generator=torch.Generator().manual_seed(seed),
    )


def _with_random_biases(
    model: MatrixFactorization, seed: int = 1
) -> MatrixFactorization:
    """Give the (zero-initialised) biases non-zero values, so they matter in scores."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model.biases.weight.copy_(torch.randn(model.biases.weight.shape, generator=gen))
        model.global_bias.fill_(0.25)
    return model


@pytest.mark.parametrize("use_bias", [True, False])
def test_forward_shape_one_d(use_bias: bool) -> None:
    model = _model(use_bias=use_bias)
    out = model(torch.tensor([0, 1, 2]), torch.tensor([3, 4, 5]))
    assert out.shape == (3,)
    assert out.dtype == torch.float32


@pytest.mark.parametrize("use_bias", [True, False])
def test_forward_shape_two_d(use_bias: bool) -> None:
    model = _model(use_bias=use_bias)
    others = torch.tensor([[1, 2, 3, 4, 5], [0, 0, 6, 6, 6]])
    out = model(torch.tensor([0, 1]), others)
    assert out.shape == (2, 5)


@pytest.mark.parametrize("use_bias", [True, False])
def test_two_d_scores_match_one_d_scores(use_bias: bool) -> None:
    model = _model(use_bias=use_bias)
    if use_bias:
        _with_random_biases(model)
    anchors = torch.tensor([0, 1, 6])
    others = torch.tensor([[1, 2], [5, 3], [6, 0]])
    wide = model(anchors, others)
    for j in range(others.shape[1]):
        torch.testing.assert_close(wide[:, j], model(anchors, others[:, j]))


def test_bias_changes_parameter_set() -> None:
    with_bias = {name for name, _ in _model(use_bias=True).named_parameters()}
    without = {name for name, _ in _model(use_bias=False).named_parameters()}
    assert with_bias == {"embeddings.weight", "biases.weight", "global_bias"}
    assert without == {"embeddings.weight"}
    assert _model(use_bias=True).biases.weight.shape == (7, 1)


def test_sizes_are_exposed() -> None:
    model = _model()
    assert model.n_products == 7
    assert model.dim == 4


def _hand_model(*, use_bias: bool) -> MatrixFactorization:
    model = MatrixFactorization(3, 2, use_bias=use_bias, sparse=False)
    with torch.no_grad():
        model.embeddings.weight.copy_(
            torch.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
        )
        if use_bias:
            model.biases.weight.copy_(torch.tensor([[0.1], [-0.2], [0.3]]))
            model.global_bias.fill_(0.05)
    return model


def test_score_is_dot_product_without_bias() -> None:
    model = _hand_model(use_bias=False)
    scores = model(torch.tensor([0, 0, 1, 2]), torch.tensor([1, 2, 2, 2]))
    # (1,2)·(3,-1) = 1; (1,2)·(.5,.5) = 1.5; (3,-1)·(.5,.5) = 1; (.5,.5)·(.5,.5) = .5
    torch.testing.assert_close(scores, torch.tensor([1.0, 1.5, 1.0, 0.5]))


def test_score_is_dot_product_plus_biases() -> None:
    model = _hand_model(use_bias=True)
    scores = model(torch.tensor([0, 0, 1]), torch.tensor([1, 2, 2]))
    expected = torch.tensor(
        [
            1.0 + 0.1 - 0.2 + 0.05,
            1.5 + 0.1 + 0.3 + 0.05,
            1.0 - 0.2 + 0.3 + 0.05,
        ]
    )
    torch.testing.assert_close(scores, expected)
    wide = model(torch.tensor([0]), torch.tensor([[1, 2]]))
    torch.testing.assert_close(wide, expected[:2].unsqueeze(0))


def test_score_is_symmetric() -> None:
    model = _with_random_biases(_model())
    a, b = torch.tensor([0, 3, 5]), torch.tensor([2, 4, 1])
    torch.testing.assert_close(model(a, b), model(b, a))


def test_penalty_is_sum_of_squares_of_rows_used() -> None:
    model = _hand_model(use_bias=True)
    _, penalty, bias_penalty = model.scores_and_penalties(
        torch.tensor([0]), torch.tensor([[1, 1]])
    )
    # anchor row 0 once (1+4) + row 1 twice (9+1 each); biases .01 + 2 * .04
    assert float(penalty.detach()) == pytest.approx(5.0 + 2 * 10.0, rel=1e-6)
    assert float(bias_penalty.detach()) == pytest.approx(0.01 + 2 * 0.04, rel=1e-6)


def test_penalty_without_bias_ignores_biases() -> None:
    model = _hand_model(use_bias=False)
    _, penalty, bias_penalty = model.scores_and_penalties(
        torch.tensor([2]), torch.tensor([0])
    )
    assert float(penalty.detach()) == pytest.approx(0.5 + 5.0)
    assert float(bias_penalty.detach()) == 0.0


@pytest.mark.parametrize("use_bias", [True, False])
def test_score_all_agrees_with_score_pairs(use_bias: bool) -> None:
    model = _model(use_bias=use_bias)
    if use_bias:
        _with_random_biases(model)
    anchors = torch.tensor([0, 3, 6])
    full = model.score_all(anchors)
    assert full.shape == (3, 7)
    all_ids = torch.arange(7)
    for row, a in enumerate(anchors):
        pairs = model.score_pairs(a.repeat(7), all_ids)
        torch.testing.assert_close(full[row], pairs)


def test_score_pairs_batches_and_has_no_grad() -> None:
    model = _with_random_biases(_model())
    p1 = torch.tensor([0, 1, 2, 3, 4, 5, 6])
    p2 = torch.tensor([6, 5, 4, 3, 2, 1, 0])
    batched = model.score_pairs(p1, p2, batch_size=3)
    assert not batched.requires_grad
    with torch.no_grad():
        torch.testing.assert_close(batched, model(p1, p2))


def test_score_pairs_empty() -> None:
    model = _model()
    out = model.score_pairs(
        torch.empty(0, dtype=torch.long), torch.empty(0, dtype=torch.long)
    )
    assert out.shape == (0,)


@pytest.mark.parametrize("use_bias", [True, False])
def test_from_state_dict_round_trip(use_bias: bool, tmp_path: Path) -> None:
    model = _model(use_bias=use_bias)
    if use_bias:
        _with_random_biases(model)
    path = tmp_path / "model.pt"
    torch.save(model.state_dict(), path)
    state = torch.load(path, weights_only=True)
    rebuilt = MatrixFactorization.from_state_dict(state)
    assert rebuilt.use_bias is use_bias
    assert (rebuilt.n_products, rebuilt.dim) == (7, 4)
    assert not rebuilt.training
    assert rebuilt.state_dict().keys() == model.state_dict().keys()
    for key, value in model.state_dict().items():
        assert torch.equal(rebuilt.state_dict()[key], value), key
    anchors = torch.tensor([1, 4])
    assert torch.equal(rebuilt.score_all(anchors), model.score_all(anchors))


def test_from_state_dict_holds_the_given_tensors_not_copies() -> None:
    state = _model().state_dict()
    rebuilt = MatrixFactorization.from_state_dict(state)
    assert rebuilt.embeddings.weight.data_ptr() == state["embeddings.weight"].data_ptr()
    assert rebuilt.biases.weight.data_ptr() == state["biases.weight"].data_ptr()
    assert rebuilt.embeddings.weight.device.type == "cpu"


def test_from_state_dict_sparse_flag() -> None:
    state = _model().state_dict()
    assert MatrixFactorization.from_state_dict(state).embeddings.sparse is False
    assert (
        MatrixFactorization.from_state_dict(state, sparse=True).embeddings.sparse
        is True
    )


def test_init_std_is_small() -> None:
    model = MatrixFactorization(2000, 32, generator=torch.Generator().manual_seed(0))
    std = float(model.embeddings.weight.detach().std())
    assert std == pytest.approx(0.1, rel=0.05)
    assert float(model.embeddings.weight.detach().mean()) == pytest.approx(
        0.0, abs=0.01
    )
    assert torch.count_nonzero(model.biases.weight) == 0
    assert float(model.global_bias.detach()) == 0.0


def test_init_std_is_configurable() -> None:
    model = MatrixFactorization(
        2000, 32, init_std=0.01, generator=torch.Generator().manual_seed(0)
    )
    assert float(model.embeddings.weight.detach().std()) == pytest.approx(
        0.01, rel=0.05
    )


def test_generator_makes_init_reproducible() -> None:
    a = _model(seed=3).embeddings.weight
    b = _model(seed=3).embeddings.weight
    c = _model(seed=4).embeddings.weight
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_sparse_flag_gives_sparse_gradients() -> None:
    for sparse in (True, False):
        model = _model(sparse=sparse)
        model(torch.tensor([0]), torch.tensor([1])).sum().backward()
        assert model.embeddings.weight.grad.is_sparse is sparse


@pytest.mark.parametrize(("n_products", "dim"), [(0, 4), (5, 0), (-1, 4), (5, -2)])
def test_non_positive_sizes_raise(n_products: int, dim: int) -> None:
    with pytest.raises(ValueError, match="must be >= 1"):
        MatrixFactorization(n_products, dim)
