"""The rows of speedups the report shows, in the speedup section's table and in the heatmap.

Each row is :func:`analysis.data.decisions.speedups` at one point (every model
at its best variant against the baseline at its best, paired).  The rows shown:
with several interpreters one row per interpreter (each model against the
baseline on the same interpreter, paired), and without the scenarios whose
baseline does almost nothing (:mod:`analysis.data.overhead`), whose costs per
unit are shown instead.
"""

from __future__ import annotations

from .._format import format_params
from .bundle import Analysis
from .decisions import SpeedupRow, speedups
from .interpreters import by_interpreter, interpreters
from .overhead import overhead_scenarios
from .views import ScenarioView


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
