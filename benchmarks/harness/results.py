"""Results files: named by time, host and Python version; written atomically.

pyperf's own ``-o`` writes the first benchmark and then appends to the file in
place.  Here the suite is dumped to a hidden temporary file in the same
directory after every benchmark, and the finished file appears under its
final name with ``os.link``, which fails rather than overwrite an earlier run.
A side file ``<name>.runinfo`` records what a pyperf file cannot: the command,
the profile, and the pairs that were unsupported or failed, with reasons.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import re
import socket
from pathlib import Path
from typing import Any

import pyperf

from benchmarks.core.params import BadInput

RESULTS_DIR = Path("results")
RUNINFO_SUFFIX = ".runinfo"
METRICS_SUFFIX = ".metrics.jsonl"


def default_path(now: _dt.datetime | None = None) -> Path:
    now = now or _dt.datetime.now(_dt.UTC)
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname()) or "host"
    stem = f"{now:%Y%m%dT%H%M%SZ}_{host}_py{platform.python_version()}"
    return RESULTS_DIR / f"{stem}.json"


def check_new(path: Path) -> None:
    if path.suffix != ".json":
        raise BadInput(f"results file {str(path)!r} must end in .json")
    if path.exists():
        raise BadInput(f"results file {str(path)!r} already exists: choose another name")
    for side in (runinfo_path(path), metrics_path(path)):
        if side.exists():
            raise BadInput(f"{str(side)!r} already exists: choose another name")
    parent = path.parent
    if parent.exists() and not (parent.is_dir() and os.access(parent, os.W_OK)):
        raise BadInput(f"cannot write results into {str(parent)!r}")


def runinfo_path(path: Path) -> Path:
    return path.with_suffix(RUNINFO_SUFFIX)


def metrics_path(path: Path) -> Path:
    return path.with_suffix(METRICS_SUFFIX)


def _publish(tmp: Path, final: Path) -> None:
    """Give ``tmp`` the name ``final`` unless ``final`` exists, then drop ``tmp``."""
    try:
        os.link(tmp, final)
    finally:
        tmp.unlink()


class ResultsWriter:
    def __init__(self, path: Path) -> None:
        check_new(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
        #: workers append their sessions' metrics here (one JSON object per line)
        self.metrics_tmp = path.with_name(f".{path.name}.{os.getpid()}.metrics-partial")
        self._benchmarks: list[pyperf.Benchmark] = []

    def add(self, bench: pyperf.Benchmark) -> None:
        self._benchmarks.append(bench)
        pyperf.BenchmarkSuite(self._benchmarks).dump(str(self._tmp), replace=True)

    @property
    def count(self) -> int:
        return len(self._benchmarks)

    def finish(self, runinfo: dict[str, Any]) -> Path | None:
        """Publish the results (if any benchmark ran) and the run info."""
        published = None
        if self._benchmarks:
            _publish(self._tmp, self.path)
            published = self.path
        runinfo = {**runinfo, "results": self.path.name if published else None}
        tmp = self._tmp.with_suffix(".runinfo-partial")
        tmp.write_text(json.dumps(runinfo, indent=2, sort_keys=True) + "\n")
        _publish(tmp, runinfo_path(self.path))
        if self.metrics_tmp.exists():
            _publish(self.metrics_tmp, metrics_path(self.path))
        return published

