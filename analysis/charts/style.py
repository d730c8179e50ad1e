"""What every chart shares: matplotlib (Agg, imported lazily), colours, time axes, saving.

Colours are Okabe and Ito's eight colour-blind-safe colours, one for each
built-in model, fixed by name (black for the sequential baseline), so a model
has the same colour in every chart of every report, whichever models a run
has.  Any other model gets one of Paul Tol's muted colours, chosen from its
name, which is just as stable.  Variants of one model share its colour and
differ by line style and marker.

Charts are drawn on ``matplotlib.figure.Figure`` with the Agg canvas, never
through pyplot: no global figure registry to leak, no GUI backend to pick up
from the environment.  Output is deterministic: a fixed SVG hash salt, no date
in SVG metadata and no software version in PNG metadata.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from .._format import slug, time_unit

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

OKABE_ITO = ("#000000", "#0072B2", "#56B4E9", "#009E73", "#D55E00", "#E69F00", "#CC79A7", "#F0E442")
#: The built-in models, in the registry order they were first given their colours in.  By name, not
#: by a run's registry: a run lists only its own models, and their positions would shift the colours.
COLORED_MODELS = ("sequential", "asyncio", "uvloop", "threads", "processes", "to_thread", "executor-thread",
                  "executor-process")
TOL_MUTED = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
             "#AA4499")
LINESTYLES = ("-", "--", ":", "-.")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
FORMATS = ("png", "svg")
#: Use a log axis when the largest value is at least this many times the smallest.
LOG_SPAN = 10.0

_RC: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "figure.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "savefig.dpi": 120,
    "svg.hashsalt": "concbench",
}


def model_color(model: str) -> str:
    if model in COLORED_MODELS:
        return OKABE_ITO[COLORED_MODELS.index(model)]
    return TOL_MUTED[zlib.crc32(model.encode()) % len(TOL_MUTED)]


@contextmanager
def figure(width: float, height: float) -> Iterator[Figure]:
    """A fresh Agg figure, drawn and saved under the shared style."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with matplotlib.rc_context(cast(Any, _RC)):
        fig = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(fig)
        yield fig


def save(fig: Figure, out_dir: Path, stem: str, formats: Sequence[str]) -> Path:
    """Write ``<stem>.<fmt>`` for every format; the first one's path."""
    unknown = [fmt for fmt in formats if fmt not in FORMATS]
    if unknown or not formats:
        raise ValueError(f"unknown chart format {unknown!r}: choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"{slug(stem)}.{fmt}"
        metadata = {"Software": None} if fmt == "png" else {"Date": None}
        fig.savefig(path, format=fmt, metadata=metadata)
        # The layout is solved by the first save; keep it rather than solve it again.
        fig.set_layout_engine("none")
        paths.append(path)
    return paths[0]


def time_scale(seconds: list[float]) -> tuple[str, float]:
    """The unit for an axis showing these times: the one that fits the smallest."""
    return time_unit(min(seconds)) if seconds else ("s", 1.0)


def wants_log(values: list[float]) -> bool:
    positive = [v for v in values if v > 0]
    return bool(positive) and max(positive) / min(positive) >= LOG_SPAN


def plain_log_axis(ax: Axes, which: str) -> None:
    """A log axis labelled 2, 5, 10, 20... rather than 10^1."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    low, high = ax.get_xlim() if which == "x" else ax.get_ylim()
    decades = math.log10(high / low) if 0 < low < high else 0.0
    # 2-5-10 steps read best, but over more than ~2.5 decades their labels collide, and under one
    # decade they may leave a single tick: then every step of 1 to 9
    every = tuple(float(k) for k in range(1, 10))
    subs = (1.0,) if decades > 2.5 else (1.0, 2.0, 5.0) if decades > 1 else every
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def footnote(fig: Figure, text: str) -> None:
    """How to read the chart, under it (supxlabel, so the layout makes room for it)."""
    fig.supxlabel(text, fontsize=7.5, color="#444444")


#: Columns of a legend under the panels.
LEGEND_COLUMNS = 3


def legend_height(entries: int) -> float:
    """Inches for a legend of ``entries`` lines in :data:`LEGEND_COLUMNS` columns."""
    return 0.1 + 0.2 * -(-entries // LEGEND_COLUMNS)


def legend_below(key: Axes, axes: Sequence[Axes]) -> None:
    """Every panel's lines, once each, in a row of their own under the panels: a legend beside them
    pushed the title off their centre, and one in the figure's margin collided with the footnote."""
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    key.axis("off")
    key.legend(handles, labels, loc="center", ncols=min(LEGEND_COLUMNS, len(labels)), fontsize=8)
