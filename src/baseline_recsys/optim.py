"""Row-wise Adagrad: one accumulator per embedding row (the reference implementation).

Adagrad keeps a running sum of squared gradients for every coordinate. For an
embedding table that doubles the memory the optimiser touches at every step, and
for matrix factorisation, whose rows are read at random, memory traffic is the cost
of training. Row-wise Adagrad (as in FBGEMM / TorchRec, used for the embedding
tables of large recommenders) keeps one sum per row instead, of the *mean* squared
gradient over the row's coordinates::

    s[i] += mean(g[i] ** 2)
    w[i] -= lr * g[i] / (sqrt(s[i]) + eps)

Parameters with one coordinate per row (a bias table of shape ``(n, 1)``) and 1-D
parameters (the global bias) get one sum per element, i.e. plain Adagrad.

:class:`RowWiseAdagrad` is a :class:`torch.optim.Optimizer`, so the learning-rate
schedulers, ``state_dict`` and checkpoints work as with any torch optimiser. It
takes sparse gradients (``nn.Embedding(sparse=True)``) and dense ones. The fused
kernel (:mod:`baseline_recsys.kernels`, ``ROWWISE_ADAGRAD``) implements the same
update per pair and is tested against this class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch


class RowWiseAdagrad(torch.optim.Optimizer):
    """Adagrad with one accumulator per row of each 2-D parameter.

    Args:
        params: Parameters (or parameter groups) to optimise.
        lr: Learning rate.
        eps: Added to the square root of the accumulator (as
            :class:`torch.optim.Adagrad`'s default).

    Raises:
        ValueError: If ``lr`` or ``eps`` is negative.
    """

    def __init__(
        self,
        params: Iterable[torch.nn.Parameter] | Iterable[dict],
        lr: float = 1e-2,
        eps: float = 1e-10,
    ) -> None:
        if lr < 0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        super().__init__(params, {"lr": lr, "eps": eps})

    @staticmethod
    def _accumulator_shape(param: torch.Tensor) -> tuple[int, ...]:
        """One sum per row of a 2-D parameter, one per element otherwise."""
        return (param.shape[0],) if param.dim() == 2 else tuple(param.shape)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """Take one optimisation step.

        Args:
            closure: Re-evaluates the model and returns the loss (optional).

        Returns:
            The closure's loss, or ``None``.
        """
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                state = self.state[param]
                if "sum" not in state:
                    state["sum"] = torch.zeros(
                        self._accumulator_shape(param),
                        dtype=param.dtype,
                        device=param.device,
                    )
                total = state["sum"]
                grad = param.grad
                rowwise = param.dim() == 2
                if grad.is_sparse:
                    grad = grad.coalesce()
                    rows, values = grad.indices()[0], grad.values()
                    squares = values.pow(2)
                    total.index_add_(0, rows, squares.mean(1) if rowwise else squares)
                    scale = total[rows].sqrt().add_(eps)
                    if rowwise:
                        scale = scale.unsqueeze(1)
                    param.index_add_(0, rows, values / scale, alpha=-lr)
                else:
                    squares = grad.pow(2)
                    total.add_(squares.mean(1) if rowwise else squares)
                    scale = total.sqrt().add_(eps)
                    if rowwise:
                        scale = scale.unsqueeze(1)
                    param.add_(grad / scale, alpha=-lr)
        return loss
