"""Write ``exact.json``, ``exact.runinfo``, ``exact.metrics.jsonl``: a hand-made suite with known answers.

Run from the repository root: ``python tests/data/make_exact.py``.  The values
are chosen so that tests can assert exact numbers:

* ``sleep_fanout`` (a registry scenario), one point: ``asyncio (api=gather)``
  is fastest (median 10.0 ms); ``asyncio (api=taskgroup)`` has the same mean
  and median (not significant, within noise); ``threads`` is 1.20x slower and
  significant; ``sequential`` is 100x slower.  Each benchmark also has
  warm-ups and a calibration run, which must not become rows.
* ``toy_cpu``, a scenario and a model (``greenlets``, parameter ``hubs``)
  that are not built in (a plugin's), swept over ``size``; it records
  latency percentiles.  ``greenlets (hubs=1)`` is noisy (one value 3x the
  others); ``greenlets (hubs=2)`` has 3 values at size 1000 (6 vs 3: pyperf's
  test does not apply) and a single value at size 2000.
* ``exact.runinfo`` carries the registry the run would write (:data:`REGISTRY`):
  the built-in entries as the code describes them, and the plugin's
  ``toy_cpu`` and ``greenlets`` with summaries no code has.
* ``exact.metrics.jsonl`` is hand-written too (:data:`METRICS`), laid out as
  the runner writes it: one record per timed call of each benchmark above
  (calibration, warm-up, value), keys sorted.  Calibration and warm-up
  records carry absurd numbers (999, 555) that must not reach a median; a
  word, a boolean and a NaN must not become metrics; a record for a pair that
  failed (no benchmark) and a truncated last line (a run killed mid-write)
  must be ignored.  Medians are chosen to exercise the number formats: whole
  (``100``), one and two decimals, four digits, negative, below 1 and tiny.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyperf

HERE = Path(__file__).resolve().parent
ENV = {
    "python_version": "3.11.7 (64-bit)", "python_implementation": "cpython", "python_pgo": "no",
    "python_lto": "no", "python_gil": "enabled (not a free-threaded build)",
    "python_config_args": "'--enable-shared'", "hostname": "fixture-host", "platform": "Linux-fixture",
    "cpu_count": 2, "cpu_model_name": "Fixture CPU", "worker_cpus": 2, "worker_cpu_affinity": "0,1",
    "profile": "default", "pyperf_version": "2.11.0", "uvloop_version": "0.23.0",
    "concbench_version": "0.1.0", "unit": "second",
}


def bench(scenario: str, kind: str, model: str, params: dict[str, object], runs: list[list[float]],
          extra: dict[str, object] | None = None, loops: int = 1) -> pyperf.Benchmark:
    values = ",".join(f"{k}={v}" for k, v in params.items())
    meta: dict[str, object] = {
        **ENV, "name": f"{scenario}/{model}[{values}]", "scenario": scenario, "scenario_kind": kind,
        "model": model, "params": ",".join(params), "loops": loops, "parallelism": 1,
        **{f"param_{k}": v for k, v in params.items()}, **(extra or {}),
    }
    # A calibration run (warm-ups only, no values) and, in every run, one warm-up value.
    result = [pyperf.Run([], warmups=[(loops, runs[0][0] * 1.5)], metadata=meta, collect_metadata=False)]
    result += [pyperf.Run(values_, warmups=[(loops, values_[0] * 1.2)], metadata=meta, collect_metadata=False)
               for values_ in runs]
    return pyperf.Benchmark(result)


def suite() -> pyperf.BenchmarkSuite:
    point = {"n": 100, "latency_ms": 10.0, "concurrency": "unbounded"}
    io = "io"
    loop = {"loop": "asyncio", "loop_version": "3.11.7"}
    benches = [
        bench("sleep_fanout", io, "sequential", point, [[1.00, 1.02, 0.98], [1.01, 0.99, 1.00]]),
        bench("sleep_fanout", io, "asyncio", {**point, "api": "gather"},
              [[0.0100, 0.0101, 0.0099], [0.0100, 0.0102, 0.0098]], loop),
        bench("sleep_fanout", io, "asyncio", {**point, "api": "taskgroup"},
              [[0.0101, 0.0099, 0.0100], [0.0102, 0.0098, 0.0100]], loop),
        bench("sleep_fanout", io, "threads", {**point, "workers": 0},
              [[0.0120, 0.0121, 0.0119], [0.0120, 0.0122, 0.0118]], {"pool_size": 100}),
    ]
    latency = {"latency_p50": 0.002, "latency_p90": 0.004, "latency_p99": 0.009}
    for size, scale in ((1000, 1.0), (2000, 2.0)):
        cpu = {"n": 8, "size": size}
        def scaled(*runs: list[float], by: float = scale) -> list[list[float]]:
            return [[v * by for v in run] for run in runs]

        benches += [
            bench("toy_cpu", "cpu", "sequential", cpu,
                  scaled([0.020, 0.021, 0.019], [0.020, 0.020, 0.020]), latency),
            bench("toy_cpu", "cpu", "greenlets", {**cpu, "hubs": 1},
                  scaled([0.010, 0.010, 0.010], [0.010, 0.010, 0.030]),
                  {k: v / 2 for k, v in latency.items()}),
            bench("toy_cpu", "cpu", "greenlets", {**cpu, "hubs": 2},
                  scaled([0.015, 0.016, 0.014]) if size == 1000 else scaled([0.015])),
        ]
    return pyperf.BenchmarkSuite(benches)


#: What the run writes under ``registry``: its scenarios and models, in registry order (plugins last).
REGISTRY = {
    "scenarios": [
        {"name": "sleep_fanout", "kind": "io", "params": ["n", "latency_ms", "concurrency"],
         "summary": "N requests that each wait L ms, C at a time (I/O-bound fan-out)"},
        {"name": "file_io", "kind": "io", "params": ["n", "size_kib"],
         "summary": "N files written, read back, verified and deleted in a temporary directory"},
        {"name": "toy_cpu", "kind": "cpu", "params": ["n", "size"],
         "summary": "a plugin's toy CPU work: `n` units of `size` steps"},
    ],
    "models": [
        {"name": "sequential", "summary": "one unit after another in the calling thread (the baseline)",
         "capability": "inline execution in the calling thread"},
        {"name": "asyncio",
         "summary": "coroutines on the default asyncio loop (gather / TaskGroup / as_completed)",
         "capability": "an event loop (asyncio)"},
        {"name": "uvloop", "summary": "the asyncio model's coroutines on uvloop's event loop",
         "capability": "an event loop (uvloop)"},
        {"name": "threads", "summary": "ThreadPoolExecutor of `workers` threads",
         "capability": "a thread pool"},
        {"name": "processes", "summary": "ProcessPoolExecutor of `workers` processes, start method recorded",
         "capability": "a process pool"},
        {"name": "greenlets", "summary": "a plugin's greenlets on `hubs` hubs",
         "capability": "a plugin's hubs"},
    ],
}

RUNINFO = {
    "command": ["python", "-m", "benchmarks", "run", "--profile", "default"],
    "profile": "default", "pyperf_args": [], "planned": 11, "completed": 10, "interrupted": False,
    "results": "exact.json", "registry": REGISTRY,
    "unsupported": [
        {"name": "sleep_fanout/uvloop[...]", "scenario": "sleep_fanout", "model": "uvloop",
         "params": {"n": 100, "latency_ms": 10.0, "concurrency": "unbounded", "api": "gather"},
         "reason": "uvloop is not installed"},
        {"name": "file_io/processes[...]", "scenario": "file_io", "model": "processes",
         "params": {"n": 100, "size_kib": 64}, "reason": "no fork on this platform"},
    ],
    "failed": [
        {"name": "toy_cpu/greenlets[...]", "scenario": "toy_cpu", "model": "greenlets",
         "params": {"n": 8, "size": 1000, "hubs": 3}, "stage": "verification",
         "error": "VerificationError: computed checksum 1:2, expected 8:9"},
    ],
}


#: Not measurements (a word, a boolean, a NaN): must not become columns.
NOT_METRICS = {"note": "cold start", "flag": True, "drift": float("nan")}
#: Benchmark name -> the metrics of each of its measured values, in order.
METRICS: dict[str, list[dict[str, object]]] = {
    "sleep_fanout/sequential[n=100,latency_ms=10.0,concurrency=unbounded]": [
        {"peak_concurrency": 1, "wakeup_p50_us": w, **(NOT_METRICS if w == 10.0 else {})}
        for w in (10.0, 11.0, 12.0, 13.0, 14.0, 100.0)],
    "sleep_fanout/asyncio[n=100,latency_ms=10.0,concurrency=unbounded,api=gather]": [
        {"peak_concurrency": 100, "wakeup_p50_us": w} for w in (40.0, 41.0, 42.0, 43.0, 44.0, 45.0)],
    "sleep_fanout/asyncio[n=100,latency_ms=10.0,concurrency=unbounded,api=taskgroup]": [
        {"peak_concurrency": 100, "wakeup_p50_us": w}
        for w in (1234.25, 1234.5, 1234.75, 1235.0, 1235.25, 1235.5)],
    "sleep_fanout/threads[n=100,latency_ms=10.0,concurrency=unbounded,workers=0]": [
        {"peak_concurrency": p, "rate_error": -0.0123} for p in (100, 100, 99, 100, 100, 100)],
    "toy_cpu/greenlets[n=8,size=1000,hubs=1]": [
        {"handoff_us": 2.5, "steals": s} for s in (0, 0, 0, 1, 1, 1)],
    "toy_cpu/greenlets[n=8,size=1000,hubs=2]": [{"handoff_us": h} for h in (1.2e-5, 1.3e-5, 1.4e-5)],
    "toy_cpu/greenlets[n=8,size=2000,hubs=1]": [{"handoff_us": h} for h in (3, 4, 3, 4, 3, 4)],
}
FAILED = "toy_cpu/greenlets[n=8,size=1000,hubs=3]"  # in exact.runinfo's failed pairs: no benchmark


def _record(name: str, run: str, seconds: float, extra: dict[str, object]) -> str:
    return json.dumps({"benchmark": name, "run": run, "loops": 1, "seconds": seconds, **extra},
                      sort_keys=True)


def metrics_lines(benches: pyperf.BenchmarkSuite) -> list[str]:
    """The records the runner would have written for ``METRICS``, in pyperf's order of calls."""
    lines = []
    for bench in benches:
        name = bench.get_name()
        if name not in METRICS:
            continue
        per_value = iter(METRICS[name])
        keys = [k for k in METRICS[name][-1] if k not in NOT_METRICS]
        for run in bench.get_runs():
            kind = "warmup" if run.values else "calibration"
            for _loops, seconds in run.warmups:
                lines.append(_record(name, kind, seconds, dict.fromkeys(keys, 555 if run.values else 999)))
            lines += [_record(name, "value", value, next(per_value)) for value in run.values]
    lines.append(_record(FAILED, "value", 0.01, {"handoff_us": 1.0}))
    lines.append(lines[-2][:40])  # a run killed mid-write
    return lines


def main() -> None:
    target = HERE / "exact.json"
    target.unlink(missing_ok=True)
    benches = suite()
    benches.dump(str(target))
    (HERE / "exact.runinfo").write_text(json.dumps(RUNINFO, indent=2, sort_keys=True) + "\n")
    (HERE / "exact.metrics.jsonl").write_text("\n".join(metrics_lines(benches)) + "\n")
    print(target)


if __name__ == "__main__":
    main()
