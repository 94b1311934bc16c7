"""Matrix factorisation over one shared product embedding table.

The product graph is symmetric, so one table serves both ends of a pair:

    score(a, b) = e_a · e_b  [+ b_a + b_b + g when ``use_bias``]

This is the seed post's model (Eugene Yan, "Building a Strong Baseline Recommender
in PyTorch, on a Laptop", 2020, ``MFBias``), with two fixes. Embeddings start small
(N(0, init_std²), default 0.1): the seed's N(0, 1) start saturates the sigmoid at
dimension 32–128, which is part of why its books run ended at AUC 0.50. And the
tables can use sparse gradients, so a step touches only the rows in the batch.
"""

from __future__ import annotations

import torch
from torch import nn


class MatrixFactorization(nn.Module):
    """Symmetric matrix factorisation with optional per-product and global bias.

    Attributes:
        embeddings: ``(n_products, dim)`` product vectors.
        biases: ``(n_products, 1)`` product biases (only when ``use_bias``).
        global_bias: Scalar bias (only when ``use_bias``).
    """

    def __init__(
        self,
        n_products: int,
        dim: int,
        *,
        use_bias: bool = True,
        sparse: bool = True,
        init_std: float = 0.1,
        generator: torch.Generator | None = None,
    ) -> None:
        """Create the model.

        Args:
            n_products: Number of products (rows of the table).
            dim: Embedding dimension.
            use_bias: Add per-product and global biases to the score.
            sparse: Use sparse gradients (for SGD, Adagrad and SparseAdam).
            init_std: Standard deviation of the initial embeddings.
            generator: Source of the initial values (for reproducibility).

        Raises:
            ValueError: If a size is not positive.
        """
        super().__init__()
        if n_products < 1:
            raise ValueError(f"n_products must be >= 1, got {n_products}")
        if dim < 1:
            raise ValueError(f"dim must be >= 1, got {dim}")
        self.use_bias = use_bias
        self.embeddings = nn.Embedding(n_products, dim, sparse=sparse)
        with torch.no_grad():
            self.embeddings.weight.normal_(0.0, init_std, generator=generator)
        if use_bias:
            self.biases = nn.Embedding(n_products, 1, sparse=sparse)
            nn.init.zeros_(self.biases.weight)
            self.global_bias = nn.Parameter(torch.zeros(1))

    @property
    def n_products(self) -> int:
        """Number of products."""
        return self.embeddings.num_embeddings

    @property
    def dim(self) -> int:
        """Embedding dimension."""
        return self.embeddings.embedding_dim

    def forward(self, anchors: torch.Tensor, others: torch.Tensor) -> torch.Tensor:
        """Score pairs; ``others`` may carry a trailing column axis (negatives).

        Args:
            anchors: ``(batch,)`` product ids.
            others: ``(batch,)`` or ``(batch, k)`` product ids.

        Returns:
            Raw scores (logits) of the shape of ``others``.
        """
        return self._scores(anchors, others, with_penalty=False)[0]

    def scores_and_penalties(
        self, anchors: torch.Tensor, others: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Score pairs and return the squared L2 norms of the rows they used.

        Args:
            anchors: ``(batch,)`` product ids.
            others: ``(batch,)`` or ``(batch, k)`` product ids.

        Returns:
            Raw scores of the shape of ``others``; the sum of squares of the
            embedding rows looked up; and that of the product-bias rows looked up
            (0 without bias), for L2 penalties on the batch. The global bias is
            never penalised.
        """
        score, penalties = self._scores(anchors, others, with_penalty=True)
        assert penalties is not None
        return score, *penalties

    def _scores(
        self, anchors: torch.Tensor, others: torch.Tensor, *, with_penalty: bool
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor] | None]:
        """Scores, and the rows' squared norms only when training needs them."""
        a = self.embeddings(anchors)
        o = self.embeddings(others)
        wide = others.dim() == 2
        score = torch.einsum("bd,bkd->bk", a, o) if wide else (a * o).sum(-1)
        bias_penalty = score.new_zeros(())
        if self.use_bias:
            ba = self.biases(anchors)  # (batch, 1)
            bo = self.biases(others).squeeze(-1)
            score = score + (ba if wide else ba.squeeze(-1)) + bo + self.global_bias
            if with_penalty:
                bias_penalty = ba.pow(2).sum() + bo.pow(2).sum()
        if not with_penalty:
            return score, None
        return score, (a.pow(2).sum() + o.pow(2).sum(), bias_penalty)

    @torch.no_grad()
    def score_pairs(
        self, p1: torch.Tensor, p2: torch.Tensor, batch_size: int = 262_144
    ) -> torch.Tensor:
        """Score many pairs in batches, without gradients.

        Args:
            p1: First product ids.
            p2: Second product ids.
            batch_size: Pairs per batch.

        Returns:
            Raw scores (logits).
        """
        out = [
            self(p1[i : i + batch_size], p2[i : i + batch_size])
            for i in range(0, len(p1), batch_size)
        ]
        return torch.cat(out) if out else torch.empty(0)

    @torch.no_grad()
    def score_all(self, anchors: torch.Tensor) -> torch.Tensor:
        """Score every product against each anchor (for ranking).

        Args:
            anchors: ``(batch,)`` product ids.

        Returns:
            ``(batch, n_products)`` raw scores.
        """
        scores = self.embeddings(anchors) @ self.embeddings.weight.T
        if self.use_bias:
            # in place, column then row: no second (batch, n_products) temporary
            scores += self.biases(anchors) + self.global_bias
            scores += self.biases.weight.T
        return scores

    @classmethod
    def from_state_dict(
        cls, state: dict[str, torch.Tensor], *, sparse: bool = False
    ) -> MatrixFactorization:
        """Rebuild a model from a saved ``state_dict`` (shapes give the config).

        Args:
            state: A ``state_dict`` saved from this class.
            sparse: Whether the rebuilt tables use sparse gradients.

        Returns:
            The model, in eval mode. Its parameters are the tensors of ``state``
            (not copies): a 2 GB table is held once, and nothing is initialised
            only to be overwritten.
        """
        n_products, dim = state["embeddings.weight"].shape
        with torch.device("meta"):  # shapes only, no memory
            model = cls(
                n_products, dim, use_bias="biases.weight" in state, sparse=sparse
            )
        model.load_state_dict(state, assign=True)
        return model.eval()
