"""The master of ``python -m benchmarks run``: verify every pair, then time them in rounds.

1. Every pair runs once, untimed, and its checksum is checked; a pair that
   fails is reported and never timed.
2. Each scenario's one-off calibration (a load generator's capacity, say) runs
   once per parameter point.
3. Rounds (:mod:`benchmarks.harness.rounds`): each benchmark gets fresh pyperf
   worker processes per round, in an order that changes every round; the CPU
   probe runs before each of them and is recorded in every run it precedes.
   Every run is tagged with its round.
4. The benchmarks are published in plan order, each one pyperf Benchmark
   holding all its rounds, so ``pyperf stats``, ``dump`` and ``compare_to``
   read the file as usual; the ``.runinfo`` file says how the run went.

Ctrl-C or a failure of one pair keeps every measurement that finished.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyperf

from benchmarks.core.params import Value
from benchmarks.harness.cpuprobe import WARN_SPREAD, SpeedWatch, format_probe, probe, spread
from benchmarks.harness.environment import build_warnings, format_cpus
from benchmarks.harness.loopcache import FILE_NAME, LoopCache, cache_key
from benchmarks.harness.options import set_metrics_file
from benchmarks.harness.plan import Case
from benchmarks.harness.progress import Console, Progress, format_duration
from benchmarks.harness.registry import registry_record
from benchmarks.harness.results import ResultsWriter, default_path
from benchmarks.harness.resume import load_earlier
from benchmarks.harness.rounds import Planner, RoundSettings, Track
from benchmarks.harness.worker import PROGRAM_ARGS, make_time_func, verify_once
from benchmarks.pyperf_bridge import measure

# Rough cost of starting one pyperf worker (interpreter, pyperf, this package).
WORKER_START_S = 0.3
#: benchmark metadata: where its loops came from (pilot, an earlier run's cache, --loops)
LOOPS_FROM = "loops_from"
#: exit statuses: Ctrl-C, SIGTERM (128 + the signal, as a shell reports them)
INTERRUPTED = 130
TERMINATED = 143


class Signals:
    """SIGTERM (what ``timeout``, CI runners and ``kill`` send) is handled as Ctrl-C is: the
    measurements that finished are published with the run info, then the run exits 143."""

    def __init__(self) -> None:
        self.terminated = False

    def __enter__(self) -> Signals:
        self._pid = os.getpid()
        self._previous = signal.signal(signal.SIGTERM, self._on_term)
        return self

    def _on_term(self, signum: int, frame: object) -> None:
        if os.getpid() != self._pid:  # a child forked before it reset the handler: just die
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        self.terminated = True
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough: let the run publish
        raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGTERM, self._previous)
#: the partial results file is rewritten at most this often (and after every round)
SAVE_EVERY_S = 10.0


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class PairTimeout(Exception):
    """A pair's untimed verification ran past the run's per-pair limit (pyperf's --timeout)."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise PairTimeout in the main thread after ``seconds`` (SIGALRM; a scenario that arms its
    own timer, as cancel_timeout's alarm deadline does, puts this one back when it is done)."""
    if not seconds:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise PairTimeout(f"verification took more than {seconds:g} s (--timeout)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def group_of(case: Case) -> tuple[str, tuple[tuple[str, Value], ...]]:
    """The comparison group of a benchmark: its scenario at one point of the scenario's own
    parameters (what the models are compared at)."""
    own = {p.name for p in case.scenario.params}
    return case.scenario.name, tuple((k, v) for k, v in case.params.items() if k in own)


def _calibrate(cases: Sequence[Case], console: Console) -> dict[str, dict[str, Any]]:
    """Each scenario's one-off measurements, once per parameter point (not per model)."""
    by_point: dict[tuple[str, tuple[tuple[str, Value], ...]], dict[str, Any]] = {}
    result = {}
    for case in cases:
        key = group_of(case)
        if key not in by_point:
            by_point[key] = case.scenario.calibrate(dict(key[1]))
            for name, value in by_point[key].items():
                console.say(f"{case.scenario.name} {dict(key[1])}: {name} = {value}")
        result[case.name] = by_point[key]
    return result


def _affinity_warnings(cases: Sequence[Case], cpus: list[int] | None) -> list[str]:
    if cpus is None:
        return []
    warnings = []
    for case in cases:
        if case.scenario.kind != "cpu":
            continue  # waiting units need no CPU of their own
        wanted = min(case.model.parallelism(case.work, case.params), case.work.n)
        if wanted > len(cpus):
            warnings.append(f"{case.name}: {wanted} workers share {len(cpus)} CPU(s) "
                            f"({format_cpus(cpus)}): at most {len(cpus)} run in parallel")
    return warnings


class Notes:
    """Warnings by kind: the console gets one line per kind with a count, the .runinfo all."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[str]] = {}

    def add(self, kind: str, detail: str) -> None:
        self.by_kind.setdefault(kind, []).append(detail)

    def summary(self) -> list[str]:
        return [f"{kind}: {len(details)} (details in the .runinfo file, 'warnings')"
                for kind, details in self.by_kind.items()]


def master(runner: pyperf.Runner, cases: list[Case], unsupported: list[tuple[Case, str]],
           cpus: list[int] | None, argv: list[str], settings: RoundSettings) -> int:
    with Signals() as signals:
        status = _master(runner, cases, unsupported, cpus, argv, settings)
    return TERMINATED if signals.terminated and status == INTERRUPTED else status


def _master(runner: pyperf.Runner, cases: list[Case], unsupported: list[tuple[Case, str]],
            cpus: list[int] | None, argv: list[str], settings: RoundSettings) -> int:
    started = time.monotonic()
    err = sys.stderr
    args = runner.args
    earlier = load_earlier(args.resume, cases, runner.metadata) if args.resume else None
    writer = ResultsWriter(Path(args.results) if args.results else default_path())
    set_metrics_file(args, str(writer.metrics_tmp.resolve()))
    if earlier is not None and earlier.metrics.exists():
        writer.metrics_tmp.write_bytes(earlier.metrics.read_bytes())  # the new run appends to it
    console = Console(err)
    for warning in build_warnings(runner.metadata):
        console.say(f"WARNING: {warning}")
    if args.verbose:
        for case, reason in unsupported:
            console.say(f"unsupported: {case.name}: {reason}")
    elif unsupported:
        console.say(f"{len(unsupported)} pair(s) not run: unsupported by design or here, each with its "
                    "reason in the .runinfo file (and with --verbose, or `python -m benchmarks list`)")
    notes = Notes()

    failed: list[dict[str, object]] = []
    cost: dict[str, float] = {}
    # loops 0 (pyperf's "calibrate"): a pilot in the verification's session picks each benchmark's
    # loops once, held fixed in every round, instead of a calibration process of pyperf's per
    # benchmark (which doubled the cost of a default run's first round)
    pilot_min_time = args.min_time if not args.loops else None
    pilot: dict[str, int] = {}
    # ... once per machine and interpreter: a run reuses the loops an earlier one kept there
    cache = LoopCache.beside(writer.path, cache_key(args.min_time, os.environ.get("PYTHON_GIL"))) \
        if pilot_min_time else None
    kept = cache.load() if cache is not None and not args.fresh_loops else {}
    if cache is not None and cache.problem:
        console.say(f"WARNING: loops picked afresh, the loops cache is unreadable: {cache.problem}")
    verifying = Progress([1.0] * len(cases), console, label="verifying")
    interrupted = False
    try:
        for index, case in enumerate(cases):
            verifying.start(index, case.name)
            start = time.monotonic()
            try:
                with time_limit(args.timeout):
                    loops = verify_once(case, None if case.name in kept else pilot_min_time)
                if loops is not None:
                    pilot[case.name] = loops
            except Exception as exc:  # any failure of a pair is reported, others go on
                console.say(f"FAILED verification: {case.name}: {one_line(exc)}")
                failed.append(case.record(stage="verification", error=one_line(exc)))
            cost[case.name] = time.monotonic() - start
            verifying.finish(index)
    except KeyboardInterrupt:
        interrupted = True
    if cache is not None:
        before = cache.problem
        cache.save(pilot)
        if cache.problem != before:
            console.say(f"WARNING: loops cache: {cache.problem}")
    rejected = {str(f["name"]) for f in failed}
    todo = [case for case in cases if case.name not in rejected] if not interrupted else []
    for warning in _affinity_warnings(todo, cpus):
        notes.add("affinity", warning)
    calibrated = _calibrate(todo, console) if todo else {}

    position = {case.name: index for index, case in enumerate(cases)}
    by_name = {case.name: case for case in todo}
    tracks = [Track(case.name, group_of(case)) for case in todo]
    if earlier is not None:
        for track in tracks:
            track.runs = list(earlier.runs.get(track.name, []))
            track.loops = next((run.get_loops() for run in track.runs if run.values), None)
    loops_from: dict[str, str] = {}
    for track in tracks:
        if track.loops is not None:  # the resumed run's, and what it said of them
            loops_from[track.name] = str(next((run.get_metadata().get(LOOPS_FROM) for run in track.runs
                                               if LOOPS_FROM in run.get_metadata()), "the resumed run"))
        elif track.name in kept:
            track.loops, loops_from[track.name] = kept[track.name], f"an earlier run ({FILE_NAME})"
        elif track.name in pilot:
            track.loops, loops_from[track.name] = pilot[track.name], "pilot"
    base_loops = args.loops  # 0: the pilot's loops (pyperf would calibrate them without)
    base_warmups = args.warmups or 0
    per_run = base_warmups + args.values
    no_warmup: list[str] = []  # benchmarks measured without warm-up after their first round
    run_warmup: set[str] = set()  # benchmarks warmed up by one untimed run instead

    def settle_warmup(track: Track) -> None:
        if settings.warmup_free_s is not None and base_warmups \
                and track.settle_warmup(settings.warmup_free_s):
            no_warmup.append(track.name)

    for track in tracks:  # until measured: a guess from the verification run
        value = cost[track.name] if base_loops else max(cost[track.name], args.min_time)
        track.cost_s = settings.processes * (WORKER_START_S + per_run * value) + (0 if base_loops else 1)
        settle_warmup(track)  # resumed: decided by the earlier run's rounds
    planner = Planner(tracks, settings, started)
    if earlier is not None:
        planner.resume(earlier.last_round, earlier.in_last_round)
    watch = SpeedWatch()
    slow_cpu: set[str] = set()
    last_save = time.monotonic()
    while not interrupted and (order := planner.next_round()) is not None:
        round_index = planner.completed
        if planner.round_note:
            console.say(planner.round_note)
        progress = Progress([t.cost_s for t in order], console, label=f"round {round_index + 1}")
        for index, track in enumerate(order):
            case = by_name[track.name]
            progress.start(index, case.name)
            speeds = probe(cpus)  # just before the workers start: the speed they will get
            speed_note = watch.check(speeds)
            args.loops = track.loops or base_loops
            if base_warmups and settings.run_warmup and (track.loops or 1) > 1:
                args.warmups, args.warmup_runs = 0, 1  # one run warms up, not a whole value
                run_warmup.add(track.name)
            else:
                args.warmups = base_warmups if track.warmups is None else track.warmups
                args.warmup_runs = 0
            args.processes = settings.processes
            began = time.monotonic()
            try:
                bench = measure(runner, position[case.name], case.name, make_time_func(case, cpus),
                                case.metadata())
            except KeyboardInterrupt:
                interrupted = True
            except SystemExit as exc:  # pyperf exits on Ctrl-C, worker timeout or calibration failure
                if isinstance(exc.__context__, KeyboardInterrupt):
                    interrupted = True
                else:
                    track.failed = True
                    failed.append(_timing_failure(console, case, f"pyperf exited with status {exc.code}"))
            except Exception as exc:  # a worker failed: record it, keep going
                track.failed = True
                failed.append(_timing_failure(console, case, one_line(exc)))
            else:
                extra: dict[str, Value] = {LOOPS_FROM: loops_from.get(case.name, "--loops")}
                if speeds:
                    extra.update(cpu_probe_us=format_probe(speeds), cpu_probe_spread=spread(speeds))
                track.add(bench, round_index, extra, time.monotonic() - began)
                settle_warmup(track)
                if speed_note:
                    slow_cpu.add(case.name)
                    notes.add("slow CPU", f"round {round_index + 1}: {case.name}: {speed_note}")
            if interrupted:
                console.say("interrupted: keeping every measurement that finished")
                break
            progress.finish(index)
            if time.monotonic() - last_save > SAVE_EVERY_S:
                writer.save(_benchmarks(tracks, calibrated))
                last_save = time.monotonic()
        else:
            planner.finish_round()
            writer.save(_benchmarks(tracks, calibrated))
            last_save = time.monotonic()
    if not interrupted and planner.stop_reason:
        console.say(f"stopped after {planner.completed} round(s): {planner.stop_reason}")
    undecided = planner.open_comparisons() if tracks else []
    benches = _benchmarks(tracks, calibrated)
    for bench in benches:
        case = by_name[bench.get_name()]
        for note in case.scenario.warnings(bench.get_metadata(), bench.median()):
            notes.add(f"{case.scenario.name}", f"{case.name}: {note}")
    writer.save(benches)
    for line in notes.summary():
        console.say(f"WARNING: {line}")
    if slow_cpu:
        console.say(f"WARNING: {len(slow_cpu)} of {len(benches)} benchmark(s) were measured at least once "
                    f"while a CPU ran over {WARN_SPREAD:g}x slower than the run's best (listed in the "
                    ".runinfo file as slow_cpu); rounds spread such drift over every model of a comparison")
    runinfo = {
        "command": ["python", *PROGRAM_ARGS, *sys.argv[2:]],
        "profile": args.suite_profile,
        "pyperf_args": argv,
        "resumed_from": str(earlier.path) if earlier is not None else None,
        "registry": registry_record(cases, unsupported),
        "planned": len(cases),
        "completed": len(benches),
        "interrupted": interrupted,
        "rounds": {"completed": planner.completed, "processes_per_round": settings.processes,
                   "min": settings.min_rounds, "max": settings.max_rounds, "budget_s": settings.budget_s,
                   "target_half_width": settings.target, "seed": settings.seed,
                   "stop_reason": "interrupted" if interrupted else planner.stop_reason,
                   "budget_notes": planner.notes,
                   # how a round is ordered (benchmarks.harness.schedule): each comparison group
                   # one block; runs before blocks had one shuffle over every benchmark
                   "order": "blocks",
                   "undecided": [{"benchmark": c.name, "against": c.reference,
                                  "half_width": None if c.half_width == float("inf") else c.half_width,
                                  "rounds": c.rounds} for c in undecided]},
        "unsupported": [case.record(reason=reason) for case, reason in unsupported],
        "failed": failed,
        "slow_cpu": sorted(slow_cpu),
        "loops": {"cache": str(cache.path) if cache is not None else None,
                  "from": dict(sorted(Counter(loops_from.values()).items()))},
        # dropped (Track.settle_warmup): one loop of at least warmup_free_s seconds whose first
        # round's warm-up was within 5%; one_run: benchmarks of several loops warmed up by one
        # untimed run of a session (run metadata warmup_runs) instead of pyperf's warm-up
        "warmups": {"per_process": base_warmups, "free_after_first_round_s": settings.warmup_free_s,
                    "dropped": sorted(no_warmup), "one_run": len(run_warmup)},
        "warnings": notes.by_kind,
    }
    console.close()
    path = writer.finish(runinfo)
    if earlier is not None and path is not None and earlier.is_partial:
        earlier.path.unlink()  # its runs are in the new file now
        earlier.metrics.unlink(missing_ok=True)
    summary = (f"{len(benches)} of {len(cases)} benchmark(s), {planner.completed} round(s) in "
               f"{format_duration(time.monotonic() - started)}; {len(failed)} failed, "
               f"{len(unsupported)} unsupported")
    if path is not None:
        console.say(f"wrote {path.resolve()} ({summary})")
    else:
        console.say(f"no results written ({summary})")
    if interrupted:
        return INTERRUPTED
    return 1 if failed else 0


def _timing_failure(console: Console, case: Case, error: str) -> dict[str, object]:
    console.say(f"FAILED: {case.name}: {error}")
    return case.record(stage="timing", error=error)


def _benchmarks(tracks: Sequence[Track], calibrated: dict[str, dict[str, Any]]) -> list[pyperf.Benchmark]:
    """What is measured so far, in plan order: a pair that failed is left out (its error is in
    the .runinfo file), a pair not measured yet is not there."""
    benches = []
    for track in tracks:
        if track.failed or not any(run.values for run in track.runs):
            continue
        bench = track.benchmark()
        extra = calibrated.get(track.name)
        if extra:
            bench.update_metadata(extra)
        benches.append(bench)
    return benches
