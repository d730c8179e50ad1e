"""The interpreter as a chart's dimension: each model's time on each interpreter, side by side.

One panel per parameter point, one row per model (its best variant on each
interpreter), one marker per interpreter (the median, with its interquartile
range as a bar), so that what an interpreter changes reads along a row and
what a model gains reads down a column.  Interpreters get Paul Tol's muted
colours and a marker shape each, in their order (oldest first, a
free-threaded build after its GIL twin), so the chart does not depend on
colour alone.  Every panel shares one x scale type: log when any spans 10x.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# mypy: disable-error-code="import-untyped"
import pandas as pd

from .._format import format_params
from ..data.bundle import Analysis, as_analysis
from ..data.interpreters import by_interpreter, distinct, interpreters
from .style import (
    FORMATS,
    MARKERS,
    TOL_MUTED,
    figure,
    footnote,
    legend_below,
    legend_height,
    plain_log_axis,
    save,
    time_scale,
    wants_log,
)

#: Interpreters' colours, in their order: Tol's muted set, its darkest and most distinct first.
COLOURS = tuple(TOL_MUTED[i] for i in (0, 6, 3, 1, 7, 4, 2, 5, 8))


def plot_interpreters(data: pd.DataFrame | Analysis, scenario: str, out_dir: str | Path,
                      formats: Sequence[str] = FORMATS) -> Path | None:
    """Models x interpreters of ``scenario``; None unless two interpreters or more measured it."""
    analysis = as_analysis(data)
    found = interpreters(analysis.frame)
    groups = by_interpreter(analysis.files, found)
    points = [d for d in analysis.decisions if d.scenario == scenario]
    order = [i for i in distinct(found) if any(e.sample.file in groups[i] for d in points for e in d.entries)]
    if len(order) < 2:
        return None
    models = [m for m in analysis.models if any(m in d.best_by_model() for d in points)]
    every = [e.sample for d in points for e in d.entries]
    unit, scale = time_scale([s.q1 for s in every])
    log = wants_log([s.median for s in every])
    step = 0.7 / len(order)
    heights = [0.3 * len(models) * len(order) / 2 + 0.8 for _ in points]
    legend = legend_height(len(order))
    with figure(8.0, 1.2 + sum(heights) + legend) as fig:
        *axes, key = fig.subplots(len(points) + 1, 1, height_ratios=[*heights, legend])
        for ax, d in zip(axes, points, strict=True):
            top = len(models) - 1
            for k, interp in enumerate(order):
                best = d.best_by_model(groups[interp])
                label: str | None = interp.label  # once per interpreter and panel
                for i, model in enumerate(models):
                    if model not in best:
                        continue
                    s = best[model].sample
                    y = top - i + 0.35 - step / 2 - k * step
                    colour, marker = COLOURS[k % len(COLOURS)], MARKERS[k % len(MARKERS)]
                    ax.plot([s.q1 / scale, s.q3 / scale], [y, y], color=colour, lw=3, alpha=0.45,
                            solid_capstyle="butt")
                    ax.plot([s.median / scale], [y], marker=marker, ms=6, color=colour, mec="black", mew=0.6,
                            ls="none", label=label)
                    label = None
            ax.set_yticks(range(len(models)), list(reversed(models)))
            ax.set_ylim(-0.6, top + 0.6)
            ax.grid(axis="y", visible=False)
            if log:
                plain_log_axis(ax, "x")
            else:
                ax.set_xlim(left=0)
            ax.set_xlabel(f"time per run ({unit}{', log scale' if log else ''})")
            if d.point:
                ax.set_title(format_params(d.point), loc="left")
        legend_below(key, axes)
        fig.suptitle(f"{scenario}: time per run by model and interpreter")
        footnote(fig, "marker: median   bar: interquartile range   each model at its best variant on each "
                      "interpreter   lower is better")
        return save(fig, Path(out_dir), f"{scenario}-interpreters", formats)
