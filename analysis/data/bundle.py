"""Everything a report derives from its results, derived once and handed to every chart and table.

A report reads its frame once into samples, the registry, the scenario views,
the judge of comparisons (which computes each paired ratio once), the
decisions and the order of the models; every table and chart of it then
reads those, rather than rebuilding them from the frame.  The public chart and
table functions take either a frame (what a notebook has) or an
:class:`Analysis` (what the report has): :func:`as_analysis` derives the first
into the second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.core.formats import PARAM_PREFIX
from benchmarks.stats.judge import Judge

from .decisions import Decision, choose_baseline, decisions, models_in
from .inferred import run_registry
from .load import RunInfo
from .registry import Registry
from .samples import Sample
from .views import ScenarioView, samples, scenario_views


@dataclass(frozen=True, eq=False)
class Analysis:
    frame: pd.DataFrame
    runinfos: tuple[RunInfo, ...]
    registry: Registry
    samples: tuple[Sample, ...]
    views: list[ScenarioView]
    decisions: list[Decision]
    models: list[str]  # every model in the results, in registry order
    judge: Judge[Sample]

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(self.frame["file"]))

    def view(self, scenario: str) -> ScenarioView:
        for view in self.views:
            if view.name == scenario:
                return view
        raise ValueError(f"no benchmark of scenario {scenario!r} in these results")

    def baseline(self, requested: str | None = None) -> str:
        return choose_baseline(self.models, requested)


def run_seeds(runinfos: Sequence[RunInfo]) -> dict[str, int]:
    """Results file -> the seed its run recorded (``rounds.seed``), which its stopping rule used."""
    return {ri.results: seed for ri in runinfos
            if ri.record is not None and (seed := ri.record.seed) is not None}


def run_shifts(runinfos: Sequence[RunInfo]) -> dict[str, dict[str, float]]:
    """Results file -> the shift between runs its run measured, by scenario (runs that measured
    none are absent: their intervals cover that run only)."""
    found = {}
    for ri in runinfos:
        between = ri.record.between_runs if ri.record is not None else None
        if between is None:
            continue
        shifts = dict(between.shifts)
        if "" in shifts and all(isinstance(v, int | float) and not isinstance(v, bool)
                                and 0 <= v < math.inf for v in shifts.values()):
            found[ri.results] = {k: float(v) for k, v in shifts.items()}
    return found


def analyse(frame: pd.DataFrame, runinfos: Sequence[RunInfo] = ()) -> Analysis:
    """Samples, registry (the runs' own, else read off the results), views and decisions, once."""
    found = samples(frame)
    registry = run_registry(found, runinfos)
    views = scenario_views(frame, registry, found)
    judge: Judge[Sample] = Judge(run_seeds(runinfos), shifts=run_shifts(runinfos))
    return Analysis(frame, tuple(runinfos), registry, tuple(found), views, decisions(views, judge),
                    models_in(views, registry), judge)


def as_analysis(data: pd.DataFrame | Analysis) -> Analysis:
    return data if isinstance(data, Analysis) else analyse(data)


def decision_table(data: pd.DataFrame | Analysis) -> pd.DataFrame:
    """The decision table as a frame: one row per scenario, point and contender.

    ``ratio_to_fastest`` is the paired estimate, ``low``-``high`` its 95% interval (None without
    one), ``verdict`` the verdict's kind (``fastest``, ``slower``, ..., ``no interval``).
    """
    rows = []
    for d in as_analysis(data).decisions:
        for rank, e in enumerate(d.entries, 1):
            versus = e.versus_fastest
            interval = None if versus is None else versus.ratio
            rows.append({
                "scenario": d.scenario, **{PARAM_PREFIX + k: v for k, v in d.point},
                "rank": rank, "contender": e.contender.label, "model": e.contender.model,
                "median": e.sample.median, "q1": e.sample.q1, "q3": e.sample.q3, "n": e.sample.n,
                "rounds": None if e.sample.rounds is None else len(e.sample.rounds),
                "ratio_to_fastest": e.ratio,
                "low": None if interval is None else interval.low,
                "high": None if interval is None else interval.high,
                "verdict": "fastest" if versus is None else versus.kind,
                "verdict_text": "fastest" if versus is None else versus.text,
                "noisy": bool(e.noise),
            })
    return pd.DataFrame(rows)
