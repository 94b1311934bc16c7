"""Tests of :func:`baseline_recsys.training.fit`."""

from __future__ import annotations

import itertools
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from baseline_recsys import training
from baseline_recsys.config import TrainParams
from baseline_recsys.model import MatrixFactorization
from baseline_recsys.training import FitResult, PairData, fit, validation_auc

CLIQUE_SIZE = 15
N_CLIQUES = 2
N_PRODUCTS = CLIQUE_SIZE * N_CLIQUES


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """One torch thread (exact determinism, no oversubscription); restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _pairs(pairs: list[tuple[int, int]], label: list[int] | None = None) -> PairData:
    p = torch.tensor(pairs, dtype=torch.int64)
    return PairData(
        p1=p[:, 0].clone(),
        p2=p[:, 1].clone(),
        weight=torch.ones(len(pairs)),
        label=None if label is None else torch.tensor(label, dtype=torch.int64),
    )


def _clique_data() -> tuple[PairData, PairData]:
    """Two disjoint cliques: 4/5 of within-clique pairs train, the rest validate.

    Validation negatives are as many cross-clique pairs.
    """
    within = [
        (c * CLIQUE_SIZE + i, c * CLIQUE_SIZE + j)
        for c in range(N_CLIQUES)
        for i, j in itertools.combinations(range(CLIQUE_SIZE), 2)
    ]
    held_out = within[::5]
    train = [p for k, p in enumerate(within) if k % 5]
    rng = np.random.default_rng(0)
    a = rng.integers(0, CLIQUE_SIZE, len(held_out))
    b = rng.integers(CLIQUE_SIZE, 2 * CLIQUE_SIZE, len(held_out))
    cross = [(int(x), int(y)) for x, y in zip(a, b, strict=True)]
    validation = _pairs(held_out + cross, [1] * len(held_out) + [0] * len(cross))
    return _pairs(train), validation


@pytest.fixture(scope="module")
def cliques() -> tuple[PairData, PairData]:
    return _clique_data()


def _cfg(**overrides: Any) -> TrainParams:
    params: dict[str, Any] = {
        "embedding_dim": 8,
        "epochs": 3,
        "batch_size": 16,
        "optimizer": "sparse_adam",
        "lr": 0.05,
        "negatives_per_positive": 3,
        "negative_power": 0.0,
        "eval_every_steps": 4,
        "eval_sample_size": 1000,
        "checkpoint_dir": None,
        "seed": 0,
    }
    params.update(overrides)
    # adam and sparse_adam need the PyTorch reference engine; sgd and adagrad run
    # on the fused kernel unless a test asks otherwise
    params.setdefault(
        "engine", "torch" if params["optimizer"] in ("adam", "sparse_adam") else "fused"
    )
    return TrainParams(**params)


def _fit(train: PairData, cfg: TrainParams, **kwargs: Any) -> FitResult:
    return fit(train, N_PRODUCTS, cfg, progress=False, **kwargs)


def _assert_same_state(a: MatrixFactorization, b: MatrixFactorization) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def _auc(model: MatrixFactorization, data: PairData) -> float:
    assert data.label is not None
    return float(
        roc_auc_score(data.label.numpy(), model.score_pairs(data.p1, data.p2).numpy())
    )


# --- basics ---------------------------------------------------------------------


def test_zero_pairs_raise() -> None:
    empty = PairData(
        torch.empty(0, dtype=torch.int64),
        torch.empty(0, dtype=torch.int64),
        torch.empty(0),
    )
    with pytest.raises(ValueError, match="zero training pairs"):
        fit(empty, 5, _cfg(), progress=False)


def test_result_shape_and_history(cliques: tuple[PairData, PairData]) -> None:
    train, validation = cliques
    cfg = _cfg(epochs=2)
    result = _fit(train, cfg, validation=validation)
    steps = math.ceil(len(train) / cfg.batch_size)
    assert result.steps_per_epoch == steps
    assert len(result.lr_per_step) == cfg.epochs * steps
    assert result.resumed_from_epoch == 0
    assert result.train_seconds > 0
    assert not result.model.training
    assert result.model.n_products == N_PRODUCTS
    assert result.model.dim == cfg.embedding_dim
    # a log point every eval_every_steps steps, and at the end of every epoch
    logged = [entry["step"] for entry in result.history]
    expected = sorted(
        {s for s in range(1, cfg.epochs * steps + 1) if s % cfg.eval_every_steps == 0}
        | {steps * (e + 1) for e in range(cfg.epochs)}
    )
    assert logged == expected
    for entry in result.history:
        assert set(entry) == {
            "epoch",
            "step",
            "epoch_progress",
            "loss",
            "lr",
            "validation_auc",
        }
        assert entry["lr"] == result.lr_per_step[entry["step"] - 1]
        assert 0.0 <= entry["validation_auc"] <= 1.0
        assert entry["loss"] > 0
    assert result.history[-1]["epoch"] == cfg.epochs
    assert result.history[-1]["epoch_progress"] == pytest.approx(cfg.epochs)
    # the logged AUC at the end is the final model's AUC on the validation pairs
    assert result.history[-1]["validation_auc"] == pytest.approx(
        validation_auc(result.model, validation)
    )


def test_validation_auc_is_nan_without_both_classes(
    cliques: tuple[PairData, PairData],
) -> None:
    train, _ = cliques
    model = MatrixFactorization(N_PRODUCTS, 4)
    assert math.isnan(validation_auc(model, train))  # no labels
    positives = PairData(
        train.p1, train.p2, train.weight, torch.ones(len(train), dtype=torch.int64)
    )
    assert math.isnan(validation_auc(model, positives))
    result = _fit(train, _cfg(epochs=1))
    assert all(math.isnan(entry["validation_auc"]) for entry in result.history)


# --- learning-rate schedule -----------------------------------------------------


def test_lr_restarts_every_epoch_and_decreases_within(
    cliques: tuple[PairData, PairData],
) -> None:
    train, _ = cliques
    cfg = _cfg(epochs=3, lr=0.05, lr_min=0.001)
    result = _fit(train, cfg)
    steps = result.steps_per_epoch
    assert steps >= 4
    lrs = result.lr_per_step
    assert len(lrs) == 3 * steps
    for epoch in range(3):
        within = lrs[epoch * steps : (epoch + 1) * steps]
        assert within[0] == pytest.approx(cfg.lr, rel=1e-12)
        assert all(b < a for a, b in itertools.pairwise(within)), within
        assert within[-1] > cfg.lr_min
        # a cosine from lr towards lr_min, reached at the next restart
        for step, lr in enumerate(within):
            cosine = (
                cfg.lr_min
                + (cfg.lr - cfg.lr_min) * (1 + math.cos(math.pi * step / steps)) / 2
            )
            assert lr == pytest.approx(cosine, rel=1e-9)


def test_lr_schedule_applies_to_every_optimiser_group(
    cliques: tuple[PairData, PairData],
) -> None:
    """sparse_adam with bias has two optimisers; both must follow the schedule."""
    train, _ = cliques
    seen: list[list[float]] = []
    real_step = training._TorchEngine.train_step

    def spy(self: training._TorchEngine, *args: Any) -> float:
        seen.append([opt.param_groups[0]["lr"] for opt in self.optimizers])
        return real_step(self, *args)

    with mock.patch.object(training._TorchEngine, "train_step", spy):
        result = _fit(train, _cfg(epochs=2, optimizer="sparse_adam", use_bias=True))
    assert all(len(lrs) == 2 for lrs in seen)
    assert [lrs[0] for lrs in seen] == pytest.approx(result.lr_per_step)
    assert [lrs[1] for lrs in seen] == pytest.approx(result.lr_per_step)


# --- known answer ---------------------------------------------------------------


def _assert_learns_cliques(
    result: FitResult, validation: PairData, min_auc: float
) -> None:
    model = result.model
    scores = model.score_all(torch.arange(N_PRODUCTS))
    scores.fill_diagonal_(-torch.inf)
    top5 = torch.topk(scores, 5, dim=1).indices
    clique = torch.arange(N_PRODUCTS) // CLIQUE_SIZE
    assert torch.equal(top5 // CLIQUE_SIZE, clique.unsqueeze(1).expand(-1, 5)), top5
    assert _auc(model, validation) > min_auc


@pytest.mark.parametrize(("optimizer", "lr"), [("sparse_adam", 0.05), ("adagrad", 0.1)])
def test_two_cliques_are_separated(
    cliques: tuple[PairData, PairData], optimizer: str, lr: float
) -> None:
    train, validation = cliques
    cfg = _cfg(
        epochs=20,
        optimizer=optimizer,
        lr=lr,
        label_mode="binary",
        eval_every_steps=1000,
    )
    result = _fit(train, cfg, validation=validation)
    _assert_learns_cliques(result, validation, min_auc=0.95)
    assert result.history[-1]["validation_auc"] > 0.95


def test_continuous_labels_separate_cliques(cliques: tuple[PairData, PairData]) -> None:
    train, validation = cliques
    cfg = _cfg(epochs=20, label_mode="continuous", eval_every_steps=1000)
    result = _fit(train, cfg, validation=validation)
    _assert_learns_cliques(result, validation, min_auc=0.9)
    assert result.history[-1]["loss"] < result.history[0]["loss"]


# --- determinism ----------------------------------------------------------------


def test_same_seed_same_model_and_history(cliques: tuple[PairData, PairData]) -> None:
    train, validation = cliques
    first = _fit(train, _cfg(seed=3), validation=validation)
    second = _fit(train, _cfg(seed=3), validation=validation)
    _assert_same_state(first.model, second.model)
    assert first.history == second.history
    assert first.lr_per_step == second.lr_per_step


def test_different_seed_different_model(cliques: tuple[PairData, PairData]) -> None:
    train, _ = cliques
    first = _fit(train, _cfg(seed=3))
    other = _fit(train, _cfg(seed=4))
    assert not torch.equal(first.model.embeddings.weight, other.model.embeddings.weight)


# --- checkpoints ----------------------------------------------------------------


class _Interrupt(Exception):
    """Stands in for Ctrl-C (a KeyboardInterrupt would also stop pytest)."""


def _interrupting_save(after_epoch: int):
    real = training._save_checkpoint

    def save(
        path: Path, fingerprint: str, epoch: int, *args: Any, **kwargs: Any
    ) -> None:
        real(path, fingerprint, epoch, *args, **kwargs)
        if epoch == after_epoch:
            raise _Interrupt(f"interrupted after epoch {epoch}")

    return save


@pytest.mark.parametrize(
    ("optimizer", "use_bias", "l2"),
    [
        ("sparse_adam", True, 0.0),
        ("adam", False, 1e-3),
        ("adagrad", True, 1e-3),
        ("sgd", True, 0.0),
    ],
)
def test_resume_after_interruption_matches_uninterrupted_run(
    cliques: tuple[PairData, PairData],
    tmp_path: Path,
    optimizer: str,
    use_bias: bool,
    l2: float,
) -> None:
    train, validation = cliques
    cfg = _cfg(epochs=3, optimizer=optimizer, use_bias=use_bias, l2=l2, lr=0.05)
    reference = _fit(
        train, cfg, validation=validation, checkpoint_path=tmp_path / "reference.pt"
    )
    assert (tmp_path / "reference.pt").is_file()

    path = tmp_path / "interrupted.pt"
    with (
        mock.patch.object(training, "_save_checkpoint", _interrupting_save(2)),
        pytest.raises(_Interrupt),
    ):
        _fit(train, cfg, validation=validation, checkpoint_path=path)
    assert torch.load(path, weights_only=True)["epoch"] == 2

    resumed = _fit(train, cfg, validation=validation, checkpoint_path=path)
    assert resumed.resumed_from_epoch == 2
    _assert_same_state(resumed.model, reference.model)
    assert resumed.history == reference.history
    assert resumed.lr_per_step == reference.lr_per_step
    assert torch.load(path, weights_only=True)["epoch"] == 3


def test_checkpoint_with_other_parameters_is_ignored(
    cliques: tuple[PairData, PairData], tmp_path: Path
) -> None:
    train, _ = cliques
    path = tmp_path / "model.pt"
    _fit(train, _cfg(lr=0.05), checkpoint_path=path)
    assert path.is_file()
    fresh = _fit(train, _cfg(lr=0.02), checkpoint_path=path)
    assert fresh.resumed_from_epoch == 0
    _assert_same_state(fresh.model, _fit(train, _cfg(lr=0.02)).model)


def test_checkpoint_with_other_data_is_ignored(
    cliques: tuple[PairData, PairData], tmp_path: Path
) -> None:
    train, _ = cliques
    path = tmp_path / "model.pt"
    _fit(train, _cfg(), checkpoint_path=path)
    fewer = PairData(train.p1[:-1], train.p2[:-1], train.weight[:-1])
    assert _fit(fewer, _cfg(), checkpoint_path=path).resumed_from_epoch == 0


def test_checkpoint_with_other_pairs_of_equal_sums_is_ignored(
    cliques: tuple[PairData, PairData], tmp_path: Path
) -> None:
    train, _ = cliques
    path = tmp_path / "model.pt"
    _fit(train, _cfg(), checkpoint_path=path)
    p2 = train.p2.clone()
    # the first and last pairs, (0, 2) and (28, 29), become (0, 29) and (28, 2)
    p2[0], p2[-1] = train.p2[-1], train.p2[0]
    assert (int(train.p1[0]), int(p2[0]), int(train.p1[-1]), int(p2[-1])) == (
        0,
        29,
        28,
        2,
    )
    other = PairData(train.p1, p2, train.weight)
    assert int(other.p1.sum()) == int(train.p1.sum())
    assert int(other.p2.sum()) == int(train.p2.sum())
    assert _fit(other, _cfg(), checkpoint_path=path).resumed_from_epoch == 0


def test_resume_false_ignores_checkpoint(
    cliques: tuple[PairData, PairData], tmp_path: Path
) -> None:
    train, _ = cliques
    path = tmp_path / "model.pt"
    _fit(train, _cfg(), checkpoint_path=path)
    assert _fit(train, _cfg(resume=False), checkpoint_path=path).resumed_from_epoch == 0


def test_finished_checkpoint_is_returned_without_training(
    cliques: tuple[PairData, PairData], tmp_path: Path
) -> None:
    train, _ = cliques
    path = tmp_path / "model.pt"
    first = _fit(train, _cfg(), checkpoint_path=path)
    again = _fit(train, _cfg(), checkpoint_path=path)
    assert again.resumed_from_epoch == 3
    _assert_same_state(again.model, first.model)
    assert not again.model.training
    assert again.lr_per_step == first.lr_per_step


def test_unreadable_checkpoint_is_ignored(
    cliques: tuple[PairData, PairData], tmp_path: Path
) -> None:
    train, _ = cliques
    path = tmp_path / "model.pt"
    path.write_bytes(b"not a checkpoint")
    result = _fit(train, _cfg(), checkpoint_path=path)
    assert result.resumed_from_epoch == 0
    assert torch.load(path, weights_only=True)["epoch"] == 3


def test_checkpoint_copy_resumes(
    cliques: tuple[PairData, PairData], tmp_path: Path
) -> None:
    """A checkpoint file moved elsewhere still resumes (nothing ties it to its path)."""
    train, _ = cliques
    reference = _fit(train, _cfg(), checkpoint_path=tmp_path / "a.pt")
    with (
        mock.patch.object(training, "_save_checkpoint", _interrupting_save(1)),
        pytest.raises(_Interrupt),
    ):
        _fit(train, _cfg(), checkpoint_path=tmp_path / "b.pt")
    shutil.copy(tmp_path / "b.pt", tmp_path / "c.pt")
    resumed = _fit(train, _cfg(), checkpoint_path=tmp_path / "c.pt")
    assert resumed.resumed_from_epoch == 1
    _assert_same_state(resumed.model, reference.model)


# --- L2 penalty -----------------------------------------------------------------


def _initial_model(cfg: TrainParams, n_products: int) -> MatrixFactorization:
    """The model ``fit`` starts from (its generator is seeded with ``cfg.seed``)."""
    return MatrixFactorization(
        n_products,
        cfg.embedding_dim,
        use_bias=cfg.use_bias,
        init_std=cfg.init_std,
        generator=torch.Generator().manual_seed(cfg.seed),
    )


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "sparse_adam", "adam"])
def test_l2_penalises_only_rows_in_the_batch(
    cliques: tuple[PairData, PairData], optimizer: str
) -> None:
    train, _ = cliques
    n_products = N_PRODUCTS + 10  # products 30..39 never appear, so are never sampled
    cfg = _cfg(optimizer=optimizer, l2=0.5, bias_l2=0.5, lr=0.1, epochs=2)
    result = fit(train, n_products, cfg, progress=False)
    start = _initial_model(cfg, n_products)
    untouched = slice(N_PRODUCTS, n_products)
    assert torch.equal(
        result.model.embeddings.weight[untouched], start.embeddings.weight[untouched]
    )
    assert torch.equal(
        result.model.biases.weight[untouched], start.biases.weight[untouched]
    )
    # the trained rows did move
    assert not torch.equal(
        result.model.embeddings.weight[:N_PRODUCTS],
        start.embeddings.weight[:N_PRODUCTS],
    )


def test_l2_shrinks_the_embeddings(cliques: tuple[PairData, PairData]) -> None:
    train, _ = cliques
    plain = _fit(train, _cfg(epochs=5, l2=0.0)).model.embeddings.weight.detach()
    shrunk = _fit(train, _cfg(epochs=5, l2=1.0)).model.embeddings.weight.detach()
    assert float(shrunk.norm()) < 0.8 * float(plain.norm())


@pytest.mark.parametrize("engine", ["fused", "torch"])
def test_bias_l2_shrinks_only_the_biases(
    cliques: tuple[PairData, PairData], engine: str
) -> None:
    train, _ = cliques
    common = dict(engine=engine, optimizer="adagrad", epochs=5, l2=0.03)
    plain = _fit(train, _cfg(bias_l2=0.0, **common)).model
    shrunk = _fit(train, _cfg(bias_l2=5.0, **common)).model
    assert float(shrunk.biases.weight.norm()) < 0.5 * float(plain.biases.weight.norm())
    # the global bias is never penalised, and the embeddings still learn
    assert float(shrunk.embeddings.weight.norm()) > 0.5 * float(
        plain.embeddings.weight.norm()
    )


# --- optimisers -----------------------------------------------------------------

OPTIMIZER_LR = {
    "sgd": 0.05,
    "adagrad": 0.2,
    "rowwise_adagrad": 0.2,
    "adam": 0.05,
    "sparse_adam": 0.05,
}


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZER_LR))
def test_every_optimiser_trains(
    cliques: tuple[PairData, PairData], optimizer: str, use_bias: bool
) -> None:
    train, validation = cliques
    # init_std 0.5: without bias, a small start sits near the all-zero saddle for a while
    cfg = _cfg(
        optimizer=optimizer,
        lr=OPTIMIZER_LR[optimizer],
        use_bias=use_bias,
        epochs=8,
        init_std=0.5,
        eval_every_steps=1000,  # one log entry per epoch: the epoch's mean loss
    )
    result = _fit(train, cfg, validation=validation)
    sparse = optimizer != "adam"
    assert result.model.embeddings.sparse is sparse
    assert result.model.use_bias is use_bias
    losses = [entry["loss"] for entry in result.history]
    assert len(losses) == cfg.epochs
    assert all(math.isfinite(loss) for loss in losses)
    assert losses[-1] < 0.97 * losses[0], losses
    assert torch.isfinite(result.model.embeddings.weight).all()


@pytest.mark.parametrize("use_bias", [False, True])
@pytest.mark.parametrize("label_mode", ["binary", "continuous"])
def test_fused_engine_matches_the_torch_reference_over_epochs(
    use_bias: bool, label_mode: str
) -> None:
    # One pair per batch: the fused kernel's per-pair update is then exactly the
    # reference mini-batch step (up to float rounding and rare repeated negatives).
    rng = np.random.default_rng(1)
    n, n_pairs = 200, 300
    a = rng.integers(0, n, n_pairs)
    b = (a + rng.integers(1, n, n_pairs)) % n
    weight = torch.from_numpy(rng.choice([1.0, 2.2], n_pairs).astype(np.float32))
    train = PairData(torch.from_numpy(a), torch.from_numpy(b), weight)
    common = dict(
        optimizer="sgd",
        use_bias=use_bias,
        label_mode=label_mode,
        batch_size=1,
        epochs=2,
        lr=0.05,
        l2=0.01,
        bias_l2=0.02,
        negatives_per_positive=1,
        init_std=0.3,
    )
    fused = fit(
        train, n, _cfg(engine="fused", **common), progress=False
    ).model.state_dict()
    reference = fit(
        train, n, _cfg(engine="torch", **common), progress=False
    ).model.state_dict()
    assert fused.keys() == reference.keys()
    for key in fused:
        torch.testing.assert_close(fused[key], reference[key], rtol=2e-3, atol=1e-3)


@pytest.mark.parametrize("optimizer", ["sgd", "adagrad", "rowwise_adagrad"])
@pytest.mark.parametrize("use_bias", [False, True])
@pytest.mark.parametrize("label_mode", ["binary", "continuous"])
def test_fused_step_equals_the_torch_step(
    optimizer: str, use_bias: bool, label_mode: str
) -> None:
    # Adagrad's first updates are ±lr·sign(gradient), so over many steps float
    # rounding of a near-zero gradient can flip a coordinate: compare step by step.
    cfg = _cfg(
        optimizer=optimizer,
        use_bias=use_bias,
        label_mode=label_mode,
        lr=0.05,
        l2=0.01,
        bias_l2=0.02,
    )
    reference = MatrixFactorization(
        10, 4, use_bias=use_bias, init_std=0.3, generator=_gen(0)
    )
    fused = MatrixFactorization(10, 4, use_bias=use_bias, init_std=0.3)
    fused.load_state_dict(reference.state_dict())
    torch_engine = training._TorchEngine(reference, cfg)
    fused_engine = training._FusedEngine(fused, cfg)
    for step in range(4):  # one pair per step, rows shared across steps
        anchors = torch.tensor([step % 2])
        candidates = torch.tensor([[step + 2, 9, 8]])
        targets = torch.tensor([2.2])
        loss_ref = torch_engine.train_step(anchors, candidates, targets)
        loss_fused = fused_engine.train_step(anchors, candidates, targets)
        assert loss_fused == pytest.approx(loss_ref, rel=1e-5)
        for key, value in fused.state_dict().items():
            torch.testing.assert_close(
                value, reference.state_dict()[key], rtol=1e-4, atol=1e-6
            )


def test_fused_engine_rejects_adam() -> None:
    with pytest.raises(ValueError, match="engine 'fused' supports"):
        _cfg(engine="fused", optimizer="sparse_adam")


# --- Hogwild (hogwild_threads) ----------------------------------------------------


def test_hogwild_chunks_on_disjoint_rows_equal_the_sequential_pass() -> None:
    # Two threads train the two halves of the batch; when the halves touch disjoint
    # rows there is no race, so however the threads interleave, the result must be
    # exactly the one-thread result: every pair trained once, in its chunk's order.
    # Without bias: the global bias is the one parameter every pair updates.
    from baseline_recsys import kernels

    rng = np.random.default_rng(3)
    n, dim, half = 100, 16, 64
    anchors = np.concatenate(
        [rng.integers(0, 50, half), rng.integers(50, 100, half)]
    ).astype(np.int64)
    candidates = np.concatenate(
        [rng.integers(0, 50, (half, 4)), rng.integers(50, 100, (half, 4))]
    ).astype(np.int64)
    targets = np.ones(2 * half, dtype=np.float32)
    start = rng.normal(0.0, 0.3, (n, dim)).astype(np.float32)

    def run(n_threads: int) -> tuple[float, list[np.ndarray]]:
        state = [
            start.copy(),
            np.zeros((n, dim), np.float32),
            np.zeros(n, np.float32),
            np.zeros(n, np.float32),
            np.zeros(1, np.float32),
            np.zeros(1, np.float32),
        ]
        loss = kernels.train_batch(
            *state,
            anchors,
            candidates,
            targets,
            0.1,
            0.01,
            0.0,
            False,
            kernels.BINARY,
            kernels.ADAGRAD,
            n_threads,
        )
        return loss, state

    loss_one, one = run(1)
    loss_two, two = run(2)
    assert loss_two == pytest.approx(loss_one, rel=1e-5)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("threads", [0, 2])
def test_hogwild_threads_learn_like_one_thread(
    cliques: tuple[PairData, PairData], threads: int
) -> None:
    train, validation = cliques
    common = dict(optimizer="adagrad", lr=0.2, epochs=6, batch_size=64, init_std=0.3)
    one = _fit(train, _cfg(hogwild_threads=1, **common), validation=validation)
    many = _fit(train, _cfg(hogwild_threads=threads, **common), validation=validation)
    assert _auc(one.model, validation) > 0.95
    assert _auc(many.model, validation) > 0.95
    assert many.history[-1]["loss"] == pytest.approx(one.history[-1]["loss"], rel=0.2)


def test_hogwild_threads_do_not_invalidate_a_checkpoint() -> None:
    train, _ = _clique_data()
    one = training._fingerprint(_cfg(hogwild_threads=1), train, N_PRODUCTS)
    two = training._fingerprint(_cfg(hogwild_threads=2), train, N_PRODUCTS)
    assert one == two
