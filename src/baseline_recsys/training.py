"""Fit :class:`~baseline_recsys.model.MatrixFactorization` on product pairs.

Each step takes ``batch_size`` positive pairs, draws ``negatives_per_positive``
negatives per pair for its anchor (product1, or a random end when ``symmetric``),
scores the positive and its negatives, and adds an L2 penalty on the embedding
rows used in the batch only — penalising the whole table every step made the
seed's step cost grow with the catalogue. The loss is summed over scores, so a
row's gradient does not shrink as the batch grows.

Two engines take the step: ``fused`` (:mod:`baseline_recsys.kernels`, compiled
per-pair SGD / Adagrad updates; the default) and ``torch`` (the PyTorch reference:
autograd over the mini-batch, then a torch optimiser). Negatives, orientation,
shuffling, schedule, logging and checkpoints are shared, so with one pair per
batch both engines produce the same model.

The learning rate follows a cosine from ``lr`` to ``lr_min`` within each epoch and
restarts at every epoch (:class:`torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`
with ``T_0`` = steps per epoch). The seed re-created ``CosineAnnealingLR`` every
epoch, which on current PyTorch trains at lr 0 after the first epoch.

Every epoch ends with a checkpoint (model, optimiser, schedule, RNG state and
history); a run restarted with ``resume`` continues from the last one and, with
the same seed, reaches the same final model as an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from baseline_recsys.atomic import atomic_path
from baseline_recsys.config import TrainParams
from baseline_recsys.losses import get_loss
from baseline_recsys.metrics import safe_roc_auc
from baseline_recsys.model import MatrixFactorization
from baseline_recsys.optim import RowWiseAdagrad
from baseline_recsys.sampling import FrequencySampler

logger = logging.getLogger(__name__)

SPARSE_OPTIMIZERS = frozenset({"sgd", "adagrad", "rowwise_adagrad", "sparse_adam"})


@dataclass(frozen=True)
class PairData:
    """Pairs as tensors of product ids.

    Attributes:
        p1: First product ids (int64).
        p2: Second product ids (int64).
        weight: Pair weight (float32); the target of continuous labels.
        label: 1 for positives, 0 for negatives (validation only).
    """

    p1: torch.Tensor
    p2: torch.Tensor
    weight: torch.Tensor
    label: torch.Tensor | None = None

    def __len__(self) -> int:
        """Number of pairs."""
        return len(self.p1)


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes:
        model: The trained model (eval mode).
        history: One dict per log point: epoch, step, epoch_progress, loss, lr,
            validation_auc.
        train_seconds: Time spent in training steps only (no evaluation, no
            checkpoints), summed over resumed runs.
        steps_per_epoch: Optimiser steps per epoch.
        resumed_from_epoch: Epoch of the checkpoint resumed from (0: fresh).
        lr_per_step: The learning rate used at every optimiser step.
    """

    model: MatrixFactorization
    history: list[dict[str, float]] = field(default_factory=list)
    train_seconds: float = 0.0
    steps_per_epoch: int = 0
    resumed_from_epoch: int = 0
    lr_per_step: list[float] = field(default_factory=list)


class _TorchEngine:
    """The reference step: autograd over a mini-batch, then a torch optimiser step.

    SparseAdam cannot take dense parameters, so the global bias then gets its own
    Adam; both are stepped (and scheduled) together.
    """

    def __init__(self, model: MatrixFactorization, cfg: TrainParams) -> None:
        self.model = model
        self.cfg = cfg
        self.loss_fn = get_loss(cfg.label_mode)
        sparse_params = [p for n, p in model.named_parameters() if n != "global_bias"]
        dense_params = [p for n, p in model.named_parameters() if n == "global_bias"]
        lr = cfg.lr
        if cfg.optimizer == "sgd":
            self.optimizers = [torch.optim.SGD(model.parameters(), lr=lr)]
        elif cfg.optimizer == "adagrad":
            self.optimizers = [torch.optim.Adagrad(model.parameters(), lr=lr)]
        elif cfg.optimizer == "rowwise_adagrad":
            self.optimizers = [RowWiseAdagrad(model.parameters(), lr=lr)]
        elif cfg.optimizer == "adam":
            self.optimizers = [torch.optim.Adam(model.parameters(), lr=lr)]
        else:
            self.optimizers = [torch.optim.SparseAdam(sparse_params, lr=lr)]
            if dense_params:
                self.optimizers.append(torch.optim.Adam(dense_params, lr=lr))

    def train_step(
        self, anchors: torch.Tensor, candidates: torch.Tensor, targets: torch.Tensor
    ) -> float:
        """One optimiser step on a batch; returns the mean loss per score."""
        self.model.train()
        scores, penalty, bias_penalty = self.model.scores_and_penalties(
            anchors, candidates
        )
        mean_loss = self.loss_fn(scores[:, 0], scores[:, 1:], targets)
        # Summed over the batch's scores, so that a row's gradient does not shrink
        # as the batch grows and one lr suits every batch size and optimiser.
        loss = mean_loss * scores.numel()
        if self.cfg.l2:
            loss = loss + self.cfg.l2 * penalty
        if self.cfg.bias_l2:  # bias_penalty is 0 without bias
            loss = loss + self.cfg.bias_l2 * bias_penalty
        for opt in self.optimizers:
            opt.zero_grad(set_to_none=True)
        loss.backward()
        for opt in self.optimizers:
            opt.step()
        return float(mean_loss.detach())

    def state_dict(self) -> list[dict[str, Any]]:
        return [opt.state_dict() for opt in self.optimizers]

    def load_state_dict(self, states: list[dict[str, Any]]) -> None:
        for opt, state in zip(self.optimizers, states, strict=True):
            opt.load_state_dict(state)


class _FusedEngine:
    """The fast step: :func:`baseline_recsys.kernels.train_batch`, per-pair updates.

    Works on the model's own tensors (numpy views share their memory), so the
    PyTorch model is always current. A parameter-less torch optimiser carries the
    learning rate, so the very same scheduler drives both engines.
    """

    def __init__(self, model: MatrixFactorization, cfg: TrainParams) -> None:
        from baseline_recsys import kernels

        self.kernels = kernels
        self.model = model
        self.cfg = cfg
        n = model.n_products
        self.emb = model.embeddings.weight.data.numpy()
        self.bias = (
            model.biases.weight.data.numpy().reshape(-1)
            if model.use_bias
            else np.zeros(1, np.float32)
        )
        self.global_bias = (
            model.global_bias.data.numpy()
            if model.use_bias
            else np.zeros(1, np.float32)
        )
        # Adagrad's accumulators: one per coordinate, or one per row (row-wise);
        # SGD never reads them
        acc_shape = {
            "adagrad": self.emb.shape,
            "rowwise_adagrad": (n, 1),
        }.get(cfg.optimizer, (1, 1))
        self.emb_acc = np.zeros(acc_shape, np.float32)
        self.bias_acc = np.zeros(n if model.use_bias else 1, np.float32)
        self.global_acc = np.zeros(1, np.float32)
        self.optimizers = [
            torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.lr)
        ]
        self._optimizer = {
            "sgd": kernels.SGD,
            "adagrad": kernels.ADAGRAD,
            "rowwise_adagrad": kernels.ROWWISE_ADAGRAD,
        }[cfg.optimizer]
        self._label_mode = (
            kernels.BINARY if cfg.label_mode == "binary" else kernels.CONTINUOUS
        )
        self.n_threads = _hogwild_threads(cfg.hogwild_threads)

    def train_step(
        self, anchors: torch.Tensor, candidates: torch.Tensor, targets: torch.Tensor
    ) -> float:
        """Per-pair updates over a batch; returns the mean loss per score."""
        lr = self.optimizers[0].param_groups[0]["lr"]
        if self.cfg.label_mode == "binary":
            targets = torch.ones_like(targets)
        total = self.kernels.train_batch(
            self.emb,
            self.emb_acc,
            self.bias,
            self.bias_acc,
            self.global_bias,
            self.global_acc,
            anchors.numpy(),
            candidates.numpy(),
            targets.numpy(),
            float(lr),
            float(self.cfg.l2),
            float(self.cfg.bias_l2),
            self.model.use_bias,
            self._label_mode,
            self._optimizer,
            self.n_threads,
        )
        return total / candidates.numel()

    def state_dict(self) -> list[dict[str, Any]]:
        return [
            {
                "emb_acc": torch.from_numpy(self.emb_acc.copy()),
                "bias_acc": torch.from_numpy(self.bias_acc.copy()),
                "global_acc": torch.from_numpy(self.global_acc.copy()),
            }
        ]

    def load_state_dict(self, states: list[dict[str, Any]]) -> None:
        (state,) = states
        self.emb_acc[...] = state["emb_acc"].numpy()
        self.bias_acc[...] = state["bias_acc"].numpy()
        self.global_acc[...] = state["global_acc"].numpy()


def _hogwild_threads(requested: int) -> int:
    """Threads for the fused kernel: ``requested``, or every core numba sees for 0."""
    import numba

    available = numba.config.NUMBA_NUM_THREADS
    threads = min(requested, available) if requested else available
    numba.set_num_threads(threads)
    return threads


def _fingerprint(cfg: TrainParams, train: PairData, n_products: int) -> str:
    """Hash of everything that determines the trained model (for safe resume).

    Covers the parameters (not the resume, checkpoint or thread settings) and
    the training pairs themselves, byte for byte.
    """
    relevant = cfg.model_dump(
        exclude={"resume", "checkpoint_dir", "num_threads", "hogwild_threads"}
    )
    digest = hashlib.sha256(json.dumps([relevant, n_products], sort_keys=True).encode())
    for tensor in (train.p1, train.p2, train.weight):
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def validation_auc(model: MatrixFactorization, data: PairData) -> float:
    """ROC-AUC of the model's scores on labelled pairs (NaN if one class only)."""
    if data.label is None:
        return float("nan")
    auc = safe_roc_auc(data.label.numpy(), model.score_pairs(data.p1, data.p2).numpy())
    return float("nan") if auc is None else auc


def fit(
    train: PairData,
    n_products: int,
    cfg: TrainParams,
    *,
    validation: PairData | None = None,
    checkpoint_path: Path | None = None,
    progress: bool = True,
) -> FitResult:
    """Train a matrix factorisation model.

    Args:
        train: Training positives.
        n_products: Number of product ids.
        cfg: Training parameters.
        validation: Labelled validation pairs for the AUC logged during training
            (a fixed subsample of ``cfg.eval_sample_size`` pairs is used).
        checkpoint_path: Where to write a checkpoint after every epoch (and to
            resume from when ``cfg.resume``); ``None`` for no checkpoints.
        progress: Show a progress bar per epoch.

    Returns:
        The trained model and its history.

    Raises:
        ValueError: If there are no training pairs.
    """
    if len(train) == 0:
        raise ValueError("cannot train on zero training pairs")
    previous_threads = torch.get_num_threads()
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    try:
        return _fit(train, n_products, cfg, validation, checkpoint_path, progress)
    finally:
        torch.set_num_threads(previous_threads)


def _fit(
    train: PairData,
    n_products: int,
    cfg: TrainParams,
    validation: PairData | None,
    checkpoint_path: Path | None,
    progress: bool,
) -> FitResult:
    generator = torch.Generator().manual_seed(cfg.seed)
    model = MatrixFactorization(
        n_products,
        cfg.embedding_dim,
        use_bias=cfg.use_bias,
        sparse=cfg.optimizer in SPARSE_OPTIMIZERS,
        init_std=cfg.init_std,
        generator=generator,
    )
    frequency = torch.bincount(train.p1, minlength=n_products) + torch.bincount(
        train.p2, minlength=n_products
    )
    sampler = FrequencySampler(frequency.numpy(), power=cfg.negative_power)
    engine = (
        _FusedEngine(model, cfg) if cfg.engine == "fused" else _TorchEngine(model, cfg)
    )
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    schedulers = [
        torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
            opt, T_0=steps_per_epoch, eta_min=cfg.lr_min
        )
        for opt in engine.optimizers
    ]
    eval_data = _eval_subsample(validation, cfg.eval_sample_size, cfg.seed)

    result = FitResult(model=model, steps_per_epoch=steps_per_epoch)
    fingerprint = _fingerprint(cfg, train, n_products)
    start_epoch = 0
    if checkpoint_path is not None and cfg.resume and checkpoint_path.is_file():
        start_epoch = _load_checkpoint(
            checkpoint_path,
            fingerprint,
            model,
            engine,
            schedulers,
            generator,
            result,
        )

    for epoch in range(start_epoch, cfg.epochs):
        model.train()
        order = torch.randperm(len(train), generator=generator)
        anchors, others = train.p1, train.p2
        if cfg.symmetric:
            flip = torch.rand(len(train), generator=generator) < 0.5
            anchors, others = (
                torch.where(flip, train.p2, train.p1),
                torch.where(flip, train.p1, train.p2),
            )
        anchors, others, weights = anchors[order], others[order], train.weight[order]
        bar = tqdm(
            total=steps_per_epoch,
            desc=f"epoch {epoch + 1}/{cfg.epochs}",
            disable=not progress,
            leave=False,
            mininterval=1.0,
        )
        running, n_running = 0.0, 0
        tick = time.perf_counter()
        for step in range(steps_per_epoch):
            sl = slice(step * cfg.batch_size, (step + 1) * cfg.batch_size)
            a = anchors[sl]
            candidates = torch.cat(
                [
                    others[sl].unsqueeze(1),
                    sampler.sample_for(a, cfg.negatives_per_positive, generator),
                ],
                dim=1,
            )
            batch_loss = engine.train_step(a, candidates, weights[sl])
            lr = schedulers[0].get_last_lr()[0]
            result.lr_per_step.append(lr)
            for scheduler in schedulers:
                scheduler.step()
            running += batch_loss
            n_running += 1
            global_step = epoch * steps_per_epoch + step + 1
            last = step == steps_per_epoch - 1
            if global_step % cfg.eval_every_steps == 0 or last:
                result.train_seconds += time.perf_counter() - tick
                entry = {
                    "epoch": epoch + 1,
                    "step": global_step,
                    "epoch_progress": epoch + (step + 1) / steps_per_epoch,
                    "loss": running / n_running,
                    "lr": lr,
                    "validation_auc": validation_auc(model, eval_data)
                    if eval_data
                    else float("nan"),
                }
                result.history.append(entry)
                bar.set_postfix(
                    loss=f"{entry['loss']:.4f}",
                    lr=f"{lr:.2e}",
                    auc=f"{entry['validation_auc']:.4f}",
                )
                running, n_running = 0.0, 0
                tick = time.perf_counter()
            bar.update(1)
        bar.close()
        last_entry = result.history[-1]
        logger.info(
            "Epoch %d/%d: loss %.4f, lr %.2e, validation AUC %.4f (%.1f s training so far)",
            epoch + 1,
            cfg.epochs,
            last_entry["loss"],
            last_entry["lr"],
            last_entry["validation_auc"],
            result.train_seconds,
        )
        if checkpoint_path is not None:
            _save_checkpoint(
                checkpoint_path,
                fingerprint,
                epoch + 1,
                model,
                engine,
                schedulers,
                generator,
                result,
            )
    model.eval()
    return result


def _eval_subsample(data: PairData | None, size: int, seed: int) -> PairData | None:
    if data is None or len(data) == 0:
        return None
    if len(data) <= size:
        return data
    rng = np.random.default_rng(seed)
    idx = torch.from_numpy(np.sort(rng.choice(len(data), size=size, replace=False)))
    return PairData(
        data.p1[idx],
        data.p2[idx],
        data.weight[idx],
        None if data.label is None else data.label[idx],
    )


def _save_checkpoint(
    path: Path,
    fingerprint: str,
    epoch: int,
    model: MatrixFactorization,
    engine: _TorchEngine | _FusedEngine,
    schedulers: list[torch.optim.lr_scheduler.LRScheduler],
    generator: torch.Generator,
    result: FitResult,
) -> None:
    state = {
        "fingerprint": fingerprint,
        "epoch": epoch,
        "model": model.state_dict(),
        "optimizers": engine.state_dict(),
        "schedulers": [s.state_dict() for s in schedulers],
        "generator": generator.get_state(),
        "history": result.history,
        "lr_per_step": result.lr_per_step,
        "train_seconds": result.train_seconds,
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    logger.info("Checkpoint after epoch %d written to %s", epoch, path)


def _load_checkpoint(
    path: Path,
    fingerprint: str,
    model: MatrixFactorization,
    engine: _TorchEngine | _FusedEngine,
    schedulers: list[torch.optim.lr_scheduler.LRScheduler],
    generator: torch.Generator,
    result: FitResult,
) -> int:
    """Restore state from a checkpoint; return the epoch to start from (0 if unusable)."""
    try:
        state = torch.load(path, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - an unreadable checkpoint is ignored, loudly
        logger.warning("Ignoring unreadable checkpoint %s: %s", path, exc)
        return 0
    if state.get("fingerprint") != fingerprint:
        logger.warning(
            "Checkpoint %s was made with other parameters or data; starting afresh",
            path,
        )
        return 0
    model.load_state_dict(state["model"])
    engine.load_state_dict(state["optimizers"])
    for scheduler, s_state in zip(schedulers, state["schedulers"], strict=True):
        scheduler.load_state_dict(s_state)
    generator.set_state(state["generator"])
    result.history = list(state["history"])
    result.lr_per_step = list(state["lr_per_step"])
    result.train_seconds = float(state["train_seconds"])
    result.resumed_from_epoch = int(state["epoch"])
    logger.info("Resuming from %s after epoch %d", path, state["epoch"])
    return int(state["epoch"])
