# The two commands of the Quick start. Each creates .venv and installs on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-slow lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

## demo: place the demo call offline (no key, no server) and print where its run directory is
demo: $(VENV)/.installed
	$(BIN)/crosstalk run scenarios/demo_order_status.yaml --allow-inconclusive

## test: the every-commit tier: unit tests and a few short shared real calls (offline), on two
## workers: real-clock tests one at a time in one lane, the rest beside them (tests/conftest.py)
test: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist loadgroup

## test-slow: the slow tier only: the demo call, long, library and concurrent calls (offline)
test-slow: $(VENV)/.installed
	$(BIN)/python -m pytest -m slow

lint: $(VENV)/.installed
	$(BIN)/ruff check harness agent_under_test tests benchmarks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/pacing.py
	$(BIN)/python benchmarks/probes.py
	$(BIN)/python benchmarks/impairments.py
	$(BIN)/python benchmarks/concurrency.py
	$(BIN)/python benchmarks/report.py
	$(BIN)/python benchmarks/concurrent_runs.py
	$(BIN)/python benchmarks/call_cpu.py
	$(BIN)/python benchmarks/hearing.py
	$(BIN)/python benchmarks/agent_latency.py

clean:
	rm -rf $(VENV) reports/*/
