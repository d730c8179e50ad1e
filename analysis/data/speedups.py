"""Every model against a baseline at each point: the speedups of the heatmap and of its table.

A cell is a model at its best variant against the baseline at its best, at one
parameter point: the paired estimate of the baseline's time over the model's
(above 1 the model is faster), with its verdict.  :func:`speedup_rows` gives
the rows the report shows: with several interpreters one row per interpreter
(each model against the baseline on the same interpreter, paired), and without
the scenarios whose baseline does almost nothing (:mod:`analysis.data.overhead`),
whose costs per unit are shown instead.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .._format import Params, format_params, format_ratio
from .._judge import NO_INTERVAL, Judge, Versus
from .bundle import Analysis
from .decisions import Decision
from .interpreters import by_interpreter, interpreters
from .overhead import overhead_scenarios
from .views import ScenarioView


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


def row_labels(views: list[ScenarioView], rows: list[SpeedupRow]) -> list[str]:
    """Scenario names, with the parameters that differ between its points when it has several."""
    by_name = {v.name: v for v in views}
    labels = []
    for row in rows:
        shown = by_name[row.scenario].shown(row.point)
        labels.append(row.scenario + (f" ({format_params(shown)})" if shown else ""))
    return labels


def speedup_rows(analysis: Analysis,
                 baseline: str) -> tuple[list[tuple[str, SpeedupRow]], list[str], list[str]]:
    """(label, row) of every speedup shown; the scenarios left out for their costs per unit; the labels
    of the rows left out because the baseline did not run there.  Nothing is left out that would leave
    nothing."""
    rows = speedups(analysis.decisions, analysis.models, baseline, analysis.judge)
    labelled = list(zip(row_labels(analysis.views, rows), rows, strict=True))
    groups = by_interpreter(analysis.files, interpreters(analysis.frame))
    if len(groups) > 1:  # a row per interpreter, each model against the baseline on it (paired)
        labelled = [(f"{label} [py{interp.tag}]", row)
                    for d, (label, _) in zip(analysis.decisions, labelled, strict=True)
                    for interp, files in groups.items()
                    for row in speedups([d], analysis.models, baseline, analysis.judge, files)]
    skipped = overhead_scenarios(analysis, baseline)
    unrun = [label for label, row in labelled if all(cell is None for cell in row.speedups.values())]
    kept = [(label, row) for label, row in labelled if row.scenario not in skipped and label not in unrun]
    return (kept, skipped, unrun) if kept else (labelled, [], [])
