"""Negative sampling in proportion to training frequency raised to a power.

word2vec-style sampling (Mikolov et al., 2013), as in the seed post: a product's
chance of being drawn as a negative is ``frequency ** power / Σ frequency ** power``.
The post says ``power = 1.0``; its code used 0.75. Draws are made in bulk with one
``searchsorted`` on the cumulative distribution, from a seeded ``torch.Generator``.

Negatives are drawn without looking at the graph, so a negative can, rarely, be a
true positive (on these graphs the chance is about the graph's density, < 0.1%).
A draw equal to its anchor is redrawn.
"""

from __future__ import annotations

import numpy as np
import torch


class FrequencySampler:
    """Draw product ids with probability ∝ frequency ** power.

    Products whose weight is zero (never seen in training, or excluded) are never
    returned.
    """

    def __init__(
        self,
        frequency: np.ndarray | torch.Tensor,
        *,
        power: float = 1.0,
        exclude: np.ndarray | torch.Tensor | None = None,
    ) -> None:
        """Build the sampler.

        Args:
            frequency: Non-negative count per product id.
            power: Exponent applied to the frequency (0 gives uniform over
                products with a non-zero frequency).
            exclude: Optional boolean mask of products never to return.

        Raises:
            ValueError: If no product can be drawn or a frequency is negative.
        """
        freq = torch.as_tensor(np.asarray(frequency), dtype=torch.float64)
        if (freq < 0).any():
            raise ValueError("frequencies must be >= 0")
        weights = torch.where(freq > 0, freq.pow(power), torch.zeros_like(freq))
        if exclude is not None:
            weights[torch.as_tensor(np.asarray(exclude), dtype=torch.bool)] = 0.0
        total = weights.sum()
        if not total > 0:
            raise ValueError("no product can be sampled: every weight is zero")
        self.probabilities = weights / total
        self._cdf = torch.cumsum(self.probabilities, 0)
        self._last = int(torch.nonzero(weights).max())
        self.n_candidates = int((weights > 0).sum())

    def sample(
        self, size: int | tuple[int, ...], generator: torch.Generator
    ) -> torch.Tensor:
        """Draw product ids.

        Args:
            size: Output shape.
            generator: Source of randomness.

        Returns:
            int64 product ids of shape ``size``.
        """
        u = torch.rand(size, generator=generator, dtype=torch.float64)
        idx = torch.searchsorted(self._cdf, u, right=True)
        return idx.clamp_(max=self._last)

    def sample_for(
        self,
        anchors: torch.Tensor,
        k: int,
        generator: torch.Generator,
        max_rounds: int = 20,
    ) -> torch.Tensor:
        """Draw ``k`` negatives per anchor, none equal to its anchor.

        Draws that hit their anchor are redrawn in bulk (rejection sampling, which
        keeps the distribution exact). The few that still clash after
        ``max_rounds`` (only when one product holds most of the weight) are drawn
        from the distribution with the anchor removed.

        Args:
            anchors: ``(batch,)`` product ids.
            k: Negatives per anchor.
            generator: Source of randomness.
            max_rounds: Bulk redraw rounds before the exact per-anchor fallback.

        Returns:
            ``(batch, k)`` product ids; when only one product can be drawn, it is
            returned even for itself.
        """
        negatives = self.sample((len(anchors), k), generator)
        if self.n_candidates < 2:
            return negatives
        for _ in range(max_rounds):
            clash = negatives == anchors.unsqueeze(1)
            n_clash = int(clash.sum())
            if not n_clash:
                return negatives
            negatives[clash] = self.sample(n_clash, generator)
        clash = negatives == anchors.unsqueeze(1)
        for anchor in torch.unique(
            anchors.unsqueeze(1).expand_as(negatives)[clash]
        ).tolist():
            rows = clash & (anchors.unsqueeze(1) == anchor)
            probs = self.probabilities.clone()
            probs[anchor] = 0.0
            negatives[rows] = torch.multinomial(
                probs, int(rows.sum()), replacement=True, generator=generator
            )
        return negatives
