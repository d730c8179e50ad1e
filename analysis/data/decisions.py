"""The decision table: at each scenario and parameter point, who is fastest, and by how much.

The fastest is chosen on the paired estimate (:func:`analysis._judge.typical`:
the geometric mean of per-round medians over the rounds every contender has);
every other contender is compared with it through a paired ratio, its
interval and its verdict (:mod:`analysis._judge`), and ranked by that ratio.
The per-model summary keeps each model's best variant, which is the honest
answer to "should I use threads or asyncio here?": each model as well
configured as this run tried it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .._format import Params, format_ratio
from .._judge import NO_INTERVAL, Judge, Versus, typical
from .._stats import NoiseWarning, Sample, noise_warnings
from .load import AnalysisError
from .registry import Registry
from .views import Contender, ScenarioView

DEFAULT_BASELINE = "sequential"


@dataclass(frozen=True)
class Entry:
    contender: Contender
    sample: Sample
    #: time / the fastest's time, the paired estimate (before rounds: of medians); 1.0 for the fastest
    ratio: float
    #: this contender against the fastest; None for the fastest itself
    versus_fastest: Versus | None
    noise: tuple[NoiseWarning, ...]


@dataclass(frozen=True)
class Decision:
    scenario: str
    point: Params
    entries: tuple[Entry, ...]  # fastest first

    @property
    def fastest(self) -> Entry:
        return self.entries[0]

    def best_by_model(self, files: Collection[str] | None = None) -> dict[str, Entry]:
        """Each model's fastest variant (entries are sorted, so the first one seen); ``files``: among
        the benchmarks of those results files only."""
        best: dict[str, Entry] = {}
        for entry in self.entries:
            if files is None or entry.sample.file in files:
                best.setdefault(entry.contender.model, entry)
        return best


def decide_point(view: ScenarioView, point: Params, judge: Judge) -> Decision:
    pairs = view.at(point)
    order = typical([s for _, s in pairs])
    first = min(range(len(pairs)), key=lambda i: (order[i], view.contenders.index(pairs[i][0])))
    fastest_contender, fastest = pairs[first]
    others = [(c, s, judge(s, fastest)) for i, (c, s) in enumerate(pairs) if i != first]
    others.sort(key=lambda csv: (csv[2].estimate, view.contenders.index(csv[0])))
    entries = [Entry(fastest_contender, fastest, 1.0, None, tuple(noise_warnings(fastest)))]
    entries += [Entry(c, s, versus.estimate, versus, tuple(noise_warnings(s))) for c, s, versus in others]
    return Decision(view.name, point, tuple(entries))


def decisions(views: list[ScenarioView], judge: Judge) -> list[Decision]:
    return [decide_point(view, point, judge) for view in views for point in view.points]


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
class Speedup:
    """A model at its best variant against the baseline at its best."""

    value: float  # the baseline's time / the model's: above 1 the model is faster
    versus: Versus | None  # the model against the baseline; None for the baseline itself

    @property
    def text(self) -> str:
        """``1.42x faster [1.37-1.47]``, ``undecided (...)``; before rounds the speedup itself, marked."""
        if self.versus is None:
            return "1.00x (baseline)"
        if self.versus.verdict is None:  # a speedup, not the time ratio Versus.short would give
            return f"{format_ratio(self.value)} ({NO_INTERVAL})"
        return self.versus.text


@dataclass(frozen=True)
class SpeedupRow:
    scenario: str
    point: Params
    #: model -> its speedup; None if the model or the baseline was not run at this point
    speedups: dict[str, Speedup | None]


def speedups(found: Sequence[Decision], models: Sequence[str], baseline: str,
             judge: Judge, files: Collection[str] | None = None) -> list[SpeedupRow]:
    """Each point's speedups; ``files``: of the benchmarks of those results files only."""
    rows = []
    for d in found:
        best = d.best_by_model(files)
        base = best.get(baseline)
        cells: dict[str, Speedup | None] = {}
        for m in models:
            if base is None or m not in best:
                cells[m] = None
            elif m == baseline:
                cells[m] = Speedup(1.0, None)
            else:
                versus = judge(best[m].sample, base.sample)
                cells[m] = Speedup(1 / versus.estimate, versus)
        rows.append(SpeedupRow(d.scenario, d.point, cells))
    return rows
