"""Results files: named by time, host and Python version; written atomically.

pyperf's own ``-o`` writes the first benchmark and then appends to the file in
place.  Here the suite is dumped to a hidden temporary file in the same
directory after every benchmark, and the finished file appears under its
final name with ``os.link``, which fails rather than overwrite an earlier run.
A side file ``<name>.runinfo`` records what a pyperf file cannot: the command,
the profile, and the pairs that were unsupported or failed, with reasons
(:mod:`benchmarks.core.runrecord`, written the same way).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import platform
import re
import socket
import sys
import tempfile
from pathlib import Path

import pyperf

from benchmarks.core.outputs import OutputError, check_file, check_names_fit
from benchmarks.core.params import BadInput
from benchmarks.core.runrecord import RunRecord
from benchmarks.core.stopping import deferred

RESULTS_DIR = Path("results")
RUNINFO_SUFFIX = ".runinfo"
METRICS_SUFFIX = ".metrics.jsonl"
FAILURES_SUFFIX = ".failures.log"


def default_path(now: _dt.datetime | None = None) -> Path:
    now = now or _dt.datetime.now(_dt.UTC)
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname()) or "host"
    stem = f"{now:%Y%m%dT%H%M%SZ}_{host}_py{platform.python_version()}"
    return RESULTS_DIR / f"{stem}.json"


def check_new(path: Path, hidden: tuple[str, ...] = ()) -> None:
    """Refuse ``path`` (and its side files) unless each is a new name a file of this run can take:
    not there at all (a dangling symbolic link is there), short enough for the file system with
    its ``hidden`` working names too, in a directory this process can write."""
    if path.suffix != ".json":
        raise BadInput(f"results file {str(path)!r} must end in .json")
    try:
        for what, file in (("results file", path), *(("side file", side) for side in side_files(path))):
            if check_file(file, what):
                raise BadInput(f"{what} {str(file)!r} already exists: choose another name")
        check_names_fit(path.parent, hidden, "working file")
    except OutputError as exc:
        raise BadInput(str(exc)) from None
    probe_directory(path.parent)


def probe_directory(directory: Path) -> None:
    """Create the directory if need be, then create and remove a file in it: permissions,
    read-only mounts and pseudo file systems (/proc) all answer now, before any work."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with deferred():  # a signal between creating the probe and removing it must not leave it
            fd, name = tempfile.mkstemp(prefix=".concbench-probe-", dir=directory)
            os.close(fd)
            os.unlink(name)
    except OSError as exc:
        raise BadInput(f"cannot write results into {str(directory)!r}: {exc.strerror or exc}") from None


def runinfo_path(path: Path) -> Path:
    return path.with_suffix(RUNINFO_SUFFIX)


def metrics_path(path: Path) -> Path:
    return path.with_suffix(METRICS_SUFFIX)


def failures_path(path: Path) -> Path:
    """The failure log beside ``path`` (published only when a worker failed)."""
    return path.with_name(f"{path.stem}{FAILURES_SUFFIX}")


def side_files(path: Path) -> tuple[Path, ...]:
    """The files published beside the results file ``path``, under its stem."""
    return runinfo_path(path), metrics_path(path), failures_path(path)


def _free_name(path: Path) -> Path:
    """``path``, or ``<stem>-2.json``, ``-3`` ... : the first whose side files are free too."""
    for attempt in range(1, 1000):
        candidate = path if attempt == 1 else path.with_name(f"{path.stem}-{attempt}{path.suffix}")
        if not any(os.path.lexists(p) for p in (candidate, *side_files(candidate))):
            return candidate
    raise FileExistsError(f"no free name like {str(path)!r}")


def _publish(tmp: Path, final: Path) -> None:
    """Give ``tmp`` the name ``final`` (which must not exist), then drop the temporary name.

    ``os.link`` fails rather than replace a file someone else wrote meanwhile; the
    temporary file is dropped only once the final name holds it.
    """
    os.link(tmp, final)
    tmp.unlink()


class ResultsWriter:
    """The results of one run: a hidden partial file while it runs, published names at the end.

    The partial file is replaced whole (written aside, then renamed over) after every
    save, so a crash or a kill leaves the last complete save behind it; it is removed
    only once its content has a published name.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        #: workers append their sessions' metrics here (one JSON object per line)
        self.metrics_tmp = path.with_name(f".{path.name}.{os.getpid()}.metrics-partial")
        #: workers that fail append why here; published as ``<stem>.failures.log`` of the final stem
        self.failures_tmp = path.with_name(f".{path.name}.{os.getpid()}.failures-partial")
        check_new(path, hidden=(f"{self.partial.name}.new", self.metrics_tmp.name, self.failures_tmp.name))
        self._benchmarks: list[pyperf.Benchmark] = []

    def save(self, benchmarks: list[pyperf.Benchmark]) -> None:
        """Everything measured so far, to the partial file."""
        self._benchmarks = list(benchmarks)
        if self._benchmarks:
            aside = self.partial.with_name(self.partial.name + ".new")
            pyperf.BenchmarkSuite(self._benchmarks).dump(str(aside), replace=True)
            os.replace(aside, self.partial)

    @property
    def count(self) -> int:
        return len(self._benchmarks)

    def finish(self, record: RunRecord) -> Path | None:
        """Publish the results (if any benchmark ran), the run info and the metrics under one
        stem: the requested one, or the next free one if another run took it meanwhile."""
        for _ in range(100):
            final = _free_name(self.path)
            try:
                published = self._publish_all(final, record)
            except FileExistsError:
                continue  # taken between the look and the link: look again
            if final != self.path:
                print(f"WARNING: {str(self.path)!r} was taken while this run was timing; its results "
                      f"are published as {str(final)!r} instead", file=sys.stderr)
            self.path = final
            return published
        raise FileExistsError(f"could not publish {str(self.path)!r}; the results are in "
                              f"{str(self.partial)!r}")

    def _publish_all(self, final: Path, record: RunRecord) -> Path | None:
        published = None
        if self._benchmarks:
            _publish(self.partial, final)
            published = final
        if final != self.path:  # the errors that named the failures log name the one published
            old, new = (f"(traceback in {failures_path(p).name})" for p in (self.path, final))
            record = dataclasses.replace(record, failed=tuple(
                dataclasses.replace(f, error=f.error.replace(old, new)) for f in record.failed))
        dataclasses.replace(record, results=final.name if published else None).write(runinfo_path(final))
        if self.metrics_tmp.exists():
            _publish(self.metrics_tmp, metrics_path(final))
        if self.failures_tmp.exists():
            _publish(self.failures_tmp, failures_path(final))
        return published
