"""Tests of the parameter schemas in :mod:`baseline_recsys.config`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from baseline_recsys.config import (
    EvaluateParams,
    IngestParams,
    ParameterError,
    Params,
    RelationshipsParams,
    SplitParams,
    TrainParams,
)

PREFIX = "books.train"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("label_mode", "ordinal"),
        ("lr", 0.0),
        ("lr", -0.01),
        ("epochs", 0),
        ("embedding_dim", 0),
        ("negatives_per_positive", 0),
        ("batch_size", 0),
        ("optimizer", "rmsprop"),
        ("epochs", "five"),
        ("epochs", 5.0),
        ("use_bias", "yes"),
        ("lr_min", -1.0),
        ("l2", -0.1),
        ("negative_power", -0.5),
        ("init_std", 0.0),
        ("num_threads", -1),
        ("hogwild_threads", -1),
        ("eval_every_steps", 0),
    ],
)
def test_train_params_bad_value_names_key_and_value(key: str, value: Any) -> None:
    with pytest.raises(ParameterError) as info:
        TrainParams.parse({key: value}, prefix=PREFIX)
    message = str(info.value)
    assert f"{PREFIX}.{key}={value!r}" in message


def test_misspelt_key_is_named_with_allowed_keys() -> None:
    with pytest.raises(ParameterError) as info:
        TrainParams.parse({"learning_rate": 0.1}, prefix=PREFIX)
    message = str(info.value)
    assert f"{PREFIX}.learning_rate" in message
    assert "unknown parameter" in message
    assert "lr" in message.split("allowed:")[1]


def test_every_bad_key_is_reported() -> None:
    with pytest.raises(ParameterError) as info:
        TrainParams.parse(
            {"epochs": 0, "optimizer": "rmsprop", "learnig_rate": 1}, prefix=PREFIX
        )
    message = str(info.value)
    assert f"{PREFIX}.epochs=0" in message
    assert f"{PREFIX}.optimizer='rmsprop'" in message
    assert f"{PREFIX}.learnig_rate" in message


def test_parameter_error_is_a_value_error() -> None:
    assert issubclass(ParameterError, ValueError)


def test_non_mapping_raises() -> None:
    with pytest.raises(
        ParameterError, match=r"books\.train must be a mapping, got list"
    ):
        TrainParams.parse([1, 2], prefix=PREFIX)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "cls", [IngestParams, RelationshipsParams, SplitParams, TrainParams, EvaluateParams]
)
@pytest.mark.parametrize("raw", [{}, None])
def test_defaults_parse_from_empty(
    cls: type[Params], raw: dict[str, Any] | None
) -> None:
    params = cls.parse(raw, prefix="x")
    assert params == cls()


def test_train_defaults() -> None:
    cfg = TrainParams.parse({}, prefix=PREFIX)
    assert cfg.label_mode == "binary"
    assert (cfg.engine, cfg.optimizer) == ("fused", "rowwise_adagrad")
    assert cfg.lr > 0
    assert cfg.epochs > 0
    assert cfg.init_std == pytest.approx(0.1)


def test_valid_values_are_kept() -> None:
    cfg = TrainParams.parse(
        {
            "label_mode": "continuous",
            "optimizer": "adagrad",
            "lr": 1,
            "epochs": 3,
            "checkpoint_dir": None,
        },
        prefix=PREFIX,
    )
    assert cfg.label_mode == "continuous"
    assert cfg.optimizer == "adagrad"
    assert cfg.lr == 1.0  # an int is a valid float (YAML writes 1, not 1.0)
    assert cfg.epochs == 3
    assert cfg.checkpoint_dir is None


def test_params_are_frozen() -> None:
    cfg = TrainParams.parse({}, prefix=PREFIX)
    with pytest.raises(ValueError, match="frozen"):
        cfg.lr = 0.5  # type: ignore[misc]


@pytest.mark.parametrize("fraction", [0, 0.0, 1, 1.0, -0.1, 1.5])
def test_split_validation_fraction_out_of_range(fraction: float) -> None:
    with pytest.raises(ParameterError) as info:
        SplitParams.parse({"validation_fraction": fraction}, prefix="split")
    assert f"split.validation_fraction={fraction!r}" in str(info.value)


def test_split_unknown_negative_strategy() -> None:
    with pytest.raises(ParameterError) as info:
        SplitParams.parse({"negative_strategy": "hard"}, prefix="split")
    assert "split.negative_strategy='hard'" in str(info.value)


def test_split_valid_values() -> None:
    cfg = SplitParams.parse(
        {"validation_fraction": 0.2, "negative_strategy": "popularity"}, prefix="split"
    )
    assert cfg.validation_fraction == pytest.approx(0.2)
    assert cfg.negative_strategy == "popularity"


def test_relationships_negative_weight() -> None:
    with pytest.raises(ParameterError) as info:
        RelationshipsParams.parse(
            {"weights": {"also_bought": 1.0, "also_viewed": -0.5}},
            prefix="relationships",
        )
    message = str(info.value)
    assert "relationships.weights" in message
    assert "also_viewed" in message
    assert "-0.5" in message


def test_relationships_all_zero_weights() -> None:
    with pytest.raises(ParameterError) as info:
        RelationshipsParams.parse(
            {"weights": {"also_bought": 0.0, "also_viewed": 0}}, prefix="relationships"
        )
    message = str(info.value)
    assert "relationships.weights" in message
    assert "all are zero" in message


def test_relationships_default_weights() -> None:
    cfg = RelationshipsParams.parse({}, prefix="relationships")
    assert cfg.weights["also_bought"] == 1.0
    assert any(w > 0 for w in cfg.weights.values())


@pytest.mark.parametrize(
    ("key", "value"), [("k", 0), ("ranking_sample_size", 0), ("batch_size", -1)]
)
def test_evaluate_params_bad_values(key: str, value: int) -> None:
    with pytest.raises(ParameterError) as info:
        EvaluateParams.parse({key: value}, prefix="books.evaluate")
    assert f"books.evaluate.{key}={value!r}" in str(info.value)


def test_schema_defaults_match_the_parameters_files() -> None:
    """The YAML files and the schema document the same defaults."""
    import yaml

    conf = Path(__file__).resolve().parents[1] / "conf" / "base"
    train = yaml.safe_load((conf / "parameters_train.yml").read_text())
    defaults = TrainParams()
    for key, value in train["_train_defaults"].items():
        assert getattr(defaults, key) == pytest.approx(value), key
    for variant in ("mf", "mf_bias", "mf_continuous", "mf_bias_continuous"):
        TrainParams.parse(train[variant]["train"], prefix=f"{variant}.train")
        EvaluateParams.parse(train[variant]["evaluate"], prefix=f"{variant}.evaluate")
    split = yaml.safe_load((conf / "parameters_split.yml").read_text())["split"]
    assert SplitParams.parse(split, prefix="split") == SplitParams()
    weights = yaml.safe_load((conf / "parameters_relationships.yml").read_text())
    assert (
        RelationshipsParams.parse(weights["relationships"], prefix="relationships")
        == RelationshipsParams()
    )
    ingest = yaml.safe_load((conf / "parameters_ingest.yml").read_text())["ingest"]
    assert IngestParams.parse(ingest, prefix="ingest") == IngestParams()
