# concbench: `make bench` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONCBENCH := $(VENV)/bin/concbench
STAMP := $(VENV)/.installed-stamp
ARGS ?=
# Interpreters for a matrix run (make bench PYTHONS="3.11 3.13 3.13t"); empty: this venv's only
PYTHONS ?=
# The free-threaded build `make test` also runs the same-answer tests on (empty: skip that step)
FREE_THREADED ?= 3.13.5
FT_VENV := .venv-ft
# The browser test of report.html drives Debian's chromium (make browser installs it)
CHROMIUM := /usr/bin/chromium
# Test processes for `make test` (pytest-xdist): most tests wait on subprocesses, so two keep two
# CPUs busy; worksteal hands a long test's neighbours to the process that is free.
TEST_PROCS ?= 2
XDIST := -n $(TEST_PROCS) --dist worksteal

.PHONY: help setup bench bench-quick python-ft list report compare validity test test-ft browser lint clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/\$$(FREE_THREADED)/$(FREE_THREADED)/g' | \
		awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  Variables: PYTHON=$(PYTHON) (interpreter for the virtualenv), ARGS='...' (extra 'run' options),"
	@echo "             PYTHONS='3.11 3.13 3.13t ...' (bench on each), FREE_THREADED=$(FREE_THREADED) (test-ft; empty: none),"
	@echo "             RESULTS=, REPORT_ARGS= (report), BASE= NEW= COMPARE_ARGS= (compare), SIZE_KIB= (validity),"
	@echo "             TEST_PROCS=$(TEST_PROCS) (test processes for make test; auto: one per core)"

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) ## create .venv with the pinned dependencies and the concbench command (bench and test do it too)

# Run a profile, then report on the results file that run wrote (even if some pair failed:
# exit status 1); bad input (status 2) writes nothing to report on.  The report's paths come
# last, after the time taken, so that the last line is summary.md (what to paste into a review).
define run_and_report
	@touch $(VENV)/.bench-started
	@start=$$(date +%s); \
	$(CONCBENCH) run --profile $(1) $(ARGS); status=$$?; [ $$status -ne 2 ] || exit 2; \
	written=$$($(CONCBENCH) report --latest results --newer-than $(VENV)/.bench-started) || exit $$?; \
	took=$$(( $$(date +%s) - start )); \
	printf 'make: the whole run took %d:%02d (verification, rounds and report)\n' $$((took / 60)) $$((took % 60)) >&2; \
	printf '%s\n' "$$written"; \
	exit $$status
endef

bench: $(STAMP) ## run every benchmark, default profile (rounds within a 14-minute budget); writes results/ and its report
ifeq ($(strip $(PYTHONS)),)
	$(call run_and_report,default)
else
	$(PY) -m benchmarks.harness.matrix "$(PYTHONS)" -- --profile default $(ARGS)
endif

bench-quick: $(STAMP) ## every pair with small parameters, then its report (a few minutes; not for citing)
ifeq ($(strip $(PYTHONS)),)
	$(call run_and_report,quick)
else
	$(PY) -m benchmarks.harness.matrix "$(PYTHONS)" -- --profile quick $(ARGS)
endif

python-ft: ## build free-threaded CPython $(FREE_THREADED) and its GIL twin into ~/.cache/concbench/pythons (about 5 minutes, once)
	tools/build-python.sh --twin $(FREE_THREADED)

report: $(STAMP) ## report on RESULTS=results/x.json (default: the newest run); prints where it is
	$(CONCBENCH) report $(or $(RESULTS),--latest results) $(REPORT_ARGS)

compare: $(STAMP) ## compare two runs: make compare BASE=results/a.json NEW=results/b.json [COMPARE_ARGS='--fail-on-slower 5%']
	@if [ -z "$(BASE)" ] || [ -z "$(NEW)" ]; then \
		echo "usage: make compare BASE=results/a.json NEW=results/b.json [COMPARE_ARGS='--all --fail-on-slower 5%']" >&2; exit 2; fi
	$(CONCBENCH) compare $(BASE) $(NEW) $(COMPARE_ARGS)

# The hashing example and cpu_hash do the same work: their threads/sequential ratios must agree.
validity: $(STAMP) ## check that examples/hashing.py measures what cpu_hash does (one run of at most 3 minutes, about 1 here; SIZE_KIB=1024)
	$(PY) tools/validity.py --size-kib $(or $(SIZE_KIB),1024)

list: $(STAMP) ## list scenarios, models, parameters and unsupported pairs
	$(CONCBENCH) list

test: $(STAMP) | browser ## the test suite, once more with PYTHONASYNCIODEBUG=1 for the async models, and the same-answer tests on a free-threaded build
	$(PY) -m pytest $(XDIST)
	PYTHONASYNCIODEBUG=1 $(PY) -m pytest $(XDIST) -q tests/models/test_same_answer.py
ifneq ($(strip $(FREE_THREADED)),)
	@$(MAKE) --no-print-directory test-ft
endif

# The free-threaded interpreter is built once (tools/build-python.sh caches it, about 3 minutes
# here); its virtualenv gets only what the same-answer tests need (no uvloop: none for it).
test-ft: ## the same-answer tests on free-threaded CPython $(FREE_THREADED), built first if need be
	@ft=$$(tools/build-python.sh $(FREE_THREADED) | tail -1) && \
	if [ ! -e $(FT_VENV)/.installed ] || [ "$$(cat $(FT_VENV)/.installed)" != "$$ft" ]; then \
		$$ft -m venv --clear $(FT_VENV) && \
		$(FT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt \
			pyperf numpy psutil hdrhistogram pbr pytest pytest-timeout && echo "$$ft" > $(FT_VENV)/.installed; \
	fi
	# PYTHON_GIL=0, as the runner sets it on a free-threaded build: hdrhistogram's extension would enable it
	PYTHON_GIL=0 PYTHONPATH=. $(FT_VENV)/bin/python -m pytest -q tests/models/test_same_answer.py tests/models/test_invariants.py \
		tests/concbench/test_subinterpreters.py

# Installs only where it can (apt-get, as root: CI's fresh Debian); anywhere else the browser test skips,
# saying why.  Once installed this does nothing.
browser: ## install Debian's chromium for the browser test of report.html, if missing and apt-get can
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" -eq 0 ]; then \
		echo "make: installing chromium for the browser test of report.html (apt-get)" >&2; \
		{ DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "make: could not install chromium: the browser test will skip" >&2; \
	else \
		echo "make: no $(CHROMIUM), and no apt-get as root to install it: the browser test will skip" >&2; \
	fi

lint: $(STAMP) ## ruff and mypy
	$(VENV)/bin/ruff check concbench benchmarks analysis tests examples tools/validity.py
	$(VENV)/bin/mypy

clean: ## remove the virtualenv and caches (results/ is kept)
	rm -rf $(VENV) $(FT_VENV) .venv-py* .pytest_cache .mypy_cache .ruff_cache
