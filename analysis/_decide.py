"""The decision table: at each scenario and parameter point, who is fastest, and by how much.

Every contender is compared with the fastest one at the same point: the ratio
of medians (how many times slower) and whether the gap is a result (pyperf's
t-test, and larger than the spread).  The per-model summary keeps each model's
best variant, which is the honest answer to "should I use threads or asyncio
here?": each model as well configured as this run tried it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._format import Params
from ._load import AnalysisError
from ._registry import Registry
from ._stats import Difference, NoiseWarning, Sample, difference, noise_warnings
from ._views import Contender, ScenarioView

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


def models_in(views: Sequence[ScenarioView], registry: Registry) -> list[str]:
    return sorted({c.model for v in views for c in v.contenders}, key=registry.model_key)


def choose_baseline(models: Sequence[str], requested: str | None) -> str:
    """The requested baseline model, else sequential, else the first model in the data."""
    if requested is not None:
        if requested not in models:
            raise AnalysisError(f"baseline model {requested!r} is not in the results: "
                                f"choose from {', '.join(models)}")
        return requested
    return DEFAULT_BASELINE if DEFAULT_BASELINE in models else models[0]


@dataclass(frozen=True)
class SpeedupRow:
    scenario: str
    point: Params
    #: model -> baseline median / model median, both at their best variant; None if absent
    speedups: dict[str, float | None]


def speedups(found: Sequence[Decision], models: Sequence[str], baseline: str) -> list[SpeedupRow]:
    rows = []
    for d in found:
        best = d.best_by_model()
        base = best.get(baseline)
        cells: dict[str, float | None] = {
            m: (base.sample.median / best[m].sample.median if base is not None and m in best else None)
            for m in models
        }
        rows.append(SpeedupRow(d.scenario, d.point, cells))
    return rows
