"""What a report's intervals cover: this run only, or a rerun on the same machine.

The answers say which in one sentence (:mod:`analysis.data.coverage`); the Runs
section lists the shifts per scenario.
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.stats.rerun import MIN_COMPARISONS

from ..data.coverage import COVERS_RUN, percent
from ..data.load import RunInfo
from ..render.document import Block, Para, Table


def shift_blocks(runinfos: Sequence[RunInfo]) -> list[Block]:
    """The shift between runs each run measured, by scenario, and what it was measured against."""
    rows = []
    sources: list[Block] = []
    for ri in runinfos:
        between = ri.record.between_runs if ri.record is not None else None
        if between is None:
            continue
        rows += [(f"`{ri.results}`", scenario or "(every scenario)", percent(tau))
                 for scenario, tau in sorted(between.shifts.items())]
        sources.append(Para(f"`{ri.results}`: from {between.comparisons} comparisons made again by "
                            f"{', '.join(f'`{e}`' for e in between.earlier)}; a scenario with fewer than "
                            f"{MIN_COMPARISONS} gets the value of every scenario."))
    if not rows:
        return [Para(COVERS_RUN)]
    return [Para("The shift between runs, by scenario: one run's standard deviation of the machine's "
                 "state, measured from the comparisons this run and earlier ones both made "
                 "(`benchmarks/stats/rerun.py`). Paired intervals add two such draws to both runs' noise, "
                 "so that they hold a rerun's estimate about 95% of the time."),
            Table(("results", "scenario", "shift"), tuple(rows), "llr"), *sources]
