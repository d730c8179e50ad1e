"""Charts of a server under load: throughput against the generator's capacity, latency against load.

:func:`plot_throughput`: one panel per closed-loop point (``message_bytes``,
in the default sweep), one bar per contender (variants of a model share its
colour and differ by hatching), the round trips per second it achieved, the
load generator's capacity as a solid line and the fraction of it the run warns
from as a dashed one.  Every panel shares one linear x axis from zero, so a
bar reads against the others and against the other panels alike.

:func:`plot_latency_load`, drawn only when the run has open-loop benchmarks:
p50, p99 and p99.9 (log scale) against the offered rate, one line per
contender, and the achieved rate against the offered one beside ``achieved =
offered``; a ring marks each line's saturation point, the highest offered
rate it kept up with (achieved within 5% of offered).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

# mypy: disable-error-code="import-untyped"
import pandas as pd

from .._format import Params, format_params, format_percent
from ..data.bundle import Analysis, as_analysis
from ..data.served import KEPT_UP, Served, load_groups, saturation, served
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
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import Formatter

HATCHES = ("", "///", "...", "xxx", "\\\\\\")
#: The percentiles of the latency-against-load chart, each a panel.
PERCENTILES = (50.0, 99.0, 99.9)
CAPACITY = "#222222"


def _rate(x: float) -> str:
    return f"{x:,.0f}/s"


def plot_throughput(data: pd.DataFrame | Analysis, scenario: str, out_dir: str | Path,
                    formats: Sequence[str] = FORMATS) -> Path | None:
    """Round trips per second by contender, per closed-loop point; None if no benchmark says its rate."""
    analysis = as_analysis(data)
    view = analysis.view(scenario)
    rows = [r for r in served(analysis, view) if not r.is_open]
    points = list(dict.fromkeys(r.point for r in rows))
    if not points:
        return None
    panels = [(point, [r for r in rows if r.point == point]) for point in points]
    top = max(max(r.rate, r.capacity or 0.0) for r in rows) * 1.04
    variants: dict[str, list[Params]] = {}
    for r in rows:
        seen = variants.setdefault(r.contender.model, [])
        if r.contender.variant not in seen:
            seen.append(r.contender.variant)
    heights = [0.32 * len(found) + 0.9 for _, found in panels]
    legend = legend_height(2)
    with figure(8.0, 1.2 + sum(heights) + legend) as fig:
        *axes, key = fig.subplots(len(panels) + 1, 1, height_ratios=[*heights, legend])
        for ax, (point, found) in zip(axes, panels, strict=True):
            _throughput_panel(ax, found, variants, top)
            shown = view.shown(point)
            capacities = sorted({r.capacity for r in found if r.capacity is not None})
            title = ([format_params(shown)] if shown else []) + [
                f"generator's capacity {', '.join(_rate(c) for c in capacities)}"] * bool(capacities)
            if title:
                ax.set_title("   ".join(title), loc="left")
        if any(r.capacity is not None for r in rows):
            legend_below(key, axes)
        else:
            key.axis("off")
        fig.suptitle(f"{scenario}: round trips per second, by model")
        footnote(fig, "bar: median over timed values of the achieved rate   right: the rate and its fraction "
                      "of the generator's capacity   higher is better")
        return save(fig, Path(out_dir), f"{scenario}-throughput", formats)


def _throughput_panel(ax: Axes, found: list[Served], variants: dict[str, list[Params]], top: float) -> None:
    last = len(found) - 1
    notes = []
    for i, r in enumerate(found):
        hatch = HATCHES[variants[r.contender.model].index(r.contender.variant) % len(HATCHES)]
        ax.barh(last - i, r.rate, height=0.6, color=model_color(r.contender.model), alpha=0.75, hatch=hatch,
                edgecolor="white", linewidth=0, zorder=3)
        fraction = r.of_capacity
        notes.append(_rate(r.rate) + ("" if fraction is None else f"  {format_percent(fraction)}"))
    ax.set_yticks(range(len(found)), [r.contender.label for r in reversed(found)])
    right = ax.secondary_yaxis("right")
    right.set_yticks(range(len(found)), list(reversed(notes)), fontsize=8)
    right.tick_params(length=0)
    right.spines["right"].set_visible(False)
    capacities = sorted({r.capacity for r in found if r.capacity is not None})
    for capacity in capacities:  # one per point: every benchmark of it shares the generator's set-up
        ax.axvline(capacity, color=CAPACITY, lw=1.4, zorder=4, label="load generator's capacity")
        for fraction in sorted({r.warn_fraction for r in found if r.warn_fraction is not None}):
            ax.axvline(fraction * capacity, color=CAPACITY, lw=1.0, ls="--", zorder=4,
                       label=f"{fraction:g} x capacity: the run warns from here")
    ax.set_ylim(-0.7, last + 0.7)
    ax.set_xlim(0, top)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(_thousands())
    ax.set_xlabel("round trips per second")


def _thousands() -> Formatter:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{v:,.0f}")


def plot_latency_load(data: pd.DataFrame | Analysis, scenario: str, out_dir: str | Path,
                      formats: Sequence[str] = FORMATS) -> Path | None:
    """Latency percentiles and the achieved rate against the offered one; None without open-loop runs."""
    analysis = as_analysis(data)
    view = analysis.view(scenario)
    rows = [r for r in served(analysis, view) if r.is_open and r.offered is not None]
    if not rows:
        return None
    groups = load_groups(rows)
    varying = {n for key in groups for n, _ in key if len({dict(k).get(n) for k in groups}) > 1}
    models = {r.contender.label: r.contender.model for r in rows}
    order = list(models.items())
    # label -> its index among its model's variants: its line style and marker
    labels = {label: [m for _, m in order[:i]].count(model) for i, (label, model) in enumerate(order)}
    legend = legend_height(len(labels) + 1)
    half = 2.7  # inches of one row of two panels
    with figure(8.0, 1.2 + 2 * half * len(groups) + legend) as fig:
        grid = fig.add_gridspec(2 * len(groups) + 1, 2, height_ratios=[half] * 2 * len(groups) + [legend])
        axes = []
        for g, (key, found) in enumerate(groups.items()):
            panels = [fig.add_subplot(grid[2 * g + k // 2, k % 2]) for k in range(4)]
            axes += panels
            _load_group(panels, found, labels)
            shown = tuple(p for p in key if p[0] in varying)
            if shown:
                panels[0].set_title(format_params(shown), loc="left", fontweight="bold")
        legend_below(fig.add_subplot(grid[-1, :]), axes)
        fig.suptitle(f"{scenario}: latency against offered load (open loop)")
        footnote(fig, "each point: median over timed values   ring: saturation point, the highest offered "
                      f"rate achieved within {KEPT_UP:.0%}   lower latency is better")
        return save(fig, Path(out_dir), f"{scenario}-latency-load", formats)


def _offered(r: Served) -> float:
    return r.offered or 0.0


def _ring(ax: Axes, x: float, y: float, color: str) -> None:
    ax.plot([x], [y], marker="o", ms=11, mfc="none", mec=color, mew=1.4, ls="none")


def _load_group(panels: list[Axes], found: list[Served], labels: dict[str, int]) -> None:
    """p50, p99, p99.9 and the achieved rate, each against the offered rate, one line per contender."""
    lines: dict[str, list[Served]] = {}
    for r in found:
        lines.setdefault(r.contender.label, []).append(r)
    # each percentile in its own unit: p50 in microseconds may be p99.9 in milliseconds
    scales = [time_scale([v for r in found for p, v in r.sample.latency if p == pct]) for pct in PERCENTILES]
    achieved = panels[len(PERCENTILES)]
    for label, k in labels.items():
        line = sorted(lines.get(label, []), key=_offered)
        if not line:
            continue
        color = model_color(line[0].contender.model)
        ls, marker = LINESTYLES[k % len(LINESTYLES)], MARKERS[k % len(MARKERS)]
        knee = saturation(line)
        for ax, pct, (_, scale) in zip(panels, PERCENTILES, scales, strict=False):
            points = [(_offered(r), v) for r in line if (v := dict(r.sample.latency).get(pct)) is not None]
            ax.plot([x for x, _ in points], [v / scale for _, v in points], color=color, ls=ls, marker=marker,
                    ms=4.5, mec="black", mew=0.5)
            at = None if knee is None else dict(knee.sample.latency).get(pct)
            if knee is not None and at is not None:
                _ring(ax, _offered(knee), at / scale, color)
        achieved.plot([_offered(r) for r in line], [r.rate for r in line], label=label, color=color, ls=ls,
                      marker=marker, ms=4.5, mec="black", mew=0.5)
        if knee is not None:
            _ring(achieved, _offered(knee), knee.rate, color)
    for ax, pct, (unit, _) in zip(panels, PERCENTILES, scales, strict=False):
        plain_log_axis(ax, "y")
        ax.set_ylabel(f"p{pct:g} latency ({unit}, log scale)")
    high = max(max(_offered(r) for r in found), max(r.rate for r in found)) * 1.05
    achieved.plot([0, high], [0, high], color="#888888", lw=0.8, ls=":", zorder=1, label="achieved = offered")
    achieved.set_ylim(0, high)
    achieved.set_ylabel("achieved round trips/s")
    achieved.yaxis.set_major_formatter(_thousands())
    for ax in panels:
        ax.set_xlim(0, high)  # one linear offered-rate axis on every panel
        ax.set_xlabel("offered round trips/s")
        ax.xaxis.set_major_formatter(_thousands())
