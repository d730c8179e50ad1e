"""What a results file looks like beside its pyperf JSON, shared by the harness and the analysis.

A leaf module: the analysis imports it without importing any scenario or model.

:func:`check_results` is the one check of a results file's values and metadata that every
reader applies before pyperf builds its suite (``report``, ``compare``, ``csv``, ``run --resume``):
JSON allows ``Infinity`` and ``NaN``, and pyperf accepts any type for a key it does not know,
so a hand-edited or corrupted file would otherwise reach the statistics and end in a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TypeGuard

#: ``<stem>.runinfo``: the command, the profile, the plan and every pair not timed (JSON)
RUNINFO_SUFFIX = ".runinfo"
#: ``<stem>.metrics.jsonl``: one JSON object per timed call of a session with metrics
METRICS_SUFFIX = ".metrics.jsonl"
#: A benchmark's metadata ``param_<name>`` holds the value of its parameter ``<name>``, and
#: ``params`` their names, comma-separated, the scenario's own before the model's.
PARAM_PREFIX = "param_"
#: run metadata: the CPU seconds (user + system, the worker and its children) per loop of each of
#: the run's values, comma-separated, in their order (``benchmarks.harness.cputime``)
CPU_TIMES = "cpu_times"
#: run metadata: their mean (seconds per loop)
CPU_TIME = "cpu_time"
#: run metadata: the fraction of the workers' CPUs' time stolen by the hypervisor while the run's
#: measurement (all of its worker processes in one round) lasted, from /proc/stat
CPU_STEAL = "cpu_steal"


def parse_cpu_times(text: object) -> list[float] | None:
    """:data:`CPU_TIMES` of a run's metadata as numbers; None if absent or unreadable."""
    if not isinstance(text, str) or not text:
        return None
    try:
        found = [float(part) for part in text.split(",")]
    except ValueError:
        return None
    return found if all(math.isfinite(v) and v >= 0 for v in found) else None


def format_value(value: object) -> str:
    """A parameter value as benchmark names and reports write it (floats keep their ``.0``)."""
    return repr(value) if isinstance(value, float) else str(value)


def param_names(text: object) -> list[str]:
    """The names in a ``params`` metadata value: ``"n,latency_ms"`` -> ``["n", "latency_ms"]``."""
    return [name for name in str(text or "").split(",") if name]


def results_stem(results: Path) -> str:
    """``x.json`` (or a compressed ``x.json.gz``) -> ``x``: the name its side files share."""
    return results.name.removesuffix(".gz").removesuffix(".json")


def side_file(results: Path, suffix: str) -> Path:
    """The side file of a results file: ``results/x.json`` -> ``results/x.runinfo``."""
    return results.with_name(results_stem(results) + suffix)


class ResultsFormatError(ValueError):
    """What is wrong with a results file's content, in one line (the caller names the file)."""


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


#: the suite's own metadata keys whose type its readers rely on: (test, what is expected)
_TYPED: dict[str, tuple[Callable[[object], bool], str]] = {
    "round": (lambda v: _integer(v) and v >= 0, "an integer >= 0"),
    "cpu_probe_spread": (_number, "a finite number"),
    "cpu_probe_us": (lambda v: isinstance(v, str), "a string"),
    "scenario": (lambda v: isinstance(v, str) and bool(v), "a name"),
    "model": (lambda v: isinstance(v, str) and bool(v), "a name"),
    "params": (lambda v: isinstance(v, str), "a string"),
    "loops": (lambda v: _integer(v) and v >= 1, "an integer >= 1"),
    "inner_loops": (lambda v: _integer(v) and v >= 1, "an integer >= 1"),
    "worker_cpus": (lambda v: _integer(v) and v >= 1, "an integer >= 1"),
}
_PARAM = (lambda v: isinstance(v, str | bool) or _number(v), "a string or a finite number")


def _check_metadata(meta: object, where: str) -> None:
    if not isinstance(meta, dict):
        raise ResultsFormatError(f"{where}: metadata is {type(meta).__name__}, expected an object")
    for key, value in meta.items():
        test, expected = _PARAM if key.startswith(PARAM_PREFIX) else _TYPED.get(key, (None, ""))
        if isinstance(value, float) and not math.isfinite(value):
            raise ResultsFormatError(f"{where}: metadata {key!r} is {value!r}, expected a finite number")
        if isinstance(value, str) and (not value.strip() or "\n" in value or "\r" in value):
            raise ResultsFormatError(f"{where}: metadata {key!r} is {value!r}, expected one line of text")
        if test is not None and not test(value):
            raise ResultsFormatError(f"{where}: metadata {key!r} is {value!r} ({type(value).__name__}), "
                                     f"expected {expected}")


def _check_run(run: object, where: str) -> None:
    if not isinstance(run, dict):
        raise ResultsFormatError(f"{where} is {type(run).__name__}, expected an object")
    if "metadata" in run:
        _check_metadata(run["metadata"], where)
    values = run.get("values", [])
    if not isinstance(values, list):
        raise ResultsFormatError(f"{where}: values is {type(values).__name__}, expected a list")
    for value in values:
        if not (_number(value) and value > 0):
            raise ResultsFormatError(f"{where}: a value is {value!r}, expected a finite number > 0")
    warmups = run.get("warmups", [])
    if not isinstance(warmups, list):
        raise ResultsFormatError(f"{where}: warmups is {type(warmups).__name__}, expected a list")
    for pair in warmups:
        if not (isinstance(pair, list) and len(pair) == 2 and _integer(pair[0]) and pair[0] >= 1
                and _number(pair[1]) and pair[1] >= 0):
            raise ResultsFormatError(f"{where}: a warm-up is {pair!r}, expected [loops >= 1, "
                                     "a finite number >= 0]")


def check_results(data: object) -> None:
    """Refuse parsed results-file JSON whose values or typed metadata a reader cannot use:
    ResultsFormatError names the benchmark, the run and what is wrong."""
    if not isinstance(data, dict):
        raise ResultsFormatError(f"it is a JSON {type(data).__name__}, not an object")
    if "metadata" in data:
        _check_metadata(data["metadata"], "the file")
    benchmarks = data.get("benchmarks")
    if not isinstance(benchmarks, list):
        raise ResultsFormatError(f"'benchmarks' is {type(benchmarks).__name__}, expected a list")
    for index, bench in enumerate(benchmarks):
        if not isinstance(bench, dict):
            raise ResultsFormatError(f"benchmark {index} is {type(bench).__name__}, expected an object")
        meta = bench.get("metadata", {})
        name = meta.get("name", index) if isinstance(meta, dict) else index
        where = f"benchmark {name!r}"
        if "metadata" in bench:
            _check_metadata(meta, where)
        runs = bench.get("runs", [])
        if not isinstance(runs, list):
            raise ResultsFormatError(f"{where}: runs is {type(runs).__name__}, expected a list")
        for number, run in enumerate(runs):
            _check_run(run, f"{where}, run {number}")
