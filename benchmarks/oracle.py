"""Score pairs with the synthetic generator's own probabilities: a ceiling to read
every model's numbers against.

:func:`baseline_recsys.synthetic.planted_structure` gives, for every product, the
probability of its line being the source of a relation and of it being drawn as
the target inside its niche, its category or anywhere. The oracle scores a pair
{a, b} by the log of the chance that a draw produces it::

    score(a, b) = log(w_a · q(b | a) + w_b · q(a | b))
    q(t | s) = within_niche · [same niche] · p_niche(t)
             + (within_category - within_niche) · [same category] · p_category(t)
             + (1 - within_category) · p_global(t)

It knows what no model sees (the niches, the exact popularity), but not the
generator's bookkeeping (a pair drawn twice is drawn again; every product first
gets one pair), so it is a strong reference, not a proven upper bound. It is
evaluated by the same :func:`baseline_recsys.evaluation.evaluate` as every model,
so its numbers are directly comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from baseline_recsys.evaluation import evaluate
from baseline_recsys.synthetic import PlantedStructure, planted_structure


@dataclass(frozen=True, eq=False)
class OracleModel:
    """The generator's probabilities, indexed by the project's product ids.

    Attributes:
        source: ``w``: probability of being the source of a draw.
        niche_term: ``within_niche · p_niche``.
        category_term: ``(within_category - within_niche) · p_category``.
        global_term: ``(1 - within_category) · p_global``.
        niche: Niche id.
        category: Category id.
    """

    source: torch.Tensor
    niche_term: torch.Tensor
    category_term: torch.Tensor
    global_term: torch.Tensor
    niche: torch.Tensor
    category: torch.Tensor

    @classmethod
    def from_structure(
        cls, structure: PlantedStructure, asins: np.ndarray
    ) -> OracleModel:
        """Index the planted structure by a product index's ASINs.

        Args:
            structure: What the generator planted.
            asins: ASIN of every product id (``product_index.asin``).

        Returns:
            The oracle.

        Raises:
            ValueError: If an ASIN is not one of the generator's.
        """
        order = np.argsort(structure.asins)
        ordered = structure.asins[order]
        at = np.minimum(np.searchsorted(ordered, asins), len(ordered) - 1)
        unknown = ordered[at] != asins
        if unknown.any():
            raise ValueError(
                f"{int(unknown.sum())} ASINs (e.g. {asins[unknown][0]!r}) were not "
                "made by the generator with these arguments"
            )
        g = order[at]
        wn, wc = structure.within_niche, structure.within_category

        def tensor(values: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(values[g]))

        return cls(
            source=tensor(structure.source_weight),
            niche_term=tensor(wn * structure.niche_probability),
            category_term=tensor((wc - wn) * structure.category_probability),
            global_term=tensor((1.0 - wc) * structure.global_probability),
            niche=tensor(structure.niche),
            category=tensor(structure.category),
        )

    @property
    def n_products(self) -> int:
        """Number of products."""
        return len(self.source)

    def _target(self, t: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """``q(t | s)``, broadcasting."""
        return (
            (self.niche[t] == self.niche[s]) * self.niche_term[t]
            + (self.category[t] == self.category[s]) * self.category_term[t]
            + self.global_term[t]
        )

    def _score(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        chance = self.source[a] * self._target(b, a) + self.source[b] * self._target(
            a, b
        )
        return torch.log(chance + 1e-300).float()

    def score_pairs(self, p1: torch.Tensor, p2: torch.Tensor) -> torch.Tensor:
        """Scores of pairs (symmetric).

        Args:
            p1: First product ids.
            p2: Second product ids.

        Returns:
            ``(len(p1),)`` float32 log-probabilities.
        """
        return self._score(p1, p2)

    def score_all(self, anchors: torch.Tensor) -> torch.Tensor:
        """Score every product against each anchor.

        Args:
            anchors: ``(batch,)`` product ids.

        Returns:
            ``(batch, n_products)`` scores.
        """
        return self._score(
            anchors.unsqueeze(1), torch.arange(self.n_products).unsqueeze(0)
        )


def evaluate_oracle(
    generator_args: dict[str, Any],
    product_index: pd.DataFrame,
    train_pairs: pd.DataFrame,
    validation_pairs: pd.DataFrame,
    *,
    ranking_sample_size: int = 2000,
    k: int = 10,
    seed: int = 7,
) -> dict[str, Any]:
    """Evaluate the oracle on a split, exactly as a model is evaluated.

    Args:
        generator_args: Keyword arguments the metadata file was generated with
            (``n_products``, ``n_pairs``, ``seed``, ...).
        product_index: The project's product index (ids and ASINs).
        train_pairs: Training positives.
        validation_pairs: Validation pairs with ``label`` and ``seen``.
        ranking_sample_size: Validation positives ranked.
        k: Cut-off of recall@k and NDCG@k.
        seed: Seed of the ranking sample.

    Returns:
        The metrics of :func:`baseline_recsys.evaluation.evaluate`.
    """
    oracle = OracleModel.from_structure(
        planted_structure(**generator_args), product_index["asin"].to_numpy(str)
    )
    result = evaluate(
        oracle,  # type: ignore[arg-type]  # scored like a model
        train_pairs,
        validation_pairs,
        ranking_sample_size=ranking_sample_size,
        k=k,
        batch_size=64,
        seed=seed,
    )
    return result.metrics
