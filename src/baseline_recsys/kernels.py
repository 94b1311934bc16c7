"""Fused per-pair training kernel (numba), the fast path of :mod:`baseline_recsys.training`.

PyTorch's generic sparse machinery (autograd on embedding lookups, sparse gradient
coalescing, sparse optimiser steps) costs far more than the arithmetic of matrix
factorisation itself. This kernel does the same arithmetic in one compiled loop,
word2vec-style (Mikolov et al., 2013): for each positive pair (a, o) and its
negatives n₁…n_k it scores every candidate, updates each candidate's row at once,
and updates the anchor's row with the gradient gathered over all candidates, using
the anchor's value from before the step. With one pair per batch this is exactly
the reference PyTorch step; with more it is the same model trained with per-pair
(stochastic) updates, which is what makes five epochs enough.

The loss is the same as the reference: binary cross-entropy on logits, or the
squared error of ``sigmoid(score)`` against the pair weight, summed over scores,
plus ``l2`` times the squared norm of the embedding rows used and ``bias_l2``
times that of the product-bias rows used. Optimisers: SGD, Adagrad
(per-coordinate accumulators, as :class:`torch.optim.Adagrad`) and row-wise
Adagrad (one accumulator per row, as :class:`baseline_recsys.optim.RowWiseAdagrad`;
biases, one value per row, get plain Adagrad either way).

What makes it fast (measured in ``benchmarks/``; see the README):

- Everything is float32 and compiled with ``error_model="numpy"``: numba's default
  (Python) error model guards every division with a ZeroDivisionError branch,
  which stops LLVM from vectorising the Adagrad update; without it the row
  updates compile to 256-bit SIMD (``vsqrtps``), 3–6× faster on cached rows.
- Rows are random, so the loop is bound by memory traffic: while it works on pair
  ``i`` it prefetches the embedding and accumulator rows of pair ``i + 1``.
  Row-wise Adagrad reads and writes one accumulator value per row instead of a
  second row, which halves that traffic: on 420k products at dimension 128 an
  epoch takes about 0.65× the time of per-coordinate Adagrad.
- ``n_threads > 1`` splits each batch into contiguous chunks trained at once,
  lock-free (Hogwild!, Niu et al., 2011): two threads may now and then update
  the same row, so results are no longer bit-for-bit reproducible. One thread
  (the default) is deterministic.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange
from numba.core import cgutils, types
from numba.extending import intrinsic

SGD = 0
ADAGRAD = 1
ROWWISE_ADAGRAD = 2
BINARY = 0
CONTINUOUS = 1
ADAGRAD_EPS = 1e-10  # torch.optim.Adagrad's default
_FLOATS_PER_LINE = 16  # float32 per 64-byte cache line
_PREFETCH_DISTANCE = 1  # pairs ahead; 1, 2, 4 and 8 measured alike, 1 best


@intrinsic
def _prefetch(typingctx, array, row, col):  # type: ignore[no-untyped-def]
    """Hint the CPU to fetch ``array[row, col]``'s cache line (``llvm.prefetch``).

    A pure hint: it reads nothing, writes nothing and cannot fault.
    """
    signature = types.void(array, row, col)

    def codegen(context, builder, sig, args):  # type: ignore[no-untyped-def]
        array_type = sig.args[0]
        array_value = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, array_value, [args[1], args[2]]
        )
        i8_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [i8_pointer, i32, i32, i32]),
            "llvm.prefetch.p0i8",
        )
        # (address, rw = write, locality = keep in all cache levels, data cache)
        builder.call(
            function,
            [
                builder.bitcast(pointer, i8_pointer),
                ir.Constant(i32, 1),
                ir.Constant(i32, 3),
                ir.Constant(i32, 1),
            ],
        )
        return context.get_dummy_value()

    return signature, codegen


@njit(cache=True, fastmath=True, error_model="numpy", inline="always")
def _prefetch_rows(
    emb: np.ndarray,
    emb_acc: np.ndarray,
    optimizer: int,
    anchors: np.ndarray,
    candidates: np.ndarray,
    i: int,
) -> None:
    """Prefetch every row pair ``i`` will touch (anchor, positive, negatives).

    With their accumulators: a whole row for Adagrad, one value for row-wise
    Adagrad, none for SGD.
    """
    dim = emb.shape[1]
    for j in range(-1, candidates.shape[1]):
        row = anchors[i] if j < 0 else candidates[i, j]
        for f in range(0, dim, _FLOATS_PER_LINE):
            _prefetch(emb, row, f)
            if optimizer == ADAGRAD:
                _prefetch(emb_acc, row, f)
        if optimizer == ROWWISE_ADAGRAD:
            _prefetch(emb_acc, row, 0)


@njit(cache=True, fastmath=True, error_model="numpy")
def _train_range(  # noqa: PLR0912, PLR0915 - one fused loop on purpose
    emb: np.ndarray,
    emb_acc: np.ndarray,
    bias: np.ndarray,
    bias_acc: np.ndarray,
    global_bias: np.ndarray,
    global_acc: np.ndarray,
    anchors: np.ndarray,
    candidates: np.ndarray,
    targets: np.ndarray,
    lr: float,
    l2: float,
    bias_l2: float,
    use_bias: bool,
    label_mode: int,
    optimizer: int,
    start: int,
    stop: int,
) -> float:
    """Train on pairs ``start:stop`` of a batch in place; return their summed loss."""
    m = candidates.shape[1]
    dim = emb.shape[1]
    adagrad = optimizer == ADAGRAD
    rowwise = optimizer == ROWWISE_ADAGRAD
    inv_dim = np.float32(1.0 / dim)
    lr32 = np.float32(lr)
    decay = np.float32(2.0 * l2)
    bias_decay = np.float32(2.0 * bias_l2)
    eps = np.float32(ADAGRAD_EPS)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    grad_a = np.zeros(dim, dtype=np.float32)
    total = 0.0
    for i in range(start, stop):
        if i + _PREFETCH_DISTANCE < stop:
            _prefetch_rows(
                emb, emb_acc, optimizer, anchors, candidates, i + _PREFETCH_DISTANCE
            )
        a = anchors[i]
        ea = emb[a]
        grad_a[:] = zero
        grad_ba = zero
        for j in range(m):
            c = candidates[i, j]
            ec = emb[c]
            score = zero
            for f in range(dim):
                score += ea[f] * ec[f]
            if use_bias:
                score += bias[a] + bias[c] + global_bias[0]
            # d loss / d score, and the loss itself
            target = targets[i] if j == 0 else zero
            prob = one / (one + np.exp(-score))
            if label_mode == BINARY:
                # log(1 + exp(s)) - y·s, computed stably
                total += (
                    max(score, 0.0) + math.log1p(math.exp(-abs(score))) - target * score
                )
                g = prob - target
            else:
                total += (prob - target) ** 2
                g = np.float32(2.0) * (prob - target) * prob * (one - prob)
            # the candidate's row, from the anchor's row as it was before this pair;
            # the anchor's gradient gathers the candidate's row before its update
            if adagrad:
                acc = emb_acc[c]
                for f in range(dim):
                    e = ec[f]
                    grad_a[f] += g * e
                    grad = g * ea[f] + decay * e
                    s = acc[f] + grad * grad
                    acc[f] = s
                    ec[f] = e - lr32 * grad / (np.sqrt(s) + eps)
            elif rowwise:
                sq = zero
                for f in range(dim):
                    grad = g * ea[f] + decay * ec[f]
                    sq += grad * grad
                s = emb_acc[c, 0] + sq * inv_dim
                emb_acc[c, 0] = s
                step = lr32 / (np.sqrt(s) + eps)
                for f in range(dim):
                    e = ec[f]
                    grad_a[f] += g * e
                    ec[f] = e - step * (g * ea[f] + decay * e)
            else:
                for f in range(dim):
                    e = ec[f]
                    grad_a[f] += g * e
                    ec[f] = e - lr32 * (g * ea[f] + decay * e)
            if use_bias:
                grad_ba += g
                grad = g + bias_decay * bias[c]
                if adagrad or rowwise:
                    bias_acc[c] += grad * grad
                    bias[c] -= lr32 * grad / (np.sqrt(bias_acc[c]) + eps)
                else:
                    bias[c] -= lr32 * grad
        if adagrad:
            acc = emb_acc[a]
            for f in range(dim):
                grad = grad_a[f] + decay * ea[f]
                s = acc[f] + grad * grad
                acc[f] = s
                ea[f] -= lr32 * grad / (np.sqrt(s) + eps)
        elif rowwise:
            sq = zero
            for f in range(dim):
                grad = grad_a[f] + decay * ea[f]
                sq += grad * grad
            s = emb_acc[a, 0] + sq * inv_dim
            emb_acc[a, 0] = s
            step = lr32 / (np.sqrt(s) + eps)
            for f in range(dim):
                ea[f] -= step * (grad_a[f] + decay * ea[f])
        else:
            for f in range(dim):
                ea[f] -= lr32 * (grad_a[f] + decay * ea[f])
        if use_bias:
            grad = grad_ba + bias_decay * bias[a]
            if adagrad or rowwise:
                bias_acc[a] += grad * grad
                bias[a] -= lr32 * grad / (np.sqrt(bias_acc[a]) + eps)
                global_acc[0] += grad_ba * grad_ba
                global_bias[0] -= lr32 * grad_ba / (np.sqrt(global_acc[0]) + eps)
            else:
                bias[a] -= lr32 * grad
                global_bias[0] -= lr32 * grad_ba
    return total


@njit(cache=True, parallel=True)
def _train_chunks(
    emb: np.ndarray,
    emb_acc: np.ndarray,
    bias: np.ndarray,
    bias_acc: np.ndarray,
    global_bias: np.ndarray,
    global_acc: np.ndarray,
    anchors: np.ndarray,
    candidates: np.ndarray,
    targets: np.ndarray,
    lr: float,
    l2: float,
    bias_l2: float,
    use_bias: bool,
    label_mode: int,
    optimizer: int,
    n_chunks: int,
) -> float:
    """Hogwild!: ``n_chunks`` contiguous slices of the batch trained in parallel."""
    n = candidates.shape[0]
    total = 0.0
    for t in prange(n_chunks):
        total += _train_range(
            emb,
            emb_acc,
            bias,
            bias_acc,
            global_bias,
            global_acc,
            anchors,
            candidates,
            targets,
            lr,
            l2,
            bias_l2,
            use_bias,
            label_mode,
            optimizer,
            t * n // n_chunks,
            (t + 1) * n // n_chunks,
        )
    return total


def train_batch(
    emb: np.ndarray,
    emb_acc: np.ndarray,
    bias: np.ndarray,
    bias_acc: np.ndarray,
    global_bias: np.ndarray,
    global_acc: np.ndarray,
    anchors: np.ndarray,
    candidates: np.ndarray,
    targets: np.ndarray,
    lr: float,
    l2: float,
    bias_l2: float,
    use_bias: bool,
    label_mode: int,
    optimizer: int,
    n_threads: int = 1,
) -> float:
    """Train on one batch of pairs in place; return the summed loss.

    Args:
        emb: ``(n_products, dim)`` float32 embeddings (updated in place).
        emb_acc: Adagrad accumulators of ``emb``: the same shape for
            ``ADAGRAD``, ``(n_products, 1)`` for ``ROWWISE_ADAGRAD`` (unused for SGD).
        bias: ``(n_products,)`` float32 product biases (unused without bias).
        bias_acc: Adagrad accumulators of ``bias``.
        global_bias: ``(1,)`` float32 global bias.
        global_acc: ``(1,)`` Adagrad accumulator of ``global_bias``.
        anchors: ``(batch,)`` int64 anchor ids.
        candidates: ``(batch, 1 + k)`` int64 ids: the positive, then negatives.
        targets: ``(batch,)`` float32 target of each positive (1 for binary
            labels, the pair weight for continuous ones); negatives target 0.
        lr: Learning rate.
        l2: L2 coefficient on the embedding rows used.
        bias_l2: L2 coefficient on the product-bias rows used (the global bias
            is never penalised).
        use_bias: Whether biases take part.
        label_mode: ``BINARY`` or ``CONTINUOUS``.
        optimizer: ``SGD``, ``ADAGRAD`` or ``ROWWISE_ADAGRAD``.
        n_threads: Threads training disjoint slices of the batch at once
            (Hogwild!); 1 is sequential and deterministic.

    Returns:
        The loss summed over all ``batch·(1+k)`` scores (without the L2 term).
    """
    args = (
        emb,
        emb_acc,
        bias,
        bias_acc,
        global_bias,
        global_acc,
        anchors,
        candidates,
        targets,
        float(lr),
        float(l2),
        float(bias_l2),
        bool(use_bias),
        int(label_mode),
        int(optimizer),
    )
    n_chunks = max(1, min(int(n_threads), len(anchors)))
    if n_chunks == 1:
        return _train_range(*args, 0, len(anchors))
    return _train_chunks(*args, n_chunks)
