"""Results files to one tidy DataFrame: one row per measured value.

Everything comes from pyperf's metadata (``scenario``, ``model``, ``params``,
``param_<name>``, the environment, and each run's ``round`` and CPU probe);
benchmark names are shown to people but never parsed.  Latency percentiles,
where a scenario measures them, come from ``latency_p<NN>[_<unit>]`` metadata
or from the ``.metrics.jsonl`` side file (one record per timed call: the
median over a benchmark's timed calls of each call's percentile), and become
``latency_p<NN>`` columns in seconds.  Every
other number a scenario records in the side file (``peak_concurrency``,
``handoff_us``...) becomes a ``metric_<key>`` column, also the median over the
benchmark's timed calls, in the key's own unit; ``metrics_n`` counts those
calls.  Calibration and warm-up calls are left out, as pyperf leaves them out
of the values.

Warm-up values are not measured values and calibration runs have none, so
neither becomes a row.  A file that is missing, empty, not JSON,
not a pyperf suite, not written by concbench, or holding a value or metadata a
reader cannot use (``Infinity``, a string ``round``:
:func:`benchmarks.core.formats.check_results`) is refused with one sentence
saying which and why.  Each file is read and parsed once: pyperf builds its
suite from the JSON already parsed for those checks.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# mypy: disable-error-code="import-untyped"
import pandas as pd
import pyperf

from benchmarks.core.echo_keys import LOAD_METADATA
from benchmarks.core.formats import (
    CPU_STEAL,
    CPU_TIMES,
    METRICS_SUFFIX,
    PARAM_PREFIX,
    RUNINFO_SUFFIX,
    ResultsFormatError,
    check_results,
    param_names,
    parse_cpu_times,
    side_file,
)
from benchmarks.core.runrecord import Failed, Part, RunRecord, RunRecordError, Unsupported
from benchmarks.pyperf_bridge import suite_from_json

from .._format import is_number

#: Columns every frame has, in this order; ``param_<name>`` columns follow ``params``.
ID_COLUMNS = ("file", "scenario", "scenario_kind", "model", "benchmark", "params")
#: ``cpu_time``: the CPU seconds (user + system, the worker and its children) beside the wall-clock
#: ``value``, per loop as the value is (NaN in files that did not record it: ``cpu_times``)
VALUE_COLUMNS = ("run", "value_index", "value", "cpu_time", "unit", "loops", "inner_loops")
#: Run metadata: the runner's round (0 is the calibration round; None in files measured before rounds),
#: pyperf's start time of the run, the CPU probe taken just before it and the CPU steal while its
#: round's workers ran (None where not recorded).
RUN_COLUMNS = ("round", "date", "cpu_probe_us", "cpu_probe_spread", CPU_STEAL)
#: Metadata copied as-is (None where a benchmark has no such key): the environment, and what a
#: benchmark's session was (``interpreters``: a pool of subinterpreters; ``expected_checksum``:
#: ``<units>:<digest>``, so the number of units of work; the load a server was under).
ENV_COLUMNS = (
    "python_version", "python_implementation", "python_pgo", "python_lto", "python_gil",
    "python_free_threaded_build", "python_config_args", "hostname", "platform", "cpu_count",
    "cpu_model_name", "worker_cpus", "worker_cpu_affinity", "loop", "loop_version", "start_method",
    "parallelism", "pool_size", "interpreters", "concurrency_limit", "default_executor_size",
    "expected_checksum", "profile", "pyperf_version", "uvloop_version", "concbench_version",
    # a server under a load generator (tcp_echo): closed or open loop, an open loop's offered rate, round
    # trips in one value, and what the generator can drive (with the fraction of it the run warns from)
    *LOAD_METADATA,
)
#: Latency percentiles as written by scenarios (unit suffix optional, seconds by default)...
LATENCY_KEY = re.compile(r"^latency_p(\d+(?:\.\d+)?)(?:_(s|ms|us|ns))?$")
#: ... and as frame columns, always in seconds.
LATENCY_COLUMN = re.compile(r"^latency_p(\d+(?:\.\d+)?)$")
_SECONDS = {None: 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
#: Keys of a side-file record that say which call it was, not what the call measured
#: (``seconds`` is the call's time, which pyperf already has as its value).
RECORD_KEYS = frozenset({"benchmark", "run", "loops", "seconds"})
METRIC_PREFIX = "metric_"
#: How many timed calls the ``metric_<key>`` medians of a benchmark are taken over.
METRICS_COUNT = "metrics_n"


class AnalysisError(Exception):
    """Bad input or an unwritable output: printed on one line, exit status 2."""


@dataclass(frozen=True)
class RunInfo:
    """The ``.runinfo`` side file of one results file (read leniently: a misshapen part of it
    counts as absent), or why it is unavailable."""

    path: Path
    results: str  # the results file, as the frame's ``file`` column names it
    record: RunRecord | None = None  # None: see ``problem``
    problem: str | None = None  # "missing" or why it could not be read

    @property
    def unsupported(self) -> tuple[Unsupported, ...]:
        return self.record.unsupported if self.record is not None else ()

    @property
    def failed(self) -> tuple[Failed, ...]:
        return self.record.failed if self.record is not None else ()


def recorded(part: Part, name: str, absent: object = "?") -> object:
    """A part's value of field ``name`` (its key in the file), or ``absent`` if its file lacked the key."""
    return absent if name in part.missing else getattr(part, name)


def _read_json(path: Path) -> Any:
    if not path.exists():
        raise AnalysisError(f"results file {str(path)!r} does not exist")
    if not path.is_file():
        raise AnalysisError(f"results file {str(path)!r} is not a file")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as exc:
        raise AnalysisError(f"cannot read results file {str(path)!r}: {exc}") from None
    if not raw.strip():
        raise AnalysisError(f"results file {str(path)!r} is empty")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnalysisError(f"results file {str(path)!r} is not valid JSON ({exc})") from None


def load_suite(path: Path) -> pyperf.BenchmarkSuite:
    """Load a pyperf suite, turning every way a file can be wrong into AnalysisError."""
    data = _read_json(path)
    if not (isinstance(data, dict) and "version" in data and "benchmarks" in data):
        raise AnalysisError(f"{str(path)!r} is JSON but not a pyperf results file "
                            "(no 'version' and 'benchmarks' keys)")
    try:
        check_results(data)  # non-finite values, metadata of the wrong type: one line, not a traceback
    except ResultsFormatError as exc:
        raise AnalysisError(f"{str(path)!r}: {exc}") from None
    try:
        # pyperf has no public constructor from parsed JSON; its own load() would read and
        # parse the file a second time (the bridge holds every use of pyperf's privates)
        suite = suite_from_json(str(path), data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AnalysisError(f"{str(path)!r} is not a valid pyperf results file ({exc})") from None
    for bench in suite:
        meta = bench.get_metadata()
        missing = [key for key in ("scenario", "model", "params") if key not in meta]
        if missing:
            raise AnalysisError(f"{str(path)!r}: benchmark {bench.get_name()!r} has no "
                                f"{', '.join(missing)} metadata: not a concbench results file")
    return suite


def read_runinfo(results: Path, label: str | None = None) -> RunInfo:
    """The side file of ``results``; a missing or unreadable one is noted, not an error."""
    path = side_file(results, RUNINFO_SUFFIX)
    label = label or results.name
    if not path.exists():
        return RunInfo(path, label, problem="missing")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return RunInfo(path, label, problem=f"unreadable ({exc})")
    if not isinstance(data, dict):
        return RunInfo(path, label, problem="unreadable (not a JSON object)")
    try:
        return RunInfo(path, label, RunRecord.from_dict(data, lenient=True))
    except RunRecordError as exc:
        return RunInfo(path, label, problem=f"unreadable ({exc})")


def latency_columns(values: dict[str, Any]) -> dict[str, float]:
    """``latency_p99_us: 1500`` -> ``{"latency_p99": 0.0015}``."""
    found = {}
    for key, value in values.items():
        match = LATENCY_KEY.match(key)
        if match and is_number(value):
            found[f"latency_p{match.group(1)}"] = float(value) * _SECONDS[match.group(2)]
    return found


def metric_columns(record: dict[str, Any]) -> dict[str, float]:
    """A side-file record's own numbers, as ``metric_<key>`` columns.

    Not the record's bookkeeping, not latency percentiles (see :func:`latency_columns`),
    not words, booleans or non-finite numbers.
    """
    return {METRIC_PREFIX + key: float(value) for key, value in record.items()
            if key not in RECORD_KEYS and not LATENCY_KEY.match(key)
            and is_number(value) and math.isfinite(value)}


def read_metrics(results: Path) -> dict[str, dict[str, float]]:
    """Benchmark name -> latency and metric columns, from the side file's timed calls; {} without one.

    The side file is optional extra data: a line that is not a JSON object (a
    run killed mid-write) is skipped rather than failing the whole report.
    """
    path = side_file(results, METRICS_SUFFIX)
    if not path.is_file():
        return {}
    samples: dict[str, dict[str, list[float]]] = {}
    calls: dict[str, int] = {}
    for line in path.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("run") == "value" and "benchmark" in record:
            bench = str(record["benchmark"])
            calls[bench] = calls.get(bench, 0) + 1
            per_bench = samples.setdefault(bench, {})
            for column, value in (latency_columns(record) | metric_columns(record)).items():
                per_bench.setdefault(column, []).append(value)
    found: dict[str, dict[str, float]] = {}
    for bench, cols in samples.items():
        found[bench] = {col: statistics.median(vals) for col, vals in cols.items()}
        if any(col.startswith(METRIC_PREFIX) for col in cols):
            found[bench][METRICS_COUNT] = calls[bench]
    return found


def file_labels(paths: Sequence[Path]) -> list[str]:
    # Base names keep the report independent of where it was run from;
    # fall back to the paths as given only when two base names collide.
    names = [p.name for p in paths]
    return names if len(set(names)) == len(names) else [str(p) for p in paths]


def _suite_rows(label: str, suite: pyperf.BenchmarkSuite, metrics: dict[str, dict[str, float]],
                rows: list[dict[str, Any]]) -> None:
    for bench in suite:
        meta = bench.get_metadata()
        unit = bench.get_unit()
        names = param_names(meta.get("params"))
        measured = [run for run in bench.get_runs() if run.values]
        for run_index, run in enumerate(measured):
            run_meta = run.get_metadata()
            base: dict[str, Any] = {
                "file": label, "scenario": str(meta["scenario"]),
                "scenario_kind": meta.get("scenario_kind"), "model": str(meta["model"]),
                "benchmark": bench.get_name(), "params": ",".join(names),
                "run": run_index, "unit": unit,
                "loops": run.get_loops(), "inner_loops": run.get_inner_loops(),
            }
            base.update({PARAM_PREFIX + n: run_meta.get(PARAM_PREFIX + n) for n in names})
            base.update({key: run_meta.get(key) for key in RUN_COLUMNS})
            base.update({key: run_meta.get(key) for key in ENV_COLUMNS})
            base.update(latency_columns(run_meta))
            base.update(metrics.get(bench.get_name(), {}))
            cpu = parse_cpu_times(run_meta.get(CPU_TIMES))
            if cpu is None or len(cpu) != len(run.values):
                cpu = [math.nan] * len(run.values)
            for value_index, value in enumerate(run.values):
                rows.append({**base, "value_index": value_index, "value": float(value),
                             "cpu_time": cpu[value_index]})


def _ordered_columns(rows: list[dict[str, Any]]) -> list[str]:
    params: dict[str, None] = {}
    latency: set[str] = set()
    metrics: set[str] = set()
    for row in rows:
        params.update(dict.fromkeys(PARAM_PREFIX + name for name in param_names(row["params"])))
        latency.update(key for key in row if LATENCY_COLUMN.match(key))
        metrics.update(key for key in row if key.startswith(METRIC_PREFIX))
    by_percentile = sorted(latency, key=lambda k: float(k.removeprefix("latency_p")))
    counted = [METRICS_COUNT] if metrics else []
    return [*ID_COLUMNS, *params, *VALUE_COLUMNS, *RUN_COLUMNS, *ENV_COLUMNS, *by_percentile,
            *sorted(metrics), *counted]


def frame_from_suites(labelled: Sequence[tuple[str, pyperf.BenchmarkSuite, dict[str, dict[str, float]]]],
                      ) -> pd.DataFrame:
    """(file label, suite, side-file columns by benchmark name) triples as one frame."""
    rows: list[dict[str, Any]] = []
    for label, suite, metrics in labelled:
        _suite_rows(label, suite, metrics, rows)
    columns = _ordered_columns(rows)
    numeric = {"run", "value_index", "loops", "inner_loops", "value"}
    data = {}
    for col in columns:
        cells = [row.get(col) for row in rows]
        # Metadata keeps the type pyperf stored (int, float or str; None when absent):
        # an object column stops pandas turning 0 into 0.0 next to a missing value.
        if col in ("value", "cpu_time") or col.startswith(METRIC_PREFIX):
            # a metric is a median, so a number; NaN where a benchmark did not record it
            data[col] = pd.Series(cells, dtype="float64")
        elif col in numeric:
            data[col] = pd.Series(cells, dtype="int64")
        else:
            data[col] = pd.Series(cells, dtype=object)
    return pd.DataFrame(data, columns=columns)


def load_results(*paths: str | Path) -> pd.DataFrame:
    """One or more concbench results files as one tidy DataFrame (one row per value)."""
    if not paths:
        raise AnalysisError("no results file given")
    files = [Path(p) for p in paths]
    suites = [load_suite(p) for p in files]
    metrics = [read_metrics(p) for p in files]
    return frame_from_suites(list(zip(file_labels(files), suites, metrics, strict=True)))

