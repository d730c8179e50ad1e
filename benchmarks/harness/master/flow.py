"""The master's run, phase after phase (each phase is a module of this package)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyperf

from benchmarks.harness.environment import build_warnings
from benchmarks.harness.master.calibrate import calibrate
from benchmarks.harness.master.loops import LoopSource
from benchmarks.harness.master.publish import publish
from benchmarks.harness.master.signals import Signals, pause_at
from benchmarks.harness.master.state import Run
from benchmarks.harness.master.timing import Timing
from benchmarks.harness.master.verify import affinity_warnings, to_time, verify, write_expected
from benchmarks.harness.master.warmup import WarmupPolicy
from benchmarks.harness.options import set_metrics_file
from benchmarks.harness.plan import Case
from benchmarks.harness.progress import Console
from benchmarks.harness.results import ResultsWriter, default_path, runinfo_path
from benchmarks.harness.resume import load_earlier
from benchmarks.harness.rounds import RoundSettings


@dataclass(frozen=True)
class Outcome:
    """How a run ended: its exit status and the files it published."""

    status: int
    #: the results file (None: nothing was measured)
    results: Path | None
    #: its run record, written even when nothing was measured
    runinfo: Path


def master(runner: pyperf.Runner, cases: list[Case], unsupported: list[tuple[Case, str]],
           cpus: list[int] | None, argv: list[str], settings: RoundSettings) -> Outcome:
    """Verify every pair, time them in rounds, publish: the run's exit status and files.

    A stopping signal at any moment from here on (:class:`Signals`) ends the phase it hits;
    what finished is then published, shielded from any further signal."""
    with Signals() as signals:
        run = start(runner, cases, unsupported, cpus, argv, settings)
        run.signals = signals
        status = _master(run)
    if signals.status is not None:  # the first signal says how the run ended, even one that
        status = signals.status      # arrived while publishing (everything was measured then)
    return Outcome(status, run.published, runinfo_path(run.writer.path))


def start(runner: pyperf.Runner, cases: list[Case], unsupported: list[tuple[Case, str]],
          cpus: list[int] | None, argv: list[str], settings: RoundSettings) -> Run:
    """The run, its results file claimed (a resumed run checked first), its warnings said."""
    started = time.monotonic()
    args = runner.args
    earlier = load_earlier(args.resume, cases, runner.metadata) if args.resume else None
    writer = ResultsWriter(Path(args.results) if args.results else default_path())
    set_metrics_file(args, str(writer.metrics_tmp.resolve()))
    # a worker that fails writes why there; published as <stem>.failures.log of the stem the
    # results get (the next free one if another run took this one meanwhile)
    args.failure_log = str(writer.failures_tmp.resolve())
    if earlier is not None and earlier.metrics.exists():
        writer.metrics_tmp.write_bytes(earlier.metrics.read_bytes())  # the new run appends to it
    console = Console(sys.stderr)
    for warning in build_warnings(runner.metadata):
        console.say(f"WARNING: {warning}")
    if args.verbose:
        for case, reason in unsupported:
            console.say(f"unsupported: {case.name}: {reason}")
    elif unsupported:
        console.say(f"{len(unsupported)} pair(s) not run: unsupported by design or here, each with its "
                    "reason in the .runinfo file (and with --verbose, or `python -m benchmarks list`)")
    return Run(runner, cases, unsupported, cpus, argv, settings, started, console, writer, earlier)


def _master(run: Run) -> int:
    loops = LoopSource(run.args, run.writer.path, run.console)
    cost: dict[str, float] = {}
    todo: list[Case] = []
    calibrated: dict[str, dict[str, Any]] = {}
    warmup = WarmupPolicy(run.args.warmups or 0, run.settings)
    # the workers take the checksums verification computed (a user's workload would otherwise run
    # once more, one unit after another, in every worker that times it)
    expected = run.writer.path.with_name(f".{run.writer.path.name}.{os.getpid()}.expected")
    try:
        try:
            cost = verify(run, loops)
            with run.shielded():
                loops.save(run.console)
            todo = to_time(run)
            for warning in affinity_warnings(todo, run.cpus):
                run.notes.add("affinity", warning)
            write_expected(todo, expected)
            run.args.expected_file = str(expected.resolve())
            pause_at("calibration", run.console.say)
            calibrated = calibrate(todo, run.console) if todo else {}
        except KeyboardInterrupt:  # between verification and the rounds, or in a calibration
            run.interrupted = True
            run.console.say("interrupted: keeping every measurement that finished")
            todo = []
        timing = Timing(run, todo, cost, loops, warmup, calibrated)
        timing.measure_all()
    finally:
        expected.unlink(missing_ok=True)
    with run.shielded():
        return publish(run, timing)
