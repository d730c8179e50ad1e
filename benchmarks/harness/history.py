"""Earlier runs of this machine and interpreter, and the shift between runs they show.

A run's paired intervals cover the state the machine was in during that run
(:mod:`benchmarks.stats.rerun`).  To say where a rerun would land, the run
compares itself with the earlier runs in its own results folder that were made
on the same machine (host name, CPU model and count) with the same interpreter
(version, implementation, GIL) and profile: every comparison both made, each
estimated inside its own run, gives one difference.  The shift per scenario
goes into the ``.runinfo`` (``between_runs``), so that a report regenerates
from the run's own files alone, byte for byte, whatever else the folder holds.

The newest :data:`MAX_EARLIER` such runs count: older ones may predate changes
of the machine or of the suite.  A file that cannot be read is passed over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyperf

from benchmarks.core.runrecord import BetweenRuns
from benchmarks.harness.rounds import Track, judged_pairs
from benchmarks.stats import rerun
from benchmarks.stats.paired import Ratio, Rounds, paired_ratio

MAX_EARLIER = 3
#: suite metadata that must match for two runs to be of one machine and interpreter
IDENTITY = ("hostname", "cpu_model_name", "cpu_count", "python_implementation", "python_version",
            "python_gil", "profile")
ROUND_KEY = "round"


@dataclass(frozen=True)
class Made:
    """One comparison this run made: ``name`` against ``reference``, in ``scenario``."""

    scenario: str
    name: str
    reference: str
    ratio: Ratio


def identity(metadata: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(metadata.get(key) for key in IDENTITY)


def rounds_of(bench: pyperf.Benchmark) -> Rounds:
    found: dict[int, list[list[float]]] = {}
    for run in bench.get_runs():
        if run.values and ROUND_KEY in run.get_metadata():
            found.setdefault(int(run.get_metadata()[ROUND_KEY]), []).append(list(run.values))
    return found


def earlier_runs(folder: Path, mine: tuple[object, ...],
                 skip: Iterable[Path] = ()) -> list[pyperf.BenchmarkSuite]:
    """The newest :data:`MAX_EARLIER` readable results files in ``folder`` of identity ``mine``
    (newest first, by name: a name starts with its UTC time), ``skip`` left out."""
    skipped = {p.resolve() for p in skip}
    found: list[pyperf.BenchmarkSuite] = []
    for path in sorted(folder.glob("*.json"), key=lambda p: p.name, reverse=True):
        if path.name.startswith(".") or path.resolve() in skipped:
            continue
        try:
            suite = pyperf.BenchmarkSuite.load(str(path))
        except Exception:
            continue
        if identity(suite.get_metadata()) == mine:
            suite.filename = path.name
            found.append(suite)
            if len(found) == MAX_EARLIER:
                break
    return found


def differences(made: Sequence[Made], earlier: pyperf.BenchmarkSuite,
                seed: int = 0) -> list[rerun.Difference]:
    """Each comparison of ``made`` that ``earlier`` made too, as a difference of the two runs."""
    benches = {b.get_name(): b for b in earlier.get_benchmarks()}
    out = []
    for m in made:
        if m.name in benches and m.reference in benches:
            then = paired_ratio(rounds_of(benches[m.name]), rounds_of(benches[m.reference]), seed=seed)
            if then is not None and m.ratio.rounds >= 2:
                out.append(rerun.difference(m.scenario, m.ratio, then))
    return out


def between_runs(made: Sequence[Made], earlier: Sequence[pyperf.BenchmarkSuite],
                 seed: int = 0) -> BetweenRuns | None:
    """The shift between runs measured against ``earlier`` (None: nothing in common)."""
    found: list[rerun.Difference] = []
    used: list[str] = []
    for suite in earlier:
        these = differences(made, suite, seed)
        if these:
            found += these
            used.append(str(suite.filename))
    if not found:
        return None
    shifts = {k: round(v, 6) for k, v in rerun.shifts(found).items()}
    return BetweenRuns(earlier=tuple(used), comparisons=len(found), shifts=shifts)


def made_by(tracks: Sequence[Track], seed: int, order: Sequence[str] = ()) -> list[Made]:
    """The comparisons the report makes of this run, as the planner pairs them
    (:func:`benchmarks.harness.rounds.judged_pairs`), each with its paired ratio."""
    return [Made(member.group[0], member.name, reference.name, versus.ratio)
            for member, reference, versus in judged_pairs(tracks, seed, order=order)
            if versus.ratio is not None]


def measure(tracks: Sequence[Track], seed: int, results: Path,
            order: Sequence[str] = ()) -> BetweenRuns | None:
    """This run's shift against the earlier runs beside ``results`` (its own results file);
    ``order``: the registry's model names, which choose the baseline as the planner does."""
    measured = [t.benchmark() for t in tracks if not t.failed and t.runs]
    if not measured:
        return None
    mine = identity(pyperf.BenchmarkSuite(measured).get_metadata())
    earlier = earlier_runs(results.parent, mine, skip=[results])
    return between_runs(made_by(tracks, seed, order), earlier, seed)
