# Two commands for a newcomer: `make run` and `make test`. Both create .venv on first use.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: run test lint bench clean setup

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsetl run

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check newsetl flows tests
	$(BIN)/ruff format --check newsetl flows tests
	$(BIN)/sqlfluff lint dbt/models

bench: $(STAMP)
	$(BIN)/python -m newsetl.bench

clean:
	rm -rf warehouse/*.duckdb warehouse/.work warehouse/exports warehouse/.exports-* warehouse/reports warehouse/docs .prefect dbt/target dbt/logs
