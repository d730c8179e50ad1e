"""Publishing: the benchmarks in plan order, each one pyperf Benchmark holding all its rounds (so
``pyperf stats``, ``dump`` and ``compare_to`` read the file as usual), and the run record
(:mod:`benchmarks.core.runrecord`) that says how the run went."""

from __future__ import annotations

import signal
import time
from collections.abc import Sequence

from benchmarks.core.runrecord import Registry, Rounds, RunRecord, Undecided, Unsupported
from benchmarks.harness import history
from benchmarks.harness.cpuprobe import WARN_SPREAD
from benchmarks.harness.master.loops import LoopSource
from benchmarks.harness.master.signals import INTERRUPTED
from benchmarks.harness.master.state import Run
from benchmarks.harness.master.timing import Timing
from benchmarks.harness.progress import format_duration
from benchmarks.harness.registry import registry_record
from benchmarks.harness.worker import PROGRAM_ARGS


def publish(run: Run, timing: Timing) -> int:
    """Save the results, warn, write the run record and say where: the run's exit status."""
    console, planner = run.console, timing.planner
    if run.interrupted:
        console.say(f"stopped by {stopped_by(run)} after {planner.completed} full round(s): every "
                    "measurement that finished is kept")
    elif planner.stop_reason:
        console.say(f"stopped after {planner.completed} round(s): {planner.stop_reason}")
    undecided = [Undecided(benchmark=c.name, against=c.reference,
                           half_width=None if c.half_width == float("inf") else c.half_width,
                           rounds=c.rounds) for c in planner.open_comparisons()] if timing.tracks else []
    benches = timing.measured()
    for bench in benches:
        case = timing.by_name[bench.get_name()]
        for note in case.scenario.warnings(bench.get_metadata(), bench.median()):
            run.notes.add(f"{case.scenario.name}", f"{case.name}: {note}")
    run.writer.save(benches)
    for line in run.notes.summary():
        console.say(f"WARNING: {line}")
    if timing.slow_cpu:
        console.say(f"WARNING: {len(timing.slow_cpu)} of {len(benches)} benchmark(s) were measured at least "
                    f"once while a CPU ran over {WARN_SPREAD:g}x slower than the run's best (listed in the "
                    ".runinfo file as slow_cpu); rounds spread such drift over every model of a comparison")
    record = run_record(run, timing, len(benches), undecided)
    console.close()
    path = run.published = run.writer.finish(record)
    if run.earlier is not None and path is not None and run.earlier.is_partial:
        run.earlier.path.unlink()  # its runs are in the new file now
        run.earlier.metrics.unlink(missing_ok=True)
    summary = (f"{len(benches)} of {len(run.cases)} benchmark(s), {planner.completed} round(s) in "
               f"{format_duration(time.monotonic() - run.started)}; {len(run.failed)} failed, "
               f"{len(run.unsupported)} unsupported")
    if path is not None:
        console.say(f"wrote {path.resolve()} ({summary})")
    else:
        console.say(f"no results written ({summary})")
    if run.interrupted:
        return INTERRUPTED
    return 1 if run.failed else 0


def stopped_by(run: Run) -> str:
    """``SIGTERM``, ``Ctrl-C (SIGINT)``: what interrupted the run."""
    received = run.signals.received if run.signals is not None else None
    if received is None or received == signal.SIGINT:
        return "Ctrl-C (SIGINT)"  # a KeyboardInterrupt without the handler is one too
    return signal.Signals(received).name


def run_record(run: Run, timing: Timing, completed: int, undecided: Sequence[Undecided]) -> RunRecord:
    """How the run went, for its ``.runinfo`` (the results file's name is the writer's to add)."""
    loops: LoopSource = timing.loops
    return RunRecord(
        command=("python", *PROGRAM_ARGS, *run.argv),
        profile=run.args.suite_profile,
        pyperf_args=tuple(run.argv),
        resumed_from=str(run.earlier.path) if run.earlier is not None else None,
        registry=Registry.from_dict(registry_record(run.cases, run.unsupported)),
        planned=len(run.cases),
        completed=completed,
        interrupted=run.interrupted,
        rounds=rounds_record(run, timing, undecided),
        unsupported=tuple(Unsupported.from_dict(case.record(reason=reason))
                          for case, reason in run.unsupported),
        failed=tuple(run.failed),
        slow_cpu=tuple(sorted(timing.slow_cpu)),
        loops=loops.record(),
        warmups=timing.warmup.record(),
        warnings={kind: tuple(details) for kind, details in run.notes.by_kind.items()},
        between_runs=history.measure(timing.tracks, run.settings.seed, run.writer.path,
                                     timing.planner.model_order),
    )


def rounds_record(run: Run, timing: Timing, undecided: Sequence[Undecided]) -> Rounds:
    settings, planner = run.settings, timing.planner
    return Rounds(
        completed=planner.completed, processes_per_round=settings.processes,
        min=settings.min_rounds, max=settings.max_rounds, budget_s=settings.budget_s,
        target_half_width=settings.target, seed=settings.seed,
        stop_reason="interrupted" if run.interrupted else planner.stop_reason,
        budget_notes=tuple(planner.notes),
        # how a round is ordered (benchmarks.harness.schedule): each comparison group
        # one block; runs before blocks had one shuffle over every benchmark
        order="blocks",
        undecided=tuple(undecided))
