"""``python -m benchmarks run``: verify every pair, then time it under pyperf.

The master process (the one the user starts) plans the benchmarks, runs each
pair once untimed and checks its checksum against the scenario's expected
value, then hands the verified pairs to pyperf one by one.  pyperf re-runs
this same command in worker processes (``program_args``), with our options
appended by ``add_cmdline_args`` (:mod:`benchmarks.harness.options`); a worker
plans the same list, in the same order, and pyperf runs the one whose position
in that list the master gave it (:mod:`benchmarks.harness.pyperf_bridge`), so a
pair that failed verification is simply never asked for.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyperf

from benchmarks.core.params import parse_assignments
from benchmarks.core.work import checksum
from benchmarks.harness.cpuprobe import WARN_SPREAD, SpeedWatch, format_probe, probe, spread
from benchmarks.harness.environment import (
    build_warnings,
    current_cpus,
    format_cpus,
    interpreter_metadata,
    worker_cpus,
)
from benchmarks.harness.options import add_run_options, chosen_profile, forward, set_metrics_file
from benchmarks.harness.plan import Case, plan
from benchmarks.harness.progress import Progress, format_duration
from benchmarks.harness.pyperf_bridge import measure, new_runner
from benchmarks.harness.registry import load_plugins, registry_record
from benchmarks.harness.results import ResultsWriter, default_path

PROGRAM_ARGS = ("-m", "benchmarks", "run")
# Rough cost of starting one pyperf worker (interpreter, pyperf, this package).
WORKER_START_S = 0.3
INTERRUPTED = 130


class VerificationError(Exception):
    pass


def verify(case: Case, results: list[int]) -> None:
    got = checksum(results)
    if got != case.expected:
        raise VerificationError(f"computed checksum {got}, expected {case.expected}")


def verify_once(case: Case) -> None:
    with case.session() as session:
        results = session.run()
    verify(case, results)


def _run_kinds(args: Any) -> Iterator[str]:
    """What each successive call of a worker's time function is, as pyperf drives it."""
    if (args.calibrate_loops or args.recalibrate_loops
            or args.calibrate_warmups or args.recalibrate_warmups):
        yield from itertools.repeat("calibration")
    yield from itertools.repeat("warmup", args.warmups or 0)
    yield from itertools.repeat("value")


def make_time_func(case: Case, cpus: list[int] | None, metrics_file: str | None = None,
                   kinds: Iterator[str] | None = None) -> Callable[[int], float]:
    def time_func(loops: int) -> float:
        # pyperf pins the worker after registering benchmarks: check the pin
        # matches what was recorded in metadata before measuring anything.
        actual = current_cpus()
        if cpus is not None and actual is not None and actual != cpus:
            raise RuntimeError(f"worker runs on CPUs {format_cpus(actual)}, "
                               f"metadata says {format_cpus(cpus)}")
        with case.session() as session:
            runs = []
            start = time.perf_counter()
            for _ in range(loops):
                runs.append(session.run())
            elapsed = time.perf_counter() - start
            extra = session.metrics()
        for results in runs:
            verify(case, results)
        if extra and metrics_file:
            record = {"benchmark": case.name, "run": next(kinds or iter(["value"])), "loops": loops,
                      "seconds": elapsed, **extra}
            with open(metrics_file, "a") as f:
                f.write(json.dumps(record, sort_keys=True) + "\n")
        return elapsed

    return time_func


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _calibrate(cases: list[Case]) -> dict[str, dict[str, Any]]:
    """Each scenario's one-off measurements, once per parameter point (not per model)."""
    by_point: dict[tuple[str, tuple[tuple[str, Any], ...]], dict[str, Any]] = {}
    result = {}
    for case in cases:
        own = tuple((p.name, case.params[p.name]) for p in case.scenario.params if p.name in case.params)
        key = (case.scenario.name, own)
        if key not in by_point:
            by_point[key] = case.scenario.calibrate(dict(own))
            for name, value in by_point[key].items():
                print(f"{case.scenario.name} {dict(own)}: {name} = {value}", file=sys.stderr)
        result[case.name] = by_point[key]
    return result


def _timing_failure(case: Case, error: str) -> dict[str, object]:
    print(f"FAILED: {case.name}: {error}", file=sys.stderr)
    return case.record(stage="timing", error=error)


def _affinity_warnings(cases: list[Case], cpus: list[int] | None) -> list[str]:
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


def run(parser: argparse.ArgumentParser, argv: list[str]) -> int:
    """``python -m benchmarks run``, master and workers: ``parser`` parses the suite's options
    and pyperf's together."""
    runner = new_runner(parser, interpreter_metadata(), PROGRAM_ARGS, forward)
    add_run_options(parser)  # after pyperf's own: ours replace two of them
    profile = chosen_profile(parser, argv)
    args = runner.parse_args([*profile.pyperf_args, *argv])
    load_plugins(args.plugin)
    cases, unsupported = plan(args.scenario, args.model, parse_assignments(args.param), profile)
    cpus = worker_cpus(args.affinity)
    if cpus is not None:
        runner.metadata["worker_cpu_affinity"] = format_cpus(cpus)
        runner.metadata["worker_cpus"] = len(cpus)
    runner.metadata["profile"] = profile.name
    if args.worker:
        for index, case in enumerate(cases):
            # Only this worker's own benchmark needs its metadata (and expected value).
            mine = index == args.worker_task
            runner.bench_time_func(case.name,
                                   make_time_func(case, cpus, args.metrics_file, _run_kinds(args)),
                                   metadata=case.metadata() if mine else None)
        return 0
    return _master(runner, cases, unsupported, cpus, argv)


def _master(runner: pyperf.Runner, cases: list[Case], unsupported: list[tuple[Case, str]],
            cpus: list[int] | None, argv: list[str]) -> int:
    err = sys.stderr
    args = runner.args
    writer = ResultsWriter(Path(args.results) if args.results else default_path())
    set_metrics_file(args, str(writer.metrics_tmp.resolve()))
    for warning in build_warnings(runner.metadata):
        print(f"WARNING: {warning}", file=err)
    for case, reason in unsupported:
        print(f"unsupported: {case.name}: {reason}", file=err)

    failed: list[dict[str, object]] = []
    rejected: set[str] = set()  # failed verification: never timed
    cost: dict[str, float] = {}
    interrupted = False
    print(f"verifying {len(cases)} benchmark(s) before timing them", file=err, flush=True)
    try:
        for case in cases:
            start = time.monotonic()
            try:
                verify_once(case)
            except Exception as exc:  # any failure of a pair is reported, others go on
                print(f"FAILED verification: {case.name}: {_one_line(exc)}", file=err)
                failed.append(case.record(stage="verification", error=_one_line(exc)))
                rejected.add(case.name)
            cost[case.name] = time.monotonic() - start
    except KeyboardInterrupt:
        interrupted = True
    todo = [case for case in cases if case.name not in rejected] if not interrupted else []
    position = {case.name: index for index, case in enumerate(cases)}
    for warning in _affinity_warnings(todo, cpus):
        print(f"WARNING: {warning}", file=err)
    calibrated = _calibrate(todo) if todo else {}

    per_run = (args.warmups or 0) + args.values
    def weight(case: Case) -> float:
        value = cost[case.name] if args.loops else max(cost[case.name], args.min_time)
        return args.processes * (WORKER_START_S + per_run * value)

    progress = Progress([weight(case) for case in todo])
    watch = SpeedWatch()
    slow_cpu: list[str] = []  # benchmarks timed while a CPU ran slow
    for index, case in enumerate(todo):
        progress.start(index, case.name)
        speeds = probe(cpus)  # just before the workers start: the speed they will get
        speed_note = watch.check(speeds)
        try:
            bench = measure(runner, position[case.name], case.name, make_time_func(case, cpus),
                            case.metadata())
        except KeyboardInterrupt:
            interrupted = True
        except SystemExit as exc:  # pyperf exits on Ctrl-C, worker timeout or calibration failure
            if isinstance(exc.__context__, KeyboardInterrupt):
                interrupted = True
            else:
                failed.append(_timing_failure(case, f"pyperf exited with status {exc.code}"))
        except Exception as exc:  # a worker failed: record it, keep going
            failed.append(_timing_failure(case, _one_line(exc)))
        else:
            extra = dict(calibrated.get(case.name, {}))
            if speeds:
                extra.update(cpu_probe_us=format_probe(speeds), cpu_probe_spread=spread(speeds))
            bench.update_metadata(extra)
            if speed_note:
                slow_cpu.append(case.name)
                print(f"WARNING: {case.name}: {speed_note}", file=err)
            for note in case.scenario.warnings(bench.get_metadata(), bench.median()):
                print(f"WARNING: {case.name}: {note}", file=err)
            writer.add(bench)
        if interrupted:
            print("interrupted: keeping the benchmarks that finished", file=err)
            break
        progress.finish(index)

    runinfo = {
        "command": ["python", *PROGRAM_ARGS, *sys.argv[2:]],
        "profile": args.suite_profile,
        "pyperf_args": argv,
        "registry": registry_record(cases, unsupported),
        "planned": len(cases),
        "completed": writer.count,
        "interrupted": interrupted,
        "unsupported": [case.record(reason=reason) for case, reason in unsupported],
        "failed": failed,
        "slow_cpu": slow_cpu,
    }
    if slow_cpu:
        print(f"WARNING: {len(slow_cpu)} of {writer.count} benchmark(s) started while a CPU ran over "
              f"{WARN_SPREAD:g}x slower than the run's best (listed in the .runinfo file as slow_cpu): "
              "compare their ratios with care, or re-run them", file=err)
    path = writer.finish(runinfo)
    summary = (f"{writer.count} of {len(cases)} benchmark(s) in {format_duration(progress.elapsed())}; "
               f"{len(failed)} failed, {len(unsupported)} unsupported")
    if path is not None:
        print(f"wrote {path} ({summary})", file=err)
    else:
        print(f"no results written ({summary})", file=err)
    if interrupted:
        return INTERRUPTED
    return 1 if failed else 0
