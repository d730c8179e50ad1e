"""Every use of pyperf's private API, in one place (tests/harness/test_contract.py checks
each of them against the pinned pyperf, so an upgrade that changes one fails loudly).

- ``Runner(_argparser=...)``: our parser, so that a usage error is one line and our options
  (``--profile``, ``-o``) replace pyperf's of the same name.  pyperf allows one Runner per
  class and process (``Runner._created``): a Runner that only checks a command line is of a
  subclass of its own.
- ``Runner._worker_task``: the position of the benchmark a spawned worker runs.  pyperf
  counts it up as benchmarks finish; the master measures benchmarks in rounds, in any
  order, so it sets the position of each one before asking pyperf to measure it.
- ``Runner._bench_names``: pyperf refuses a name it has measured before; a benchmark is
  measured once per round.
- ``BenchmarkSuite._json_load``: a suite from JSON already parsed (what ``load`` calls after
  reading the file), so the analysis reads and parses each results file once.
- ``_utils.is_significant``: the t-test ``pyperf compare_to`` applies, so that ``compare`` can
  say what pyperf's own tool will say about the same files, and why it differs.
- ``_cpu_utils.get_isolated_cpus`` and ``parse_cpu_list``: the CPUs pyperf pins its workers to,
  computed the way pyperf does, for the metadata and the affinity warning.

A leaf module (pyperf and the standard library only): the analysis imports it without
importing any scenario or model.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pyperf


def new_runner(parser: argparse.ArgumentParser, metadata: dict[str, Any], program_args: tuple[str, ...],
               add_cmdline_args: Callable[[list[str], argparse.Namespace], None],
               check_only: bool = False, hooks: Sequence[Any] = ()) -> pyperf.Runner:
    """The process's one pyperf Runner, with its options on ``parser``.

    ``check_only``: a Runner that only parses a command line (a matrix run checks its ``ARGS``
    before building a virtualenv; a test parses many) and never measures: pyperf allows one
    Runner per class and process, so it is of a class of its own, forgotten once made.
    ``hooks``: pyperf hooks of the suite's own (each with a ``name`` and ``load()``), which a
    ``--hook NAME`` then turns on in every worker.
    """
    runner_class = _CheckingRunner if check_only else pyperf.Runner
    runner = runner_class(metadata=metadata, program_args=program_args, add_cmdline_args=add_cmdline_args,
                          _argparser=parser, hooks=list(hooks) or None)
    if check_only:
        pyperf.Runner._created.discard(id(_CheckingRunner))  # the next check may make another
    return runner


class _CheckingRunner(pyperf.Runner):
    """A Runner that only parses (:func:`new_runner`'s ``check_only``)."""


def suite_from_json(filename: str, data: dict[str, Any]) -> pyperf.BenchmarkSuite:
    """The suite of an already parsed results file."""
    return pyperf.BenchmarkSuite._json_load(filename, data)


def pyperf_t_test(base: list[float], new: list[float]) -> bool:
    """Whether ``pyperf compare_to`` calls the two samples significantly different."""
    from pyperf._utils import is_significant

    significant, _score = is_significant(base, new)
    return bool(significant)


def parse_cpus(text: str) -> list[int]:
    """``--affinity``'s CPU list as pyperf reads it (``0,2-3``); ValueError if it is not one."""
    from pyperf._cpu_utils import parse_cpu_list

    cpus = parse_cpu_list(text)
    if not cpus:
        raise ValueError(f"no CPU in {text!r}")
    return sorted(cpus)


def pinned_cpus(affinity_option: str | None) -> list[int] | None:
    """What pyperf pins a worker to: ``--affinity``, else the isolated CPUs, else None (inherit)."""
    from pyperf._cpu_utils import get_isolated_cpus, parse_cpu_list

    if affinity_option:
        return sorted(parse_cpu_list(affinity_option))
    isolated = get_isolated_cpus()
    return sorted(isolated) if isolated else None


def measure(runner: pyperf.Runner, position: int, name: str, time_func: Callable[[int], float],
            metadata: dict[str, Any]) -> pyperf.Benchmark:
    """Spawn pyperf workers for the benchmark registered at ``position`` by every worker."""
    runner._worker_task = position
    runner._bench_names.discard(name)
    said = io.StringIO()  # pyperf's own line per benchmark: the suite prints its progress instead
    try:
        with contextlib.redirect_stdout(said):
            return runner.bench_time_func(name, time_func, metadata=metadata)
    except BaseException:
        sys.stderr.write(said.getvalue())  # what pyperf said about the failure
        raise
