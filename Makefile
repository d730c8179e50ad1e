# concbench: `make bench` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: help bench bench-quick list report compare test lint clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  Variables: PYTHON=$(PYTHON) (interpreter for the virtualenv), ARGS='...' (extra 'run' options),"
	@echo "             RESULTS=, REPORT_ARGS= (report), BASE= NEW= (compare)"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Run a profile, then report on the results file that run wrote (even if some pair failed:
# exit status 1); bad input (status 2) writes nothing to report on.
define run_and_report
	@touch $(VENV)/.bench-started
	$(PY) -m benchmarks run --profile $(1) $(ARGS); status=$$?; [ $$status -ne 2 ] || exit 2; \
	$(PY) -m analysis report --latest results --newer-than $(VENV)/.bench-started || exit $$?; \
	exit $$status
endef

bench: $(STAMP) ## run every benchmark, default profile (about 46 minutes on 2 cores); writes results/ and its report
	$(call run_and_report,default)

bench-quick: $(STAMP) ## every pair with small parameters, then its report (under 2 minutes; not for citing)
	$(call run_and_report,quick)

report: $(STAMP) ## report on RESULTS=results/x.json (default: the newest run); prints where it is
	$(PY) -m analysis report $(or $(RESULTS),--latest results) $(REPORT_ARGS)

compare: $(STAMP) ## compare two runs: make compare BASE=results/a.json NEW=results/b.json
	@if [ -z "$(BASE)" ] || [ -z "$(NEW)" ]; then \
		echo "usage: make compare BASE=results/a.json NEW=results/b.json" >&2; exit 2; fi
	$(PY) -m analysis compare $(BASE) $(NEW)

list: $(STAMP) ## list scenarios, models, parameters and unsupported pairs
	$(PY) -m benchmarks list

test: $(STAMP) ## run the test suite (also once with PYTHONASYNCIODEBUG=1 for the async models)
	$(PY) -m pytest
	PYTHONASYNCIODEBUG=1 $(PY) -m pytest -q tests/models/test_same_answer.py

lint: $(STAMP) ## ruff and mypy
	$(VENV)/bin/ruff check benchmarks analysis tests
	$(VENV)/bin/mypy

clean: ## remove the virtualenv and caches (results/ is kept)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
