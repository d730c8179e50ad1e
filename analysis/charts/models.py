"""A scenario's contenders side by side, per parameter point: median, IQR and every value.

Pure: it reads the tidy frame (or what a report derived from it once, an
:class:`~analysis.data.bundle.Analysis`), writes the chart in each of ``formats``
(PNG and SVG by default, drawn once) and returns the path of the first.  Panels come from
parameter points, rows from contenders: nothing is specific to a scenario.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# mypy: disable-error-code="import-untyped"
import pandas as pd

from .._format import Params, format_params, format_ratio, format_time
from ..data.bundle import Analysis, as_analysis
from ..data.samples import Sample, noise_warnings
from ..data.views import Contender
from .style import FORMATS, figure, footnote, model_color, plain_log_axis, save, time_scale, wants_log

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_models(data: pd.DataFrame | Analysis, scenario: str, out_dir: str | Path,
                formats: Sequence[str] = FORMATS) -> Path:
    """Every contender of ``scenario`` side by side: median, IQR and every value, per point."""
    analysis = as_analysis(data)
    view = analysis.view(scenario)
    panels = [(point, view.at(point)) for point in view.points]
    # The ratio written beside each contender is the decision table's (the paired estimate).
    found = [d for d in analysis.decisions if d.scenario == scenario]
    ratios = {(d.point, e.contender): e.ratio for d in found for e in d.entries}
    fastest = {d.point: d.fastest.contender for d in found}
    rows = [len(pairs) for _, pairs in panels]
    # One scale type for every panel: a log axis beside a linear one reads as a different spread.
    log = wants_log([v for _, pairs in panels for _, s in pairs for v in s.values])
    with figure(8.0, 1.0 + sum(0.28 * r + 0.75 for r in rows)) as fig:
        axes = fig.subplots(len(panels), 1, squeeze=False, height_ratios=[r + 2.0 for r in rows])[:, 0]
        for ax, (point, pairs) in zip(axes, panels, strict=True):
            _models_panel(ax, point, pairs, [ratios[point, c] for c, _ in pairs], fastest[point], log)
        fig.suptitle(f"{scenario}: time per run (all units), by model")
        footnote(fig, "diamond: median   bar: interquartile range   dots: every measured value   "
                      "right: median, and x fastest (paired)   lower is better")
        return save(fig, Path(out_dir), f"{scenario}-models", formats)


def _models_panel(ax: Axes, point: Params, pairs: list[tuple[Contender, Sample]],
                  ratios: list[float], fastest: Contender, log: bool) -> None:
    winner = next(i for i, (c, _) in enumerate(pairs) if c == fastest)
    unit, scale = time_scale([min(s.values) for _, s in pairs])
    top = len(pairs) - 1
    notes = []
    for i, (contender, s) in enumerate(pairs):
        y = top - i
        color = model_color(contender.model)
        ax.scatter([v / scale for v in s.values], [y] * s.n, s=10, color=color, alpha=0.35,
                   linewidths=0, zorder=2)
        ax.barh(y, s.iqr / scale, left=s.q1 / scale, height=0.5, color=color, alpha=0.45, zorder=3)
        ax.plot([s.median / scale], [y], marker="D", ms=6, color=color, mec="black", mew=0.8, zorder=4)
        text = f"{format_time(s.median)}  {'fastest' if i == winner else format_ratio(ratios[i])}"
        notes.append(text + ("  (noisy)" if noise_warnings(s) else ""))
    ax.set_yticks(range(len(pairs)), [c.label for c, _ in reversed(pairs)])
    # The numbers as tick labels of a right-hand axis: the layout makes room for them, as it does not
    # for annotations beyond the axes (which it clipped at the figure's edge).
    right = ax.secondary_yaxis("right")
    right.set_yticks(range(len(pairs)), list(reversed(notes)), fontsize=8)
    right.tick_params(length=0)
    right.spines["right"].set_visible(False)
    right.get_yticklabels()[top - winner].set_fontweight("bold")
    ax.set_ylim(-0.7, top + 0.7)
    ax.grid(axis="y", visible=False)
    # a bar's edge would stop the axis exactly at the fastest median, cutting its marker in half
    ax.use_sticky_edges = False
    ax.margins(x=0.03)
    if log:
        plain_log_axis(ax, "x")
    else:
        ax.set_xlim(left=0)
    ax.set_xlabel(f"time per run ({unit}{', log scale' if log else ''})")
    if point:
        ax.set_title(format_params(point), loc="left")
