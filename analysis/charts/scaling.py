"""Scaling curves: a scenario's median time against a swept parameter, one line per contender.

Pure: it reads the tidy frame (or what a report derived from it once, an
:class:`~analysis.data.bundle.Analysis`), writes the chart in each of ``formats``
(PNG and SVG by default, drawn once) and returns the path of the first.  The axis is whichever
parameter is swept (numeric, log when it spans 10x, else categories); variants
of one model differ by line style and marker.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# mypy: disable-error-code="import-untyped"
import pandas as pd

from .._format import Params, Value, format_params, is_number, value_key
from ..data.bundle import Analysis, as_analysis
from ..data.registry import Registry
from ..data.samples import Sample
from ..data.views import ScenarioView
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

#: A numeric sweep spanning this factor or more gets a log x axis.
LOG_X_SPAN = 10.0


def _x_positions(values: list[Value], ax: Axes) -> dict[Value, float]:
    """Numbers on a numeric axis (log when the sweep spans 10x); anything else as categories."""
    ordered = sorted(set(values), key=value_key)
    if all(is_number(v) for v in ordered):
        numbers = [float(v) for v in ordered]
        if min(numbers) > 0 and max(numbers) / min(numbers) >= LOG_X_SPAN:
            plain_log_axis(ax, "x")
        ax.set_xticks(numbers, [str(v) for v in ordered])
        return {v: float(v) for v in ordered}
    ax.set_xticks(range(len(ordered)), [str(v) for v in ordered])
    ax.set_xlim(-0.5, len(ordered) - 0.5)
    return {v: float(i) for i, v in enumerate(ordered)}


def _series_style(view: ScenarioView, param: str) -> dict[str, tuple[str, str]]:
    """Label -> (line style, marker): variants of one model differ by both."""
    seen: dict[str, list[str]] = {}
    for c in view.contenders:
        label = view.label(c, drop=(param,))
        variants = seen.setdefault(c.model, [])
        if label not in variants:
            variants.append(label)
    return {label: (LINESTYLES[i % len(LINESTYLES)], MARKERS[i % len(MARKERS)])
            for labels in seen.values() for i, label in enumerate(labels)}


def plot_scaling(data: pd.DataFrame | Analysis, scenario: str, param: str, out_dir: str | Path,
                 formats: Sequence[str] = FORMATS) -> Path:
    """Median time (with IQR) against a swept parameter, one line per contender."""
    analysis = as_analysis(data)
    view = analysis.view(scenario)
    if param not in view.swept():
        raise ValueError(f"parameter {param!r} takes fewer than two values in {scenario!r}")
    styles = _series_style(view, param)
    panels: dict[Params, dict[tuple[str, str], list[tuple[Value, Sample]]]] = {}
    for (point, contender), s in view.cells.items():
        params = dict(s.params)
        if param in params:
            panel = tuple(p for p in point if p[0] != param)
            key = (contender.model, view.label(contender, drop=(param,)))
            panels.setdefault(panel, {}).setdefault(key, []).append((params[param], s))
    order = sorted(panels, key=lambda p: tuple(value_key(v) for _, v in p))
    legend = legend_height(len(styles))
    with figure(8.0, 1.2 + 3.2 * len(order) + legend) as fig:
        *axes, key = fig.subplots(len(order) + 1, 1, height_ratios=[3.2] * len(order) + [legend])
        for ax, panel in zip(axes, order, strict=True):
            _scaling_panel(ax, panels[panel], param, styles, analysis.registry)
            if panel:
                ax.set_title(format_params(panel), loc="left")
        legend_below(key, axes)
        fig.suptitle(f"{scenario}: time per run against {param}")
        footnote(fig, "points: median   bars: interquartile range   lower is better")
        return save(fig, Path(out_dir), f"{scenario}-scaling-{param}", formats)


def _scaling_panel(ax: Axes, series: dict[tuple[str, str], list[tuple[Value, Sample]]], param: str,
                   styles: dict[str, tuple[str, str]], registry: Registry) -> None:
    positions = _x_positions([x for points in series.values() for x, _ in points], ax)
    samples = [s for points in series.values() for _, s in points]
    unit, scale = time_scale([s.q1 for s in samples])
    for (model, label), points in sorted(series.items(), key=lambda kv: _series_key(kv[0], styles, registry)):
        points = sorted(points, key=lambda xs: value_key(xs[0]))
        xs = [positions[x] for x, _ in points]
        ys = [s.median / scale for _, s in points]
        err = [[(s.median - s.q1) / scale for _, s in points], [(s.q3 - s.median) / scale for _, s in points]]
        line, marker = styles[label]
        ax.errorbar(xs, ys, yerr=err, label=label, color=model_color(model), ls=line, marker=marker,
                    ms=4.5, mec="black", mew=0.5, lw=1.5, capsize=2.5)
    log = wants_log([s.median for s in samples])
    if log:
        plain_log_axis(ax, "y")
    else:
        ax.set_ylim(bottom=0)
    ax.set_xlabel(param + (" (log scale)" if ax.get_xscale() == "log" else ""))
    ax.set_ylabel(f"time per run ({unit}{', log scale' if log else ''})")


def _series_key(key: tuple[str, str], styles: dict[str, tuple[str, str]],
                registry: Registry) -> tuple[int, int]:
    return registry.model_key(key[0])[0], list(styles).index(key[1])
