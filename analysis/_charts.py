"""Per-scenario charts: models side by side, scaling curves, latency percentiles.

Each function is pure: it reads the tidy frame (or what a report derived from
it once, an :class:`~analysis._analysis.Analysis`), writes one chart in each of
``formats`` (PNG and SVG by default, drawn once) and returns the path of the
first.  Nothing is specific to a scenario: panels come from parameter points,
lines from contenders, axes from whichever parameter is swept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# mypy: disable-error-code="import-untyped"
import pandas as pd

from ._analysis import Analysis, as_analysis
from ._format import Params, Value, format_params, format_ratio, format_time, is_number, value_key
from ._registry import Registry
from ._stats import Sample, noise_warnings
from ._style import (
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
from ._views import Contender, ScenarioView

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: A numeric sweep spanning this factor or more gets a log x axis.
LOG_X_SPAN = 10.0


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
