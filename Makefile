# Two commands: `make run` and `make test`. Both install what they need first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test load lint typecheck schema redis bench e2e clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start the API with GraphiQL on the embedded local AWS stack (moto), demo people seeded.
run: install
	$(BIN)/prework serve

## A redis-server for the cross-process subscription tests (installed from Debian if missing).
redis:
	@command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server >/dev/null; fi; }

lint: install
	$(BIN)/ruff check prework tests bench
	$(BIN)/ruff format --check prework tests bench

typecheck: install
	$(BIN)/mypy

## Regenerate the committed SDL.
schema: install
	$(BIN)/prework export-schema > schema.graphql

## Lint, types, and the whole suite against a real moto server (two xdist workers).
test: install redis lint typecheck
	$(BIN)/pytest -n 2 --dist loadfile -q -m "not load"

## 100 concurrent clients for a minute against a `prework serve` process (docs/limits.md).
load: install
	$(BIN)/pytest -q -m load

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
