"""The overview chart: speedup of every model against a baseline, scenarios x models.

A cell is the baseline's median divided by the model's median at the same
parameter point, each at its best variant: above 1 the model is faster.
Colours are on a log scale centred on 1 (ColorBrewer's RdBu, which stays
readable with the common colour-vision deficiencies): blue faster, red slower,
so 2x faster and 2x slower are equally strong.  Every cell is also written
as a number, so the chart does not depend on colour at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

# mypy: disable-error-code="import-untyped"
import pandas as pd

from ._analysis import Analysis, as_analysis
from ._decide import SpeedupRow, speedups
from ._format import format_params, format_ratio
from ._style import FORMATS, figure, footnote, save
from ._views import ScenarioView

MISSING = "#b0b0b0"


def row_labels(views: list[ScenarioView], rows: list[SpeedupRow]) -> list[str]:
    """Scenario names, with the parameters that differ between its points when it has several."""
    swept = {v.name: [n for n in v.swept() if n in v.point_names] for v in views}
    labels = []
    for row in rows:
        shown = tuple(p for p in row.point if p[0] in swept[row.scenario])
        labels.append(row.scenario + (f" ({format_params(shown)})" if shown else ""))
    return labels


def _power_label(log2: float) -> str:
    """Colour bar ticks at powers of two: 1/8x, 1x, 8x."""
    return f"{2.0 ** log2:g}x" if log2 >= 0 else f"1/{2.0 ** -log2:g}x"


def _log2(value: float | None) -> float:
    return math.nan if value is None else math.log2(value)


def plot_speedup_heatmap(data: pd.DataFrame | Analysis, out_dir: str | Path, baseline: str | None = None,
                         formats: Sequence[str] = FORMATS) -> Path:
    """Scenarios (and points) x models, coloured by speedup against ``baseline``."""
    import matplotlib
    import numpy as np
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import FixedLocator, FuncFormatter

    analysis = as_analysis(data)
    base = analysis.baseline(baseline)
    models = analysis.models
    rows = speedups(analysis.decisions, models, base)
    logs = np.array([[_log2(r.speedups[m]) for m in models] for r in rows])
    limit = max(1.0, float(np.nanmax(np.abs(logs))) if np.isfinite(logs).any() else 1.0)
    labels = row_labels(analysis.views, rows)
    # Row labels take about 0.07 inch per character; never narrower than the footnote.
    width = max(7.5, 2.0 + 0.07 * max(len(label) for label in labels) + 1.0 * len(models))
    with figure(width, 1.8 + 0.42 * len(rows)) as fig:
        ax = fig.subplots()
        cmap = matplotlib.colormaps["RdBu"].with_extremes(bad="white")
        image = ax.imshow(np.ma.masked_invalid(logs), cmap=cmap, vmin=-limit, vmax=limit, aspect="auto")
        for i, row in enumerate(rows):
            for j, model in enumerate(models):
                value = row.speedups[model]
                if value is None:  # hatched, so "not run" never reads as a colour
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                           edgecolor=MISSING, linewidth=0))
                strong = value is not None and abs(math.log2(value)) > 0.6 * limit
                ax.text(j, i, "n/a" if value is None else format_ratio(value), ha="center", va="center",
                        fontsize=8, color="white" if strong else "black")
        ax.set_xticks(range(len(models)), models, rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), labels)
        ax.grid(False)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
        step = max(1, math.ceil(limit / 3))  # at most seven ticks: 1x and three powers of 2 each side
        ticks = [t for t in range(-math.ceil(limit), math.ceil(limit) + 1)
                 if abs(t) <= limit and t % step == 0]
        bar.ax.yaxis.set_major_locator(FixedLocator(ticks))
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _power_label(v)))
        bar.set_label("speedup (log scale)")
        fig.suptitle(f"Speedup against {base}: above 1x is faster")
        footnote(fig, f"{base}'s median / each model's median at the same parameters,\n"
                      "each model at its fastest variant; n/a: not run")
        return save(fig, Path(out_dir), f"speedup-vs-{base}", formats)
