"""``python -m benchmarks run``: parse the options, plan, then act as pyperf's master or worker.

The master (the process the user starts, :mod:`benchmarks.harness.master`)
verifies every pair and times them in rounds; pyperf re-runs this same
command in worker processes, with the suite's options appended by
``add_cmdline_args`` (:mod:`benchmarks.harness.options`).  A worker registers
every planned benchmark in plan order and pyperf runs the one at the position
the master asked for (:mod:`benchmarks.pyperf_bridge`), so a pair
that failed verification is simply never asked for.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pyperf

from benchmarks.core.params import parse_assignments
from benchmarks.harness.cputime import HOOK_NAME, HookEntry
from benchmarks.harness.environment import (
    check_affinity,
    format_cpus,
    interpreter_metadata,
    set_python_gil,
    worker_cpus,
)
from benchmarks.harness.failures import worker_hook
from benchmarks.harness.master import Outcome, master
from benchmarks.harness.master.verify import read_expected
from benchmarks.harness.options import add_run_options, chosen_profile, forward, round_settings, warmups_given
from benchmarks.harness.plan import Case, plan
from benchmarks.harness.profiles import Profile
from benchmarks.harness.registry import is_path, load_plugins
from benchmarks.harness.worker import PROGRAM_ARGS, make_time_func, run_kinds
from benchmarks.pyperf_bridge import new_runner
from benchmarks.runtimes.cluster import configure as configure_cluster
from benchmarks.runtimes.startup import die_with_parent


def end_worker() -> NoReturn:
    """End a worker whose result pyperf has on its pipe: the exit handlers run (a capability's
    ``worker_exit``, multiprocessing's), then the process ends without the interpreter's teardown
    of every module, which took 25-30 ms here, and which pyperf's master waits for by polling in
    steps of up to 50 ms: 35-40 ms per benchmark and round (about 11 s of a round of the full
    matrix)."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@dataclass
class Prepared:
    """A parsed and planned command line, before any work."""

    runner: pyperf.Runner
    args: argparse.Namespace
    profile: Profile
    cases: list[Case]
    unsupported: list[tuple[Case, str]]
    cpus: list[int] | None


def prepare(parser: argparse.ArgumentParser, argv: list[str], check_only: bool = False) -> Prepared:
    """Parse ``argv`` (the suite's options and pyperf's together, on ``parser``) and plan it: every
    bad option or value is a usage error (exit 2) or BadInput here, before any work.  With
    ``check_only`` nothing is run afterwards (a matrix run checks its ``ARGS`` so; tests too)."""
    runner = new_runner(parser, interpreter_metadata(), PROGRAM_ARGS, forward, check_only=check_only,
                        hooks=[HookEntry()])
    add_run_options(parser)  # after pyperf's own: ours replace two of them
    profile = chosen_profile(parser, argv)
    args = runner.parse_args([*profile.pyperf_args, *argv])
    if HOOK_NAME not in (args.hook or ()):  # CPU time beside every value; pyperf forwards --hook
        args.hook = [*(args.hook or ()), HOOK_NAME]
    # a workload file by its absolute path: workers find it whatever their directory
    args.plugin = [str(Path(p).resolve()) if is_path(p) else p for p in args.plugin]
    load_plugins(args.plugin)
    configure_cluster(args.dask_scheduler)  # before planning: the dask model's metadata says where
    cases, unsupported = plan(args.scenario, args.model, parse_assignments(args.param), profile)
    check_affinity(args.affinity)
    return Prepared(runner, args, profile, cases, unsupported, worker_cpus(args.affinity))


def run(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    """``python -m benchmarks run``, master and workers: ``parser`` parses the suite's options
    and pyperf's together.  The exit status."""
    return measure_run(parser, argv).status


def measure_run(parser: argparse.ArgumentParser, argv: list[str]) -> Outcome:
    """:func:`run`, with what the master published (``concbench ask`` reads it back); a worker
    process never returns from here."""
    ready = prepare(parser, argv)
    runner, args, profile, cases, unsupported, cpus = (ready.runner, ready.args, ready.profile, ready.cases,
                                                       ready.unsupported, ready.cpus)
    if cpus is not None:
        runner.metadata["worker_cpu_affinity"] = format_cpus(cpus)
        runner.metadata["worker_cpus"] = len(cpus)
    runner.metadata["profile"] = profile.name
    if args.worker:
        die_with_parent()  # a master killed outright takes its workers (and their pools) along
        if 0 <= args.worker_task < len(cases):
            # A capability that runs apart sets this process up for its own benchmark only,
            # before anything is registered or timed (gevent patches here, never in the master).
            if args.failure_log:
                sys.excepthook = worker_hook(args.failure_log, cases[args.worker_task].name)
            capability = cases[args.worker_task].model.capability
            if capability.apart:
                capability.worker_init()
                atexit.register(capability.worker_exit)
        if args.warmup_runs:
            runner.metadata["warmup_runs"] = args.warmup_runs  # untimed, before pyperf's first value
        if args.expected_file and 0 <= args.worker_task < len(cases):
            known = read_expected(Path(args.expected_file))
            mine_case = cases[args.worker_task]
            if mine_case.name in known:
                mine_case.know_expected(known[mine_case.name])
        for index, case in enumerate(cases):
            # Only this worker's own benchmark needs its metadata (and expected value).
            mine = index == args.worker_task
            runner.bench_time_func(case.name,
                                   make_time_func(case, cpus, args.metrics_file, run_kinds(args),
                                                  args.warmup_runs if mine else 0),
                                   metadata=case.metadata() if mine else None)
        end_worker()
    requested = args.python_gil
    if requested is None and sysconfig.get_config_var("Py_GIL_DISABLED"):
        # A free-threaded build re-enables the GIL to load an extension that has not declared it
        # can run without (hdrhistogram's, which tcp_echo's metrics use after the clock, in one
        # thread): say 0 explicitly so that the run stays free-threaded, as its metadata says
        requested = "0"
    if requested is not None:
        # pyperf hands PYTHON_GIL to its workers (it is on its allow-list of variables)
        set_python_gil(requested)
        runner.metadata["python_gil_requested"] = requested
    settings = round_settings(args, profile, seed=int.from_bytes(os.urandom(4), "little"),
                              keep_warmups=warmups_given(argv))
    runner.metadata["processes_per_round"] = settings.processes
    return master(runner, cases, unsupported, cpus, argv, settings)
