# Nearpeer: two commands on a fresh machine.
#   make run   install locked dependencies, migrate, seed the demo society, serve on http://127.0.0.1:8000
#   make test  the whole suite: pytest (SQLite, then the PostgreSQL-dependent tests), ruff, migrations check
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
# Where the database-dependent tests run; override in CI or on another machine.
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/nearpeer
export NEARPEER_TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# pytest-xdist workers for make test (one per core of the 2-core CI machine; 1 = no xdist).
# Tests are spread one by one (--dist load). Each Redis-marked test keeps its keys under a prefix
# of its own or names them after its own objects, so they may run side by side.
TEST_WORKERS ?= 2
PYTEST_PARALLEL := $(if $(filter 1,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist load)

PIP := $(BIN)/pip --disable-pip-version-check -q
# No byte-compiling of every installed file (some 18,000, ~40 s of CPU): Python compiles the
# modules a run imports, once, on first import.
PIP_INSTALL := $(PIP) install --no-compile

.PHONY: run test lint format install install-dev assets lock clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r requirements.lock
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock | $(BIN)/python
	$(PIP_INSTALL) --require-hashes -r requirements-dev.lock
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	touch $(VENV)/.installed $@

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(VENV)/.installed node_modules/.package-lock.json
install-dev: $(VENV)/.installed-dev node_modules/.package-lock.json

run: install
	NEARPEER_DEBUG=$${NEARPEER_DEBUG-1} $(BIN)/nearpeer migrate --noinput
	NEARPEER_DEBUG=$${NEARPEER_DEBUG-1} $(BIN)/nearpeer teachers rotate-key --if-missing
	NEARPEER_DEBUG=$${NEARPEER_DEBUG-1} $(BIN)/nearpeer seed_demo
	NEARPEER_DEBUG=$${NEARPEER_DEBUG-1} $(BIN)/nearpeer collectstatic --noinput -v0
	@# Long work (allocation runs, emails) goes to a background worker, as in production.
	NEARPEER_DEBUG=$${NEARPEER_DEBUG-1} NEARPEER_TASKS=database $(BIN)/nearpeer db_worker --no-reload --interval 1 -v0 & \
	NEARPEER_DEBUG=$${NEARPEER_DEBUG-1} NEARPEER_TASKS=database $(BIN)/uvicorn nearpeer.asgi:application --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	NEARPEER_DEBUG=1 $(BIN)/python -m nearpeer.cli makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_PARALLEL)
	DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -m "postgres" -p no:cacheprovider $(PYTEST_PARALLEL)

# Every bench in turn, then one summary table (figures are noisy on a busy machine: each bench
# prints the load average it saw). PostgreSQL figures need a server at BENCH_POSTGRES_URL.
bench: install-dev
	@mkdir -p var; rm -f var/bench-summary.jsonl
	@for b in bench/[!_]*.py; do echo "== $$b"; \
	  NEARPEER_BENCH_SUMMARY=var/bench-summary.jsonl $(BIN)/python $$b || exit 1; done
	@$(BIN)/python bench/_summary.py var/bench-summary.jsonl

lock:
	uv pip compile -q --generate-hashes --python-version 3.11 --universal -o requirements.lock requirements.in
	uv pip compile -q --generate-hashes --python-version 3.11 --universal -o requirements-dev.lock requirements-dev.in

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules var staticfiles
