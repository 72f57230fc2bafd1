# Two commands for a newcomer: `make run` and `make test`. Both create .venv on first use.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: run test test-long lint bench bench-lake-100k clean setup native s3-test-server

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# The text core compiled with mypyc (newsetl/native.py), rebuilt when one of its sources
# changed. mypy has its own venv: it needs pathspec>=1, dbt-core pins pathspec<0.13.
# If compiling fails (no C compiler), the pipeline runs the same modules from source.
NATIVE_TOOLS := $(VENV)/native-tools
NATIVE_MANIFEST := build/native/manifest.json
NATIVE_SOURCES := newsetl/core/models.py newsetl/native.py newsetl/native_build.py \
	$(wildcard newsetl/core/text/*.py) $(wildcard newsetl/core/classify/*.py)

native: $(NATIVE_MANIFEST)

$(NATIVE_MANIFEST): requirements-native.lock $(NATIVE_SOURCES)
	@mkdir -p build
	@echo "compiling the text core with mypyc (about a minute; log: build/native.log)"
	@{ test -x $(NATIVE_TOOLS)/bin/python || $(PY) -m venv $(NATIVE_TOOLS); } > build/native.log 2>&1 \
		&& $(NATIVE_TOOLS)/bin/pip install --quiet --disable-pip-version-check \
			-r requirements-native.lock >> build/native.log 2>&1 \
		&& $(NATIVE_TOOLS)/bin/python -m newsetl.native_build >> build/native.log 2>&1 \
		&& tail -1 build/native.log \
		|| { tail -5 build/native.log; echo "WARNING: the text core was not compiled; it runs from source (slower)"; }

run: $(STAMP) native
	$(BIN)/newsetl run

test: $(STAMP) native
	$(BIN)/pytest -q -m "not long" --durations=15

# the fault-injection chain (SIGKILL at every stage, a corrupted work database, a broken batch),
# the Dask path and a reader held open through a run: their own pipeline runs, about 3 minutes
test-long: $(STAMP) native s3-test-server
	$(BIN)/pytest -q -m long

# a local S3-compatible server for tests/test_lake_s3.py (moto from PyPI), in its own venv:
# its Flask/boto dependencies stay out of the pipeline's
S3_SERVER := $(VENV)/s3-test-server
s3-test-server: $(S3_SERVER)/bin/moto_server

$(S3_SERVER)/bin/moto_server:
	@test -x $(S3_SERVER)/bin/python || $(PY) -m venv $(S3_SERVER)
	$(S3_SERVER)/bin/pip install --quiet --disable-pip-version-check "moto[server]==5.2.6"

lint: $(STAMP) native
	$(BIN)/ruff check newsetl newsetl_tools flows tests
	$(NATIVE_TOOLS)/bin/python -m newsetl.native_build --check
	$(BIN)/ruff format --check newsetl newsetl_tools flows tests
	$(BIN)/sqlfluff lint dbt/models
	$(BIN)/lint-imports

bench: $(STAMP) native
	$(BIN)/python -m newsetl_tools.bench

# both warehouse backends at 10,000 and 100,000 pages: cold, no new files, +10 pages (docs/scaling.md);
# hours on two shared cores (10,000 pages cold took 10 minutes in lake mode), ≈ 10 GB in BENCH_DIR.
# Again after a publish change, without the cold runs: make bench-lake-100k BENCH_ARGS=--follow-ups-only
BENCH_DIR ?= /work/bench100k
bench-lake-100k: $(STAMP) native
	$(BIN)/python -m newsetl_tools.lake_bench --sizes 10000,100000 --workdir $(BENCH_DIR) $(BENCH_ARGS)

clean:
	rm -rf warehouse/*.duckdb warehouse/.work warehouse/exports warehouse/.exports-* warehouse/reports warehouse/.published warehouse/docs warehouse/.gx .prefect dbt/target dbt/logs
