# baseline-recsys: two commands do all the set-up on a fresh machine (Python 3.11).
#   make run   creates .venv if missing, installs the project, runs the main job
#   make test  same set-up, then ruff and pytest
#   make bench benchmarks (not part of make test)
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export KEDRO_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1

.PHONY: run test lint install viz clean bench

$(BIN)/python:
	$(shell command -v $(PYTHON) || command -v python3) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/kedro run --pipeline train_mf_bias

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

# BENCH_ARGS, e.g. BENCH_ARGS="--sizes electronics --runs 1"; see benchmarks/run.py
bench: install
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

viz: install
	$(BIN)/kedro viz run

clean:
	rm -rf data/0[2-8]_*/* data/02_intermediate/.staging
