"""The speedup section: every model against the baseline, and costs per unit where a speedup says nothing.

Each model at its fastest variant against the baseline at its fastest, paired
inside rounds (:mod:`analysis.data.speedups`): the heatmap, its numbers as a
table, and, for the scenarios whose baseline does almost nothing
(:mod:`analysis.data.overhead`), a table of each model's median time per run
divided by its units of work, at its cheapest variant.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._format import format_params, format_time
from ..data.bundle import Analysis
from ..data.overhead import FACTOR, cheapest, per_unit
from ..data.speedups import speedup_rows
from ..render.document import Block, Fold, Para, Table


def speedup_blocks(analysis: Analysis, baseline: str, chart: Sequence[Block]) -> list[Block]:
    """The section; ``chart``: the heatmap's image block, none if there was nothing to draw."""
    models = analysis.models
    shown, skipped, _unrun = speedup_rows(analysis, baseline)
    table = Table(("scenario", *models),
                  tuple((label, *(cell.text if cell is not None else "-" for cell in (r.speedups[m]
                                                                                     for m in models)))
                        for label, r in shown),
                  "l" + "r" * len(models))
    return [Para(f"Each model against `{baseline}` at the same parameters, each at its fastest variant, "
                 "paired inside rounds as in the decision table: **faster** means the model takes less "
                 "time than the baseline, by the factor given, with its 95% interval."), *chart,
            Fold("The chart's numbers as a table", (table,)), *cost_blocks(analysis, baseline, skipped)]


def cost_blocks(analysis: Analysis, baseline: str, scenarios: Sequence[str]) -> list[Block]:
    """A table of each model's cost per unit at every point of ``scenarios``; nothing without one."""
    if not scenarios:
        return []
    models = [m for m in analysis.models if any(m in d.best_by_model() for d in analysis.decisions
                                                if d.scenario in scenarios)]
    rows = []
    for d in analysis.decisions:
        if d.scenario not in scenarios:
            continue
        best = d.best_by_model()
        costs = {m: per_unit(e.sample) for m, e in best.items()}
        winner = next((e.contender.model for e in cheapest(d, baseline)), None)
        cells = []
        for m in models:
            cost = costs.get(m)
            text = "-" if m not in best else format_time(cost) if cost is not None else "?"
            cells.append(f"**{text}**" if m == winner and cost is not None else text)
        units = best[next(iter(best))].sample.units
        rows.append((f"`{d.scenario}`", format_params(d.point), "?" if units is None else str(units), *cells))
    names = ", ".join(f"`{s}`" for s in scenarios)
    return [Para(f"**Cost per unit** of {names}: at every point `{baseline}` is at least {FACTOR:g}x faster "
                 "than every other model, so its units do almost nothing and what is timed is each model's "
                 "own machinery. Left out of the speedups above; here, each model's median time per run "
                 f"divided by its units of work, at its cheapest variant (in bold: the cheapest model other "
                 f"than `{baseline}`)."),
            Table(("scenario", "parameters", "units", *models), tuple(rows), "llr" + "r" * len(models))]
