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
# Debian testing's Pythons `make test` also runs the same-answer tests on, in the debootstrap
# root of `make python-root` (empty: skip that step)
ROOT_PYTHONS ?= 3.14 3.15
# A matrix run's results folder (make bench PYTHONS=... OUT=/tmp/x); empty: results/
OUT ?=
# The browser test of report.html drives Debian's chromium (make browser installs it)
CHROMIUM := /usr/bin/chromium
# Test processes for `make test` (pytest-xdist): most tests wait on subprocesses, so two keep two
# CPUs busy; worksteal hands a long test's neighbours to the process that is free.
TEST_PROCS ?= 2
XDIST := -n $(TEST_PROCS) --dist worksteal

.PHONY: help setup bench bench-quick python-ft python-root list report compare validity test test-ft test-root browser lint clean

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/\$$(FREE_THREADED)/$(FREE_THREADED)/g; s/\$$(ROOT_PYTHONS)/$(ROOT_PYTHONS)/g' | \
		awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  Variables: PYTHON=$(PYTHON) (interpreter for the virtualenv), ARGS='...' (extra 'run' options),"
	@echo "             PYTHONS='3.11 3.13 3.13t 3.14 ...' (bench on each; OUT= their folder), FREE_THREADED=$(FREE_THREADED) (test-ft; empty: none),"
	@echo "             ROOT_PYTHONS='$(ROOT_PYTHONS)' (test-root; empty: none),"
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
	$(PY) -m benchmarks.harness.matrix $(if $(OUT),--out $(OUT)) "$(PYTHONS)" -- --profile default $(ARGS)
endif

bench-quick: $(STAMP) ## every pair with small parameters, then its report (a few minutes; not for citing)
ifeq ($(strip $(PYTHONS)),)
	$(call run_and_report,quick)
else
	$(PY) -m benchmarks.harness.matrix $(if $(OUT),--out $(OUT)) "$(PYTHONS)" -- --profile quick $(ARGS)
endif

python-ft: ## build free-threaded CPython $(FREE_THREADED) and its GIL twin into ~/.cache/concbench/pythons (about 5 minutes, once)
	tools/build-python.sh --twin $(FREE_THREADED)

python-root: ## Debian testing's CPython 3.14 and 3.15 in a debootstrap root, ~/.cache/concbench/roots (1-2 minutes, once; root)
	@tools/python-root.sh build

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
ifneq ($(strip $(ROOT_PYTHONS)),)
	@$(MAKE) --no-print-directory test-root
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

# The root is made once (tools/python-root.sh: debootstrap, installed with apt-get if missing);
# where it cannot be (not root, no debootstrap and no apt-get, no Debian mirror in the apt
# configuration) the step skips in one line.  Each Python's virtualenv (.venv-root<version>, in
# the checkout, which the root sees) gets what the tests need, each package where it installs
# (3.15: numpy 2.4.6 and hdrhistogram have no wheel for it, and the root has no compiler).
test-root: $(STAMP) ## the same-answer, subinterpreter and loop-choice tests on Debian's $(ROOT_PYTHONS) (make python-root's root)
	@# tcp_echo's C helpers, built here into the cache the root sees (it has no compiler)
	@$(PY) -c "from benchmarks.scenarios.tcp_echo import native; native.compiler() and [native.binary(n) for n in native.NAMES]"
	@tools/python-root.sh build >/dev/null 2>$(VENV)/.root-build.log; status=$$?; \
	if [ $$status -eq 77 ]; then echo "make: test-root skipped: $$(tail -1 $(VENV)/.root-build.log)" >&2; exit 0; fi; \
	cat $(VENV)/.root-build.log >&2; [ $$status -eq 0 ] || exit $$status; \
	for v in $(ROOT_PYTHONS); do \
		venv=.venv-root$$v; \
		if ! tools/python-root.sh run sh -c "command -v python$$v" >/dev/null; then \
			echo "make: test-root: no python$$v in the root: skipped" >&2; continue; fi; \
		want="$$(cksum < constraints.txt)"; \
		if [ "$$(cat $$venv/.installed 2>/dev/null)" != "$$want" ]; then \
			tools/python-root.sh run python$$v -m venv --clear $$venv || exit 1; \
			for p in "pyperf pytest pytest-timeout psutil pbr" numpy hdrhistogram uvloop; do \
				tools/python-root.sh run $$venv/bin/python -m pip install --quiet --disable-pip-version-check \
					-c constraints.txt $$p >/dev/null 2>&1 || \
				echo "make: test-root: $$p does not install for $$v here; the tests that need it skip" >&2; \
			done; \
			echo "$$want" > $$venv/.installed; \
		fi; \
		echo "make: the same-answer tests on Debian's $$v (debootstrap root)" >&2; \
		tools/python-root.sh run env PYTHONPATH=. $$venv/bin/python -m pytest -q -p no:cacheprovider \
			tests/models/test_same_answer.py tests/models/test_invariants.py tests/models/test_loop_choice.py \
			tests/concbench/test_subinterpreters.py || exit 1; \
	done

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
	rm -rf $(VENV) $(FT_VENV) .venv-py* .venv-root* .pytest_cache .mypy_cache .ruff_cache
