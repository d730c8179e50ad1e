"""The decision table: at each scenario and parameter point, who is fastest, and by how much.

Every contender is compared with the fastest one at the same point: the ratio
of medians (how many times slower) and whether the gap is a result (pyperf's
t-test, and larger than the spread).  The per-model summary keeps each model's
best variant, which is the honest answer to "should I use threads or asyncio
here?": each model as well configured as this run tried it.
"""

from __future__ import annotations

from dataclasses import dataclass

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.core.formats import PARAM_PREFIX

from ._format import Params
from ._load import AnalysisError
from ._stats import Difference, NoiseWarning, Sample, difference, noise_warnings
from ._views import Contender, ScenarioView, model_key, scenario_views

DEFAULT_BASELINE = "sequential"


@dataclass(frozen=True)
class Entry:
    contender: Contender
    sample: Sample
    #: median / fastest median (1.0 for the fastest)
    ratio: float
    #: the gap to the fastest; None for the fastest itself
    versus_fastest: Difference | None
    noise: tuple[NoiseWarning, ...]


@dataclass(frozen=True)
class Decision:
    scenario: str
    point: Params
    entries: tuple[Entry, ...]  # fastest first

    @property
    def fastest(self) -> Entry:
        return self.entries[0]

    def best_by_model(self) -> dict[str, Entry]:
        """Each model's fastest variant (entries are sorted, so the first one seen)."""
        best: dict[str, Entry] = {}
        for entry in self.entries:
            best.setdefault(entry.contender.model, entry)
        return best


def decide_point(view: ScenarioView, point: Params) -> Decision:
    ranked = sorted(view.at(point), key=lambda cs: (cs[1].median, view.contenders.index(cs[0])))
    _, fastest = ranked[0]
    entries = tuple(
        Entry(contender, sample, sample.median / fastest.median,
              None if i == 0 else difference(fastest, sample), tuple(noise_warnings(sample)))
        for i, (contender, sample) in enumerate(ranked)
    )
    return Decision(view.name, point, entries)


def decisions(views: list[ScenarioView]) -> list[Decision]:
    return [decide_point(view, point) for view in views for point in view.points]


def decision_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The decision table as a frame: one row per scenario, point and contender."""
    rows = []
    for d in decisions(scenario_views(frame)):
        for rank, e in enumerate(d.entries, 1):
            diff = e.versus_fastest
            rows.append({
                "scenario": d.scenario, **{PARAM_PREFIX + k: v for k, v in d.point},
                "rank": rank, "contender": e.contender.label, "model": e.contender.model,
                "median": e.sample.median, "q1": e.sample.q1, "q3": e.sample.q3, "n": e.sample.n,
                "ratio_to_fastest": e.ratio,
                "significant": None if diff is None else diff.significant,
                "within_noise": None if diff is None else diff.within_noise,
                "verdict": "fastest" if diff is None else diff.verdict,
                "noisy": bool(e.noise),
            })
    return pd.DataFrame(rows)


def models_in(views: list[ScenarioView]) -> list[str]:
    return sorted({c.model for v in views for c in v.contenders}, key=model_key)


def choose_baseline(views: list[ScenarioView], requested: str | None) -> str:
    """The requested baseline model, else sequential, else the first model in the data."""
    present = models_in(views)
    if requested is not None:
        if requested not in present:
            raise AnalysisError(f"baseline model {requested!r} is not in the results: "
                                f"choose from {', '.join(present)}")
        return requested
    return DEFAULT_BASELINE if DEFAULT_BASELINE in present else present[0]


@dataclass(frozen=True)
class SpeedupRow:
    scenario: str
    point: Params
    #: model -> baseline median / model median, both at their best variant; None if absent
    speedups: dict[str, float | None]


def speedups(views: list[ScenarioView], baseline: str) -> list[SpeedupRow]:
    models = models_in(views)
    rows = []
    for d in decisions(views):
        best = d.best_by_model()
        base = best.get(baseline)
        cells: dict[str, float | None] = {
            m: (base.sample.median / best[m].sample.median if base is not None and m in best else None)
            for m in models
        }
        rows.append(SpeedupRow(d.scenario, d.point, cells))
    return rows
