"""Row-wise Adagrad (baseline_recsys.optim): the reference of the fused kernel's update."""

from __future__ import annotations

import copy as copy_module

import pytest
import torch

from baseline_recsys.optim import RowWiseAdagrad


def _embedding(sparse: bool, rows: int = 6, dim: int = 4) -> torch.nn.Embedding:
    emb = torch.nn.Embedding(rows, dim, sparse=sparse)
    with torch.no_grad():
        emb.weight.copy_(torch.arange(rows * dim, dtype=torch.float32).view(rows, dim))
        emb.weight.mul_(0.1)
    return emb


def _loss(emb: torch.nn.Embedding, ids: torch.Tensor) -> torch.Tensor:
    weights = torch.linspace(-1.0, 2.0, emb.embedding_dim)
    return (emb(ids) * weights).sum() + emb(ids).pow(2).sum()


def test_one_step_is_the_row_wise_formula() -> None:
    emb = _embedding(sparse=False)
    start = emb.weight.detach().clone()
    opt = RowWiseAdagrad(emb.parameters(), lr=0.5)
    ids = torch.tensor([1, 3])
    _loss(emb, ids).backward()
    grad = emb.weight.grad.clone()
    opt.step()
    total = grad.pow(2).mean(1)  # one accumulator per row
    expected = start - 0.5 * grad / (total.sqrt() + 1e-10).unsqueeze(1)
    torch.testing.assert_close(emb.weight.detach(), expected)
    torch.testing.assert_close(opt.state[emb.weight]["sum"], total)
    untouched = [0, 2, 4, 5]
    torch.testing.assert_close(emb.weight.detach()[untouched], start[untouched])


def test_sparse_gradients_give_the_dense_result() -> None:
    # repeated ids are coalesced (their gradients summed) before the update
    ids = [torch.tensor([4, 1, 4]), torch.tensor([0, 1]), torch.tensor([5])]
    results = []
    for sparse in (False, True):
        emb = _embedding(sparse)
        opt = RowWiseAdagrad(emb.parameters(), lr=0.1)
        for batch in ids:
            opt.zero_grad()
            _loss(emb, batch).backward()
            assert emb.weight.grad.is_sparse is sparse
            opt.step()
        results.append((emb.weight.detach(), opt.state[emb.weight]["sum"]))
    (dense_w, dense_sum), (sparse_w, sparse_sum) = results
    torch.testing.assert_close(sparse_w, dense_w)
    torch.testing.assert_close(sparse_sum, dense_sum)


@pytest.mark.parametrize("shape", [(5,), (5, 1)])
def test_one_value_per_row_is_plain_adagrad(shape: tuple[int, ...]) -> None:
    # a bias table (n, 1) and the global bias (1-D) get torch's Adagrad exactly
    ours = torch.nn.Parameter(torch.linspace(-1, 1, 5).reshape(shape))
    theirs = torch.nn.Parameter(ours.detach().clone())
    opt_ours = RowWiseAdagrad([ours], lr=0.3)
    opt_theirs = torch.optim.Adagrad([theirs], lr=0.3)
    for step in range(3):
        for param, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            (param.pow(3) * (step + 1)).sum().backward()
            opt.step()
    torch.testing.assert_close(ours.detach(), theirs.detach())


def test_state_dict_round_trip_continues_identically() -> None:
    ids = torch.tensor([0, 2, 2, 5])
    emb = _embedding(sparse=True)
    opt = RowWiseAdagrad(emb.parameters(), lr=0.2)
    _loss(emb, ids).backward()
    opt.step()
    copy = _embedding(sparse=True)
    copy.load_state_dict(emb.state_dict())
    opt_copy = RowWiseAdagrad(copy.parameters(), lr=0.2)
    # deep-copied, as a checkpoint on disk is: load_state_dict keeps tensors as given
    opt_copy.load_state_dict(copy_module.deepcopy(opt.state_dict()))
    for module, optimizer in ((emb, opt), (copy, opt_copy)):
        optimizer.zero_grad()
        _loss(module, ids).backward()
        optimizer.step()
    torch.testing.assert_close(copy.weight.detach(), emb.weight.detach())


def test_works_with_the_learning_rate_scheduler() -> None:
    emb = _embedding(sparse=True)
    opt = RowWiseAdagrad(emb.parameters(), lr=0.4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=4)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        scheduler.step()
    assert lrs[0] == pytest.approx(0.4)
    assert lrs[1] < lrs[0]
    assert lrs[4] == pytest.approx(0.4)  # restarted


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"lr": -1.0}, "learning rate"), ({"eps": -1.0}, "epsilon")]
)
def test_bad_arguments_raise(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        RowWiseAdagrad([torch.nn.Parameter(torch.zeros(2))], **kwargs)
