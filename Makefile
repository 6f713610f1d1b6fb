# A newcomer needs nothing but these targets. Each creates the virtualenv it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PG_URL ?= postgresql://root@127.0.0.1:5432/test
PY_DIRS = $(wildcard src tests bench)

.PHONY: demo test lint bench check-browser test-sqlite test-postgres format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.runtime $@

## make demo: build the demo company on embedded SQLite and serve it on http://127.0.0.1:8000
demo: $(VENV)/.runtime
	$(BIN)/ev demo

## make lint: ruff (lint + format check), mypy, import-linter layer contracts
lint: $(VENV)/.dev
	$(BIN)/ruff check $(PY_DIRS)
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/mypy src
	$(BIN)/lint-imports

test-sqlite: $(VENV)/.dev
	$(BIN)/pytest -q

## On CI (CI=true) a missing PostgreSQL is a failure; on a laptop these tests skip with a message.
test-postgres: $(VENV)/.dev
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		EV_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not e2e"; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL at $(PG_URL) is not reachable, and CI=true: failing."; exit 1; \
	else \
		echo "SKIPPED: PostgreSQL at $(PG_URL) is not reachable; the suite ran on SQLite only."; \
	fi

## make test: lint, the whole suite on SQLite (with the browser tests), then again on PostgreSQL
test: lint test-sqlite test-postgres

## make bench: every benchmark under bench/, each printing a ratio against its baseline
bench: $(VENV)/.dev
	@for b in $(wildcard bench/bench_*.py); do echo "== $$b"; $(BIN)/python $$b || exit 1; done

format: $(VENV)/.dev
	$(BIN)/ruff format $(PY_DIRS)
	$(BIN)/ruff check --fix $(PY_DIRS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
