"""Latency percentiles (``latency_p<NN>`` metadata) per contender, one panel per parameter point.

Pure: it reads the tidy frame (or what a report derived from it once, an
:class:`~analysis.data.bundle.Analysis`), writes the chart in each of ``formats``
(PNG and SVG by default, drawn once) and returns the path of the first.  Drawn only for a
scenario whose benchmarks record percentiles.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# mypy: disable-error-code="import-untyped"
import pandas as pd

from .._format import format_params
from ..data.bundle import Analysis, as_analysis
from ..data.samples import Sample
from ..data.views import Contender
from .style import (
    FORMATS,
    LINESTYLES,
    MARKERS,
    figure,
    footnote,
    legend_below,
    legend_height,
    model_color,
    plain_log_axis,
    save,
    time_scale,
    wants_log,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_latency_percentiles(data: pd.DataFrame | Analysis, scenario: str, out_dir: str | Path,
                             formats: Sequence[str] = FORMATS) -> Path | None:
    """Latency percentiles (``latency_p<NN>`` metadata) per contender; None if not recorded."""
    view = as_analysis(data).view(scenario)
    panels = [(point, [(c, s) for c, s in view.at(point) if s.latency]) for point in view.points]
    panels = [(point, pairs) for point, pairs in panels if pairs]
    if not panels:
        return None
    legend = legend_height(len({c.label for _, pairs in panels for c, _ in pairs}))
    with figure(8.0, 1.2 + 3.0 * len(panels) + legend) as fig:
        *axes, key = fig.subplots(len(panels) + 1, 1, height_ratios=[3.0] * len(panels) + [legend])
        for ax, (point, pairs) in zip(axes, panels, strict=True):
            _latency_panel(ax, pairs)
            if point:
                ax.set_title(format_params(point), loc="left")
        legend_below(key, axes)
        fig.suptitle(f"{scenario}: request latency percentiles")
        footnote(fig, "each point: the median over timed calls of that call's percentile   lower is better")
        return save(fig, Path(out_dir), f"{scenario}-latency", formats)


def _latency_panel(ax: Axes, pairs: list[tuple[Contender, Sample]]) -> None:
    percentiles = sorted({p for _, s in pairs for p, _ in s.latency})
    unit, scale = time_scale([v for _, s in pairs for _, v in s.latency])
    variant: dict[str, int] = {}
    for contender, s in pairs:
        i = variant[contender.model] = variant.get(contender.model, -1) + 1
        xs = [percentiles.index(p) for p, _ in s.latency]
        ax.plot(xs, [v / scale for _, v in s.latency], label=contender.label,
                color=model_color(contender.model), ls=LINESTYLES[i % len(LINESTYLES)],
                marker=MARKERS[i % len(MARKERS)], ms=4.5, mec="black", mew=0.5)
    ax.set_xticks(range(len(percentiles)), [f"p{p:g}" for p in percentiles])
    log = wants_log([v for _, s in pairs for _, v in s.latency])
    if log:
        plain_log_axis(ax, "y")
    ax.set_xlabel("percentile")
    ax.set_ylabel(f"latency ({unit}{', log scale' if log else ''})")
