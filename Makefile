# Two commands: `make run` and `make test`. Both install what they need first.
# `make bench` runs the benchmarks (bench/results.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test load lint typecheck schema redis bench peer e2e graphiql chromium clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start the API with GraphiQL on the embedded local AWS stack (moto), demo people seeded.
run: install graphiql
	$(BIN)/prework serve

## GraphiQL's React/GraphiQL files from the npm registry (git-ignored), so the page works
## without its CDN. Optional for `run`: without npm the page loads them from the CDN.
graphiql: install
	@$(BIN)/python scripts/vendor-graphiql.py \
	  || echo "GraphiQL files not vendored: the page will load them from its CDN"

## A redis-server for the cross-process subscription tests (installed from Debian if missing).
redis:
	@command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq redis-server >/dev/null; fi; }

lint: install
	$(BIN)/ruff check graph resolvers services tests bench e2e
	$(BIN)/ruff format --check graph resolvers services tests bench e2e
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

## Regenerate the committed SDL.
schema: install
	$(BIN)/prework export-schema > schema.graphql

## The GraphQL-over-HTTP audit suite (npm graphql-http, two packages) for its system test.
AUDIT := tests/system/graphql_http
$(AUDIT)/node_modules/graphql-http/package.json: $(AUDIT)/package.json $(AUDIT)/package-lock.json
	npm ci --prefix $(AUDIT) --no-audit --no-fund --loglevel=error

## Lint, types, and the whole suite against a real moto server (two xdist workers).
test: install redis lint typecheck $(AUDIT)/node_modules/graphql-http/package.json
	$(BIN)/pytest -n 2 --dist loadfile -q -m "not load"

## 100 concurrent clients for a minute against a `prework serve` process (docs/limits.md).
load: install
	$(BIN)/pytest -q -m load

## Headless Chromium for the GraphiQL end-to-end test (Debian package, installed if missing).
chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

## End to end against `prework serve` as `make run` starts it: graphql-ws (Node), gql (Python),
## GraphiQL, and Apollo Client and urql apps (bundled with esbuild into e2e/browser/dist/) in
## headless Chromium. Screenshots land in e2e/artifacts/.
e2e: install chromium
	$(BIN)/python scripts/vendor-graphiql.py
	npm ci --prefix e2e --no-audit --no-fund --loglevel=error
	node e2e/browser/build.mjs
	$(BIN)/pytest e2e -m e2e -p no:cacheprovider -q

## Benchmarks, a few minutes on 2 CPUs: writes bench/results/*.md and bench/results.md.
LOAD_SECONDS ?= 60
bench/node_modules/sharp/package.json: bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund --loglevel=error

## The Node competitor (../shared/peer, read-only) copied into git-ignored bench/peer/.
PEER_SOURCE ?= ../shared/peer
bench/peer/node_modules/.package-lock.json: $(PEER_SOURCE)/package-lock.json $(PEER_SOURCE)/server.mjs
	rm -rf bench/peer && mkdir -p bench/peer
	cp $(PEER_SOURCE)/package.json $(PEER_SOURCE)/package-lock.json $(PEER_SOURCE)/*.mjs $(PEER_SOURCE)/schema.graphql bench/peer/
	cd bench/peer && npm ci --no-audit --no-fund --loglevel=error

peer: bench/peer/node_modules/.package-lock.json

bench: install redis bench/node_modules/sharp/package.json peer
	$(BIN)/python bench/requests.py
	$(BIN)/python bench/overhead.py --profile
	$(BIN)/python bench/executor.py
	$(BIN)/python bench/instructions.py
	$(BIN)/python bench/thumbnails.py
	$(BIN)/python bench/encoders.py
	$(BIN)/python bench/subscriptions.py
	$(BIN)/python bench/upload_latency.py
	$(BIN)/python bench/load.py --seconds $(LOAD_SECONDS)
	$(BIN)/python bench/report.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
