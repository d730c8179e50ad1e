"""The overview chart: speedup of every model against a baseline, scenarios x models.

A cell is the paired estimate of the baseline's time over the model's at the
same parameter point, each at its best variant: above 1 the model is faster.
Colours are on a log scale centred on 1 (ColorBrewer's RdBu, which stays
readable with the common colour-vision deficiencies): blue faster, red slower,
so 2x faster and 2x slower are equally strong.  Every cell is also written
as a number with its verdict: the 95% interval where the verdict is decided,
else ``no difference``, ``undecided`` or ``no interval`` (dotted, so such a
cell never reads as a result), so the chart does not depend on colour at all.

With several interpreters every row is one interpreter's, each model against
the baseline on the same interpreter (paired), so that a row never sets one
interpreter's threads against another's sequential code.

The colour scale stops at :data:`CLIP` (32x either way; the colour bar's
arrows say so): past that, a colour tells nothing more, and one extreme cell
(a 1000-fold overhead) would wash every other cell out to white.  Scenarios
whose baseline does almost nothing (:mod:`analysis.data.overhead`, ``spawn``)
are left out of the chart and of its table: their costs per unit follow them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.stats.text import format_factor

from .._format import format_ratio
from ..data.bundle import Analysis, as_analysis
from ..data.decisions import Speedup
from ..data.speedups import speedup_rows
from .style import FORMATS, figure, footnote, save

MISSING = "#b0b0b0"
#: The colour scale's end, in powers of two: 2**5 = 32x faster or slower.
CLIP = 5.0


def _scenarios(labels: Sequence[str]) -> str:
    """``primitives (4 points), cancel_timeout (op=shutdown)``: row labels, grouped by scenario."""
    grouped: dict[str, list[str]] = {}
    for label in labels:
        grouped.setdefault(label.split(" ", 1)[0], []).append(label)
    return ", ".join(found[0] if len(found) == 1 else f"{name} ({len(found)} points)"
                     for name, found in grouped.items())


def _power_label(log2: float) -> str:
    """Colour bar ticks at powers of two: 1/8x, 1x, 8x."""
    return f"{2.0 ** log2:g}x" if log2 >= 0 else f"1/{2.0 ** -log2:g}x"


def _log2(cell: Speedup | None) -> float:
    return math.nan if cell is None else math.log2(cell.value)


def cell_text(cell: Speedup | None) -> tuple[str, bool]:
    """(what a cell says, whether it is a result): the speedup and the interval, or why not."""
    if cell is None:
        return "n/a", False
    if cell.versus is None:
        return f"{format_ratio(cell.value)}\nbaseline", False
    versus = cell.versus
    if versus.decided and versus.ratio is not None:
        # the interval of the speedup: the time ratio's, inverted
        low, high = 1 / versus.ratio.high, 1 / versus.ratio.low
        return f"{format_ratio(cell.value)}\n[{format_factor(low)}-{format_factor(high)}]", True
    return f"{format_ratio(cell.value)}\n{versus.kind}", False


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
    shown, skipped, unrun = speedup_rows(analysis, base)
    labels, rows = [label for label, _ in shown], [row for _, row in shown]
    logs = np.array([[_log2(r.speedups[m]) for m in models] for r in rows])
    largest = float(np.nanmax(np.abs(logs))) if np.isfinite(logs).any() else 1.0
    limit = min(CLIP, max(1.0, largest))
    # Row labels take about 0.07 inch per character; never narrower than the footnote.
    width = max(7.5, 2.0 + 0.07 * max(len(label) for label in labels) + 1.0 * len(models))
    with figure(width, 1.9 + 0.42 * len(rows)) as fig:
        ax = fig.subplots()
        cmap = matplotlib.colormaps["RdBu"].with_extremes(bad="white")
        image = ax.imshow(np.ma.masked_invalid(logs), cmap=cmap, vmin=-limit, vmax=limit, aspect="auto")
        for i, row in enumerate(rows):
            for j, model in enumerate(models):
                cell = row.speedups[model]
                text, result = cell_text(cell)
                if cell is None:  # hatched, so "not run" never reads as a colour
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///",
                                           edgecolor=MISSING, linewidth=0))
                elif not result and cell.versus is not None:  # dotted: a colour that is not a result
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="..",
                                           edgecolor="#999999", linewidth=0))
                strong = result and cell is not None and abs(math.log2(cell.value)) > 0.6 * limit
                # a pale box keeps the words of a dotted cell readable over its dots
                box = None if result or cell is None else {"facecolor": "white", "alpha": 0.75,
                                                           "edgecolor": "none", "pad": 1.5}
                ax.text(j, i, text, ha="center", va="center", fontsize=7.5, linespacing=1.1,
                        color="white" if strong else "black", bbox=box)
        ax.set_xticks(range(len(models)), models, rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), labels)
        ax.grid(False)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, shrink=0.8, pad=0.02,
                           extend="both" if largest > limit else "neither")
        step = max(1, math.ceil(limit / 3))  # at most seven ticks: 1x and three powers of 2 each side
        ticks = [t for t in range(-math.ceil(limit), math.ceil(limit) + 1)
                 if abs(t) <= limit and t % step == 0]
        bar.ax.yaxis.set_major_locator(FixedLocator(ticks))
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _power_label(v)))
        bar.set_label("speedup (log scale)")
        fig.suptitle(f"Speedup against {base}: above 1x is faster")
        left_out = "".join([
            f";\nleft out: {', '.join(skipped)}, whose {base} does almost nothing (see the cost per unit)"
            if skipped else "",
            f";\nleft out, {base} not run: {_scenarios(unrun)}" if unrun else ""])
        footnote(fig, f"{base}'s time / each model's, paired inside rounds, each model at its fastest "
                      "variant;\n[interval]: 95%, beyond the +-2% noise band; dotted: no difference, "
                      f"undecided or no interval (measured before rounds); n/a: not run{left_out}")
        return save(fig, Path(out_dir), f"speedup-vs-{base}", formats)
