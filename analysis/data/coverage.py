"""What a report's intervals cover: this run only, or a rerun on the same machine.

A run that found earlier runs of its machine and interpreter beside it measured the
shift between runs (``.runinfo`` ``between_runs``; :mod:`benchmarks.stats.rerun`), and
its paired intervals are widened by it (:func:`.bundle.run_shifts`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .load import RunInfo

COVERS_RUN = ("Intervals cover this run only: no earlier run of this machine and interpreter was "
              "beside it, so the shift between two runs is not measured, and a rerun's estimate may "
              "fall outside them (`docs/caveats.md`).")


def percent(tau: float) -> str:
    """A log-scale standard deviation as the relative spread it stands for."""
    return f"{math.expm1(tau):.1%}"


def coverage_sentence(runinfos: Sequence[RunInfo], shifted: Sequence[str]) -> str:
    """``shifted``: the results files whose intervals the shift widened."""
    if not shifted:
        return COVERS_RUN
    measured = [ri.record.between_runs for ri in runinfos if ri.results in shifted and ri.record is not None
                and ri.record.between_runs is not None]
    earlier = sorted({name for between in measured for name in between.earlier})
    largest = max((v for between in measured for v in between.shifts.values()), default=0.0)
    text = (f"Intervals cover a rerun on this machine: each paired interval holds both runs' noise "
            f"and the shift between runs that {len(earlier)} earlier run(s) of this machine and "
            f"interpreter showed (up to {percent(largest)} per run; the Runs section lists it by "
            "scenario).")
    others = len({ri.results for ri in runinfos}) - len(shifted)
    if others > 0:
        text += f" {others} other results file(s) had no earlier run: theirs cover that run only."
    return text
