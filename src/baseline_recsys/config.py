"""One typed schema for every pipeline's parameters.

Each ``conf/base/parameters_<pipeline>.yml`` has one top-level key whose dict is
validated here before any heavy work starts. Unknown (e.g. misspelt) keys, wrong
types and out-of-range values raise :class:`ParameterError`, whose message names
the key (``split.validation_fraction``) and the bad value. The field descriptions
double as the parameters' documentation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

T = TypeVar("T", bound="Params")


class ParameterError(ValueError):
    """A parameter failed validation; the message names the key and the value."""


class Params(BaseModel):
    """Base class: frozen, strict types, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @classmethod
    def parse(cls: type[T], raw: Mapping[str, Any] | None, *, prefix: str) -> T:
        """Validate a parameters dict.

        Args:
            raw: The dict from ``params:<prefix>``.
            prefix: The top-level key, used in error messages.

        Returns:
            The validated parameters.

        Raises:
            ParameterError: Naming each bad key and its value.
        """
        if raw is not None and not isinstance(raw, Mapping):
            raise ParameterError(
                f"{prefix} must be a mapping, got {type(raw).__name__}"
            )
        try:
            return cls.model_validate(dict(raw or {}))
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                key = ".".join([prefix, *(str(p) for p in err["loc"])])
                value = err.get("input")
                if err["type"] == "extra_forbidden":
                    allowed = ", ".join(sorted(cls.model_fields))
                    problems.append(f"{key}: unknown parameter (allowed: {allowed})")
                else:
                    problems.append(f"{key}={value!r}: {err['msg']}")
            raise ParameterError("Invalid parameters: " + "; ".join(problems)) from None


class IngestParams(Params):
    """``ingest``: how raw dumps are read."""

    max_rejected_fraction: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Fail if more than this share of lines is rejected.",
    )
    chunk_lines: int = Field(50_000, gt=0, description="Lines per Parquet row group.")
    progress_every_lines: int = Field(
        200_000, gt=0, description="Log progress every N lines."
    )
    staging_dir: str = Field(
        "data/02_intermediate/.staging",
        description="Where Parquet files are streamed before being moved into place.",
    )


class RelationshipsParams(Params):
    """``relationships``: how directed relations become weighted pairs."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {
            "bought_together": 1.2,
            "also_bought": 1.0,
            "also_viewed": 0.5,
            "buy_after_viewing": 0.0,
        },
        description="Weight per relationship kind, summed over directed relations; 0 excludes.",
    )

    @field_validator("weights")
    @classmethod
    def _check_weights(cls, weights: dict[str, float]) -> dict[str, float]:
        bad = {k: v for k, v in weights.items() if v < 0}
        if bad:
            raise ValueError(f"weights must be >= 0, got {bad}")
        if not any(v > 0 for v in weights.values()):
            raise ValueError("at least one weight must be > 0 (all are zero)")
        return weights


class SplitParams(Params):
    """``split``: the train / validation split and its negatives."""

    validation_fraction: float = Field(
        1 / 3, gt=0, lt=1, description="Share of pairs held out for validation."
    )
    negatives_per_positive: float = Field(
        1.0, ge=0, description="Validation negatives per validation positive."
    )
    negative_strategy: Literal["uniform", "popularity"] = Field(
        "uniform", description="How the ends of validation negatives are drawn."
    )
    drop_unseen: bool = Field(
        False,
        description="Drop validation pairs with a product never seen in training.",
    )
    seed: int = Field(42, description="Seed of the split and the negatives.")


FUSED_OPTIMIZERS = ("sgd", "adagrad", "rowwise_adagrad")
"""Optimisers of the fused engine (the torch engine has every optimiser)."""


class TrainParams(Params):
    """``<variant>.train``: the matrix factorisation model and how it is fitted."""

    embedding_dim: int = Field(256, gt=0, description="Embedding dimension.")
    use_bias: bool = Field(
        True, description="Per-product and global bias in the score."
    )
    label_mode: Literal["binary", "continuous"] = Field(
        "binary", description="binary: BCE on logits; continuous: MSE on pair weights."
    )
    epochs: int = Field(5, gt=0, description="Passes over the training pairs.")
    batch_size: int = Field(4096, gt=0, description="Positive pairs per step.")
    engine: Literal["fused", "torch"] = Field(
        "fused",
        description="fused: compiled per-pair updates (sgd, adagrad, rowwise_adagrad); "
        "torch: the PyTorch reference, mini-batch autograd (any optimiser).",
    )
    optimizer: Literal["sgd", "adagrad", "rowwise_adagrad", "adam", "sparse_adam"] = (
        Field(
            "rowwise_adagrad",
            description="Optimiser; all but adam use sparse gradients. rowwise_adagrad "
            "keeps one Adagrad accumulator per embedding row.",
        )
    )
    lr: float = Field(0.2, gt=0, description="Peak learning rate of each cosine cycle.")
    lr_min: float = Field(
        0.0, ge=0, description="Learning rate at the end of each cycle."
    )
    l2: float = Field(
        0.03, ge=0, description="L2 penalty on the embedding rows in each batch."
    )
    bias_l2: float = Field(
        0.03,
        ge=0,
        description="L2 penalty on the product-bias rows in each batch (the global "
        "bias is never penalised).",
    )
    negatives_per_positive: int = Field(
        5, gt=0, description="Negatives drawn per positive."
    )
    negative_power: float = Field(
        0.0,
        ge=0,
        description="Negatives are drawn ∝ training frequency ** power (0: uniform).",
    )
    init_std: float = Field(0.1, gt=0, description="Std of the initial embeddings.")
    symmetric: bool = Field(
        True,
        description="Orient each pair at random every epoch (the graph is undirected).",
    )
    eval_every_steps: int = Field(
        50, gt=0, description="Log loss, lr and AUC every N steps."
    )
    eval_sample_size: int = Field(
        20_000,
        gt=0,
        description="Validation pairs (fixed, without replacement) for the AUC log.",
    )
    seed: int = Field(
        42, description="Seed of initialisation, shuffling and negatives."
    )
    num_threads: int = Field(0, ge=0, description="Torch threads (0: torch's default).")
    hogwild_threads: int = Field(
        1,
        ge=0,
        description=(
            "Fused engine: threads training slices of each batch at once, lock-free "
            "(Hogwild!). 1: sequential and bit-for-bit reproducible; 0: every core "
            "(fastest, not reproducible)."
        ),
    )
    checkpoint_dir: str | None = Field(
        "data/06_models/checkpoints",
        description="Folder of per-epoch checkpoints (null: none).",
    )
    resume: bool = Field(
        True, description="Resume from a matching checkpoint if one exists."
    )

    @model_validator(mode="after")
    def _check_combinations(self) -> TrainParams:
        if self.lr_min > self.lr:
            raise ValueError(f"lr_min ({self.lr_min}) must not exceed lr ({self.lr})")
        if self.engine == "fused" and self.optimizer not in FUSED_OPTIMIZERS:
            raise ValueError(
                f"engine 'fused' supports optimizer {', '.join(map(repr, FUSED_OPTIMIZERS))}, got {self.optimizer!r}; "
                "use engine: torch for adam and sparse_adam"
            )
        return self


class EvaluateParams(Params):
    """``<variant>.evaluate``: validation metrics."""

    ranking_sample_size: int = Field(
        2000, gt=0, description="Validation positives ranked for recall@k and NDCG@k."
    )
    k: int = Field(10, gt=0, description="Cut-off of the ranking metrics.")
    batch_size: int = Field(
        256, gt=0, description="Anchors scored against all products at once."
    )
    seed: int = Field(7, description="Seed of the ranking sample.")


class RecommendParams(Params):
    """``recommend``: which model is served and how similar products are ranked."""

    model: str = Field(
        "mf_bias",
        pattern=r"^[A-Za-z0-9_]+$",
        description="Variant whose latest trained model is served (e.g. mf, mf_bias).",
    )
    k: int = Field(10, gt=0, description="Similar products per product.")
    asins: list[str] | None = Field(
        None,
        description="Only these products (ASINs); null: every product with an embedding.",
    )
    exclude_neighbours: bool = Field(
        False,
        description="Also leave out each product's known training neighbours.",
    )
    batch_size: int = Field(
        512,
        gt=0,
        description="Anchors scored at once per worker (memory grows linearly with it).",
    )
    num_threads: int = Field(
        0, ge=0, description="Worker threads (0: torch's default, the number of cores)."
    )


#: The schema of each top-level parameters key (``<variant>.train`` and
#: ``<variant>.evaluate`` are matched by their last part).
SCHEMAS: dict[str, type[Params]] = {
    "ingest": IngestParams,
    "relationships": RelationshipsParams,
    "split": SplitParams,
    "recommend": RecommendParams,
    "train": TrainParams,
    "evaluate": EvaluateParams,
}


def schema_for(name: str) -> type[Params] | None:
    """Return the schema of a parameters key such as ``split`` or ``mf_bias.train``.

    Args:
        name: The key, without the ``params:`` prefix.

    Returns:
        The schema class, or ``None`` for keys this project does not define.
    """
    return SCHEMAS.get(name.rsplit(".", 1)[-1])
