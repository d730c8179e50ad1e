# concbench: `make bench` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: help bench bench-quick list test lint clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  Variables: PYTHON=$(PYTHON) (interpreter for the virtualenv), ARGS='...' (extra 'run' options)"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

bench: $(STAMP) ## run every benchmark, default profile (several minutes); writes results/
	$(PY) -m benchmarks run --profile default $(ARGS)

bench-quick: $(STAMP) ## run every pair once with small parameters (under 2 minutes; not for citing)
	$(PY) -m benchmarks run --profile quick $(ARGS)

list: $(STAMP) ## list scenarios, models, parameters and unsupported pairs
	$(PY) -m benchmarks list

test: $(STAMP) ## run the test suite (also once with PYTHONASYNCIODEBUG=1 for the async models)
	$(PY) -m pytest
	PYTHONASYNCIODEBUG=1 $(PY) -m pytest -q tests/test_same_answer.py

lint: $(STAMP) ## ruff and mypy
	$(VENV)/bin/ruff check benchmarks analysis tests
	$(VENV)/bin/mypy

clean: ## remove the virtualenv and caches (results/ is kept)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
