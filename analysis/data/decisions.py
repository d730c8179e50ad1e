"""The decision table: at each scenario and parameter point, who is fastest, and by how much.

The contenders are ranked by :func:`benchmarks.stats.ranking.ranked`, as the
planner ranks them: the fastest is the one no other is estimated faster than,
by the very ratio printed beside it, and every other contender is compared
with it through a paired ratio, its interval and its verdict
(:mod:`benchmarks.stats.judge`), in the order of that ratio.  The models that
cannot be told apart from the fastest form its tie group
(:meth:`Decision.top_group`, :func:`benchmarks.stats.ranking.tie_group`).
The per-model summary keeps each model's best variant, which is the honest
answer to "should I use threads or asyncio here?": each model as well
configured as this run tried it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from benchmarks.stats import ranking
from benchmarks.stats.judge import NO_INTERVAL, Judge, Versus

from .._format import Params, format_ratio
from .load import AnalysisError
from .registry import Registry
from .samples import NoiseWarning, Sample, noise_warnings
from .views import Contender, ScenarioView

DEFAULT_BASELINE = ranking.DEFAULT_BASELINE


@dataclass(frozen=True)
class Entry:
    contender: Contender
    sample: Sample
    #: time / the fastest's time, the paired estimate (before rounds: of medians); 1.0 for the fastest
    ratio: float
    #: this contender against the fastest; None for the fastest itself
    versus_fastest: Versus[Sample] | None
    noise: tuple[NoiseWarning, ...]


@dataclass(frozen=True)
class Decision:
    scenario: str
    point: Params
    entries: tuple[Entry, ...]  # fastest first

    @property
    def fastest(self) -> Entry:
        return self.entries[0]

    def top_group(self) -> tuple[Entry, ...]:
        """The fastest and each other model (at its best variant) that cannot be told apart from it."""
        best = list(self.best_by_model().values())
        return tuple(best[i] for i in ranking.tie_group(_kinds(best)))

    @property
    def sole_winner(self) -> bool:
        """Every other model is slower than the fastest beyond the band (a winner to print in bold)."""
        return ranking.sole_winner(_kinds(list(self.best_by_model().values())))

    def best_by_model(self, files: Collection[str] | None = None) -> dict[str, Entry]:
        """Each model's fastest variant (entries are sorted, so the first one seen); ``files``: among
        the benchmarks of those results files only."""
        best: dict[str, Entry] = {}
        for entry in self.entries:
            if files is None or entry.sample.file in files:
                best.setdefault(entry.contender.model, entry)
        return best


def _kinds(entries: Sequence[Entry]) -> list[str]:
    """Each entry's verdict against the fastest (the first entry is the fastest)."""
    return ["fastest" if e.versus_fastest is None else e.versus_fastest.kind for e in entries]


def decide_point(view: ScenarioView, point: Params, judge: Judge[Sample]) -> Decision:
    pairs = view.at(point)  # in the view's order of contenders, which breaks a tie
    order = ranking.ranked([s for _, s in pairs])
    fastest_contender, fastest = pairs[order[0]]
    others = [(c, s, judge(s, fastest)) for c, s in (pairs[i] for i in order[1:])]
    entries = [Entry(fastest_contender, fastest, 1.0, None, tuple(noise_warnings(fastest)))]
    entries += [Entry(c, s, versus.estimate, versus, tuple(noise_warnings(s))) for c, s, versus in others]
    return Decision(view.name, point, tuple(entries))


def decisions(views: list[ScenarioView], judge: Judge[Sample]) -> list[Decision]:
    return [decide_point(view, point, judge) for view in views for point in view.points]


def models_in(views: Sequence[ScenarioView], registry: Registry) -> list[str]:
    return sorted({c.model for v in views for c in v.contenders}, key=registry.model_key)


def choose_baseline(models: Sequence[str], requested: str | None) -> str:
    """The requested baseline model, else sequential, else the first model in the data
    (:func:`benchmarks.stats.ranking.choose_baseline`, its error as the report's)."""
    try:
        return ranking.choose_baseline(models, requested)
    except ranking.UnknownBaseline as exc:
        raise AnalysisError(str(exc)) from None


@dataclass(frozen=True)
class Speedup:
    """A model at its best variant against the baseline at its best."""

    value: float  # the baseline's time / the model's: above 1 the model is faster
    versus: Versus[Sample] | None  # the model against the baseline; None for the baseline itself

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
             judge: Judge[Sample], files: Collection[str] | None = None) -> list[SpeedupRow]:
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
