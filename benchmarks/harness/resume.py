"""``run --resume FILE``: continue an interrupted or killed run instead of starting again.

FILE is a published results file or the hidden partial file a killed run left
(``.NAME.PID.partial``).  Its runs are checked against the new run before any
work: same host, interpreter, profile, package versions, and every benchmark
in it planned again with the same metadata (so the same work, checked by the
same expected checksum).  The new run then measures only what is missing: the
round that was in progress for the benchmarks that had not had it, then the
rounds that follow, and publishes one file holding the old runs and the new.
A partial file that was resumed is removed once its content has been
published under the new name; a published file is left as it was.
"""

from __future__ import annotations

import gzip
import json
import platform
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchmarks.core.formats import ResultsFormatError, check_results
from benchmarks.core.params import BadInput, Value
from benchmarks.harness.plan import Case
from benchmarks.harness.rounds import ROUND_KEY
from benchmarks.pyperf_bridge import suite_from_json

#: run metadata that must be the same in the earlier run and this one
SAME_RUN = ("profile", "concbench_version", "pyperf_version", "uvloop_version", "python_pgo", "python_lto",
            "python_gil", "worker_cpu_affinity", "processes_per_round")


@dataclass
class Earlier:
    path: Path
    runs: dict[str, list[pyperf.Run]]
    #: the last round any benchmark reached, and the benchmarks that reached it
    last_round: int
    in_last_round: set[str]

    @property
    def is_partial(self) -> bool:
        return self.path.name.startswith(".") and self.path.name.endswith(".partial")

    @property
    def metrics(self) -> Path:
        """The earlier run's metrics: its hidden side file, or the published one."""
        if self.is_partial:
            return self.path.with_name(self.path.name[: -len(".partial")] + ".metrics-partial")
        return self.path.with_suffix(".metrics.jsonl")


def load_earlier(path: str, cases: Sequence[Case], metadata: Mapping[str, Value]) -> Earlier:
    """The runs of ``path``, refused with one line if they are not of this run's kind."""
    file = Path(path)
    try:
        raw = file.read_bytes()
        data = json.loads(gzip.decompress(raw) if file.suffix == ".gz" else raw)
        check_results(data)  # values and metadata the resumed run will publish and compare
        suite = suite_from_json(str(file), data)
    except ResultsFormatError as exc:
        raise BadInput(f"cannot resume from {path!r}: {exc}") from None
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadInput(f"cannot resume from {path!r}: {type(exc).__name__}: {exc}") from None
    planned = {case.name: case for case in cases}
    runs: dict[str, list[pyperf.Run]] = {}
    rounds: dict[str, set[int]] = {}
    for bench in suite.get_benchmarks():
        name = bench.get_name()
        case = planned.get(name)
        if case is None:
            raise BadInput(f"cannot resume from {path!r}: it has {name!r}, which this command does not "
                           "plan (resume with the same --scenario, --model, --param and --profile)")
        meta = bench.get_metadata()
        expected = {**case.metadata(), **{k: metadata[k] for k in SAME_RUN if k in metadata}}
        for key, value in expected.items():
            if key in meta and meta[key] != value:
                raise BadInput(f"cannot resume from {path!r}: {name}: {key} is {meta[key]!r} there, "
                               f"{value!r} now")
        if meta.get("hostname") not in (None, socket.gethostname()):
            raise BadInput(f"cannot resume from {path!r}: it was measured on {meta['hostname']!r}")
        python = str(meta.get("python_version", platform.python_version()))
        if not python.startswith(platform.python_version()):
            raise BadInput(f"cannot resume from {path!r}: it was measured with Python {python}")
        tagged = [run for run in bench.get_runs() if ROUND_KEY in run.get_metadata()]
        if len(tagged) != len(bench.get_runs()):
            raise BadInput(f"cannot resume from {path!r}: its runs have no round (measured before rounds)")
        runs[name] = tagged
        rounds[name] = {int(run.get_metadata()[ROUND_KEY]) for run in tagged if run.values}
    last = max((max(r) for r in rounds.values() if r), default=-1)
    return Earlier(file, runs, last, {name for name, r in rounds.items() if last in r})
