"""The rounds: each benchmark that passed verification gets fresh pyperf worker processes per
round, in an order that changes every round (:mod:`benchmarks.harness.rounds` decides it).

The CPU probe runs before each benchmark's workers and is recorded in every run it precedes, and
so is the CPU steal while they ran (``cpu_steal``, from /proc/stat, of the workers' CPUs);
every run is tagged with its round.  What is measured is saved to the partial results file
after every round and at most every :data:`SAVE_EVERY_S` seconds; Ctrl-C or a failure of one
pair keeps every measurement that finished.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyperf

from benchmarks.core.formats import CPU_STEAL
from benchmarks.core.params import Value
from benchmarks.harness.cpuprobe import SpeedWatch, cpu_ticks, format_probe, probe, spread, steal_fraction
from benchmarks.harness.failures import reason, size_of
from benchmarks.harness.master.calibrate import group_of
from benchmarks.harness.master.loops import LOOPS_FROM, LoopSource
from benchmarks.harness.master.signals import pause_at
from benchmarks.harness.master.state import Run, one_line
from benchmarks.harness.master.warmup import WarmupPolicy
from benchmarks.harness.plan import Case
from benchmarks.harness.progress import Progress
from benchmarks.harness.registry import MODELS
from benchmarks.harness.results import failures_path
from benchmarks.harness.rounds import Planner, Track
from benchmarks.harness.worker import make_time_func
from benchmarks.pyperf_bridge import measure

# Rough cost of starting one pyperf worker (interpreter, pyperf, this package).
WORKER_START_S = 0.3
#: benchmark metadata of a pair that failed after some rounds: where it stopped
INCOMPLETE = "incomplete_pair"
#: the partial results file is rewritten at most this often (and after every round)
SAVE_EVERY_S = 10.0


class Timing:
    """The tracks of the pairs to time, and the rounds that measure them."""

    def __init__(self, run: Run, todo: Sequence[Case], cost: dict[str, float], loops: LoopSource,
                 warmup: WarmupPolicy, calibrated: dict[str, dict[str, Any]]) -> None:
        self.run, self.loops, self.warmup, self.calibrated = run, loops, warmup, calibrated
        self.position = {case.name: index for index, case in enumerate(run.cases)}
        self.by_name = {case.name: case for case in todo}
        self.tracks = [Track(case.name, group_of(case), model=case.model.name) for case in todo]
        earlier = run.earlier
        if earlier is not None:
            for track in self.tracks:
                track.runs = list(earlier.runs.get(track.name, []))
                track.loops = next((r.get_loops() for r in track.runs if r.values), None)
        loops.assign(self.tracks)
        args, settings = run.args, run.settings
        self.base_loops = args.loops  # 0: the pilot's loops (pyperf would calibrate them without)
        per_run = warmup.per_process + args.values
        base_loops = self.base_loops
        for track in self.tracks:  # until measured: a guess from the verification run
            value = cost[track.name] if base_loops else max(cost[track.name], args.min_time)
            track.cost_s = settings.processes * (WORKER_START_S + per_run * value) + (0 if base_loops else 1)
            warmup.settle(track)  # resumed: decided by the earlier run's rounds
        self.planner = Planner(self.tracks, settings, run.started, model_order=list(MODELS))
        if earlier is not None:
            self.planner.resume(earlier.last_round, earlier.in_last_round)
        self.watch = SpeedWatch()
        #: benchmarks measured at least once while a CPU ran much slower than the run's best
        self.slow_cpu: set[str] = set()
        #: a pair that failed while timing -> where it stopped (its earlier rounds are published)
        self.stopped: dict[str, str] = {}

    def measure_all(self) -> None:
        """Round after round until the planner stops or the run is interrupted."""
        try:
            self._rounds()
        except KeyboardInterrupt:  # between two benchmarks' workers (the planner's bootstrap, a save)
            self.run.interrupted = True
            self.run.console.say("interrupted: keeping every measurement that finished")

    def _rounds(self) -> None:
        console, planner = self.run.console, self.planner
        last_save = time.monotonic()
        while not self.run.interrupted and (order := planner.next_round()) is not None:
            round_index = planner.completed
            if planner.round_note:
                console.say(planner.round_note)
            progress = Progress([t.cost_s for t in order], console, label=f"round {round_index + 1}")
            for index, track in enumerate(order):
                if index:
                    pause_at("between", console.say)
                progress.start(index, track.name)
                self._measure(track, round_index)
                if self.run.interrupted:
                    console.say("interrupted: keeping every measurement that finished")
                    break
                progress.finish(index)
                if time.monotonic() - last_save > SAVE_EVERY_S:
                    with self.run.shielded():
                        self.run.writer.save(self.measured())
                    last_save = time.monotonic()
            else:
                planner.finish_round()
                with self.run.shielded():
                    self.run.writer.save(self.measured())
                last_save = time.monotonic()

    def _measure(self, track: Track, round_index: int) -> None:
        """One benchmark's workers of one round; a failure marks the track, Ctrl-C the run."""
        run, case = self.run, self.by_name[track.name]
        speeds = probe(run.cpus)  # just before the workers start: the speed they will get
        ticks = cpu_ticks(run.cpus)
        speed_note = self.watch.check(speeds)
        run.args.loops = track.loops or self.base_loops
        self.warmup.apply(run.args, track)
        run.args.processes = run.settings.processes
        began = time.monotonic()
        log = Path(run.args.failure_log) if run.args.failure_log else None
        since = size_of(log) if log is not None else 0
        try:
            bench = measure(run.runner, self.position[case.name], case.name, make_time_func(case, run.cpus),
                            case.metadata())
        except KeyboardInterrupt:
            run.interrupted = True
        except SystemExit as exc:  # pyperf exits on Ctrl-C, worker timeout or calibration failure
            if isinstance(exc.__context__, KeyboardInterrupt):
                run.interrupted = True
            else:
                status = f"pyperf exited with status {exc.code}"
                self._failed(track, round_index, self._why(log, since, case, status))
        except Exception as exc:  # a worker failed: record it, keep going
            self._failed(track, round_index, self._why(log, since, case, one_line(exc)))
        else:
            extra: dict[str, Value] = {LOOPS_FROM: self.loops.origin_of(case.name)}
            steal = steal_fraction(ticks, cpu_ticks(run.cpus))
            if steal is not None:
                extra[CPU_STEAL] = steal
            if speeds:
                extra.update(cpu_probe_us=format_probe(speeds), cpu_probe_spread=spread(speeds))
            track.add(bench, round_index, extra, time.monotonic() - began)
            self.warmup.settle(track)
            if speed_note:
                self.slow_cpu.add(case.name)
                run.notes.add("slow CPU", f"round {round_index + 1}: {case.name}: {speed_note}")

    def _why(self, log: Path | None, since: int, case: Case, otherwise: str) -> str:
        """What the failed worker wrote to the failure log (what died, its error), else ``otherwise``."""
        why = reason(log, since, case.name) if log is not None else None
        published = failures_path(self.run.writer.path).name  # the name the log will have
        return f"{why} (traceback in {published})" if why else otherwise

    def _failed(self, track: Track, round_index: int, error: str) -> None:
        track.failed = True
        kept = sorted({int(r.get_metadata()["round"]) + 1 for r in track.runs
                       if r.values and "round" in r.get_metadata()})
        where = f"stopped at round {round_index + 1}"
        if kept:
            where += f", rounds {kept[0]}-{kept[-1]} kept" if len(kept) > 1 else f", round {kept[0]} kept"
        self.stopped[track.name] = where
        self.run.console.say(f"FAILED: {track.name}: {where}: {error}")
        self.run.fail(self.by_name[track.name], "timing", f"{where}: {error}")

    def measured(self) -> list[pyperf.Benchmark]:
        """What is measured so far, in plan order: a pair that failed keeps the rounds it finished
        (its error, and the round it stopped at, are in the .runinfo file); a pair not measured
        yet is not there."""
        benches = []
        for track in self.tracks:
            if not any(run.values for run in track.runs):
                continue
            bench = track.benchmark()
            extra = self.calibrated.get(track.name)
            if extra:
                bench.update_metadata(extra)
            if track.name in self.stopped:  # an incomplete pair: say so beside its values
                bench.update_metadata({INCOMPLETE: self.stopped[track.name]})
            benches.append(bench)
        return benches
