# The commands the README names; .ci/run calls the same ones.
export UV_PYTHON_DOWNLOADS := never
PYTHON ?= python3
UV ?= $(PYTHON) -m uv

.PHONY: setup run test lint typecheck unit faults bench bench-clocks bench-log token clean uv

uv:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.13"

.venv/.synced: pyproject.toml uv.lock | uv
	$(UV) sync --frozen
	touch $@

setup: .venv/.synced  ## virtual environment with the locked dependencies, and the Kafka jars (unless a cluster is given)
	$(if $(KAFKA_BOOTSTRAP_SERVERS),@echo "using Kafka at $(KAFKA_BOOTSTRAP_SERVERS)",$(UV) run --frozen python -m deploy.kafka fetch >/dev/null)

run: setup  ## the whole system: Kafka, topics, four services, demo data (Ctrl-C stops it)
	$(UV) run --frozen python -m deploy.run

test: setup lint typecheck  ## lint, type checks, then every test tier against a real broker (and the fault table)
	@mkdir -p .run && rm -f .run/faults.jsonl
	@CIVIC_FAULTS_REPORT=$(CURDIR)/.run/faults.jsonl $(UV) run --frozen pytest; status=$$?; \
		$(UV) run --frozen python -m tests.faults.table .run/faults.jsonl; exit $$status

lint: .venv/.synced
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck: .venv/.synced
	$(UV) run --frozen mypy shared services deploy bench tests

unit: .venv/.synced
	$(UV) run --frozen pytest -m "not kafka"

faults: setup  ## the fault tier, then its table: make faults BACKENDS=sqlite,postgresql (default: PostgreSQL where at hand)
	@mkdir -p .run && rm -f .run/faults.jsonl
	@CIVIC_FAULTS_REPORT=$(CURDIR)/.run/faults.jsonl $(if $(BACKENDS),CIVIC_FAULTS_BACKENDS=$(BACKENDS)) \
		$(UV) run --frozen pytest -m faults -q tests/faults; status=$$?; \
		$(UV) run --frozen python -m tests.faults.table .run/faults.jsonl; exit $$status

bench: setup  ## bench/pipeline.py against a fresh local broker, then bench/clocks.py
	$(UV) run --frozen python -m bench.pipeline $(BENCH_ARGS)
	$(UV) run --frozen python -m bench.clocks $(CLOCKS_ARGS)

bench-clocks: .venv/.synced  ## bench/clocks.py alone, no broker: make bench-clocks CLOCKS_ARGS="--clocks 100000"
	$(UV) run --frozen python -m bench.clocks $(CLOCKS_ARGS)

bench-log: setup  ## bench/log_size.py: disk per million cases of the log kept for ever (BENCH_LOG_ARGS="--cases 20000")
	$(UV) run --frozen python -m bench.log_size $(BENCH_LOG_ARGS)

token: .venv/.synced  ## make token ROLE=handler DEPT=engineering (SUB=reviewer-2 for a second reviewer)
	@$(UV) run --frozen civic token --role $(or $(ROLE),handler) $(if $(DEPT),--department $(DEPT)) $(if $(SUB),--sub $(SUB))

clean:
	rm -rf .run .venv .mypy_cache .pytest_cache .ruff_cache
