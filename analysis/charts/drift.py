"""The drift chart: each CPU's probe over the run, and each benchmark's per-round median, normalised.

One row per results file that recorded either.  Left, the CPU probe
(``cpu_probe_us``: microseconds of a fixed loop pinned to each CPU, taken just
before a benchmark's workers started) against minutes since the file's first
run, from pyperf's ``date`` of the first run each probe preceded: a CPU whose
line rises ran slower then.  Right, each benchmark's median in each round
divided by its own geometric mean over its rounds, against the round, in its
model's colour, with the median over benchmarks dashed (only over the rounds that
measured at least half of them; a round cut short says how many it measured): what moves all
lines together is drift the rounds share (and the pairing cancels); a line
that leaves the others is a benchmark that drifted on its own.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.stats.paired import round_medians

from ..data.bundle import Analysis, as_analysis
from .style import FORMATS, TOL_MUTED, figure, footnote, model_color, save

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Beyond this many CPUs a legend would bury the chart: the lines say enough.
LEGEND_CPUS = 8


def parse_probe(text: object) -> dict[int, float]:
    """``"0:1812.3,1:1790.1"`` -> ``{0: 1812.3, 1: 1790.1}``; {} for anything else."""
    if not isinstance(text, str):
        return {}
    found = {}
    for part in text.split(","):
        cpu, _, value = part.partition(":")
        try:
            found[int(cpu)] = float(value)
        except ValueError:
            return {}
    return found


def _date(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None


@dataclass
class FileDrift:
    """What one results file says about drift."""

    file: str
    #: CPU -> (seconds since the file's first run, probe microseconds), in time order
    probes: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    #: (model, [(round, median / geometric mean of the medians)]) per benchmark with two rounds or more
    medians: list[tuple[str, list[tuple[int, float]]]] = field(default_factory=list)


def _probes(rows: pd.DataFrame) -> dict[int, list[tuple[float, float]]]:
    """Each measurement's probe once, at the date of the first run it preceded."""
    taken: dict[tuple[str, object], tuple[datetime, dict[int, float]]] = {}
    for bench, number, date, probe in rows[["benchmark", "round", "date", "cpu_probe_us"]].itertuples(
            index=False):
        when, speeds = _date(date), parse_probe(probe)
        key = (str(bench), number)
        if when is not None and speeds and (key not in taken or when < taken[key][0]):
            taken[key] = (when, speeds)
    if not taken:
        return {}
    start = min(when for when, _ in taken.values())
    out: dict[int, list[tuple[float, float]]] = {}
    for when, speeds in sorted(taken.values(), key=lambda item: item[0]):
        for cpu, us in speeds.items():
            out.setdefault(cpu, []).append(((when - start).total_seconds(), us))
    return dict(sorted(out.items()))


def file_drifts(analysis: Analysis) -> list[FileDrift]:
    """The files with a probe or rounds, in the report's order."""
    frame = analysis.frame
    found = []
    for file in analysis.files:
        drift = FileDrift(file, _probes(frame[frame["file"] == file]))
        for s in analysis.samples:
            if s.file == file and s.rounds is not None and len(s.rounds) >= 2:
                medians = round_medians(s.by_round)
                centre = math.exp(statistics.fmean(math.log(m) for m in medians.values()))
                drift.medians.append((s.model, [(r, m / centre) for r, m in medians.items()]))
        if drift.probes or drift.medians:
            found.append(drift)
    return found


def round_values(drift: FileDrift) -> dict[int, list[float]]:
    """Each round's normalised medians, one per benchmark that round measured."""
    by_round: dict[int, list[float]] = {}
    for _, points in drift.medians:
        for r, v in points:
            by_round.setdefault(r, []).append(v)
    return by_round


def full_rounds(drift: FileDrift) -> list[int]:
    """The rounds that measured at least half of the file's benchmarks (the budget can cut a round short)."""
    by_round = round_values(drift)
    return sorted(r for r, values in by_round.items() if 2 * len(values) >= len(drift.medians))


def _probe_panel(ax: Axes, drift: FileDrift) -> None:
    if not drift.probes:
        ax.text(0.5, 0.5, "no CPU probe recorded", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    span = max(t for points in drift.probes.values() for t, _ in points)
    unit, scale = ("minutes", 60.0) if span >= 120 else ("seconds", 1.0)
    for i, (cpu, points) in enumerate(drift.probes.items()):
        ax.plot([t / scale for t, _ in points], [us for _, us in points], color=TOL_MUTED[i % len(TOL_MUTED)],
                marker="o", ms=2.5, lw=1.0, label=f"CPU {cpu}")
    if len(drift.probes) <= LEGEND_CPUS:
        ax.legend(fontsize=7, loc="upper left")
    ax.set_xlabel(f"{unit} since the first run")
    ax.set_ylabel("probe (us, higher is slower)")
    ax.set_title(f"{drift.file}: CPU probe", loc="left")


def _medians_panel(ax: Axes, drift: FileDrift) -> None:
    from matplotlib import patheffects
    from matplotlib.lines import Line2D

    if not drift.medians:
        ax.text(0.5, 0.5, "measured before rounds:\nno per-round medians", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return
    for model, points in drift.medians:
        ax.plot([r for r, _ in points], [v for _, v in points], color=model_color(model), lw=0.8, alpha=0.45)
    by_round = round_values(drift)
    rounds = sorted(by_round)
    full = full_rounds(drift)
    # dashed (sequential's own colour is black too), on a white halo so that it shows over 200 lines;
    # only over the rounds that measured at least half the benchmarks: the median of a round that
    # measured two of them is theirs, not the machine's
    ax.plot(full, [statistics.median(by_round[r]) for r in full], color="black", lw=2.2, ls="--",
            path_effects=[patheffects.withStroke(linewidth=4.5, foreground="white")])
    for i, r in enumerate(r for r in rounds if r not in full):  # staggered, so neighbours never overlap
        ax.annotate(f"{len(by_round[r])}/{len(drift.medians)}", (r, 1.0), fontsize=6.5, ha="center",
                    va="bottom", xytext=(0, 6 + 9 * (i % 2)), textcoords="offset points", color="#555555")
    if len(full) < len(rounds):
        ax.set_xlabel("round (0: calibration; n/N: a round that measured n of the N benchmarks, no median)")
    ax.axhline(1.0, color="#888888", lw=0.6, ls=":")
    ax.set_xticks(rounds)
    models = list(dict.fromkeys(model for model, _ in drift.medians))
    handles = [Line2D([], [], color=model_color(m), lw=1.5, label=m) for m in models]
    median = Line2D([], [], color="black", lw=2.2, ls="--", label="median of all")
    # beside the axes: inside, it would hide the lines of a full run
    ax.legend(handles=[*handles, median], fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if len(full) == len(rounds):
        ax.set_xlabel("round (0: calibration)")
    ax.set_ylabel("median / its geometric mean")
    ax.set_title(f"{drift.file}: per-round medians", loc="left")


def plot_drift(data: pd.DataFrame | Analysis, out_dir: str | Path,
               formats: Sequence[str] = FORMATS) -> Path | None:
    """CPU probes against time and normalised per-round medians, per file; None if no file has either."""
    drifts = file_drifts(as_analysis(data))
    if not drifts:
        return None
    with figure(11.0, 1.0 + 3.4 * len(drifts)) as fig:
        axes = fig.subplots(len(drifts), 2, squeeze=False)
        for (left, right), drift in zip(axes, drifts, strict=True):
            _probe_panel(left, drift)
            _medians_panel(right, drift)
        fig.suptitle("Drift during the run")
        footnote(fig, "left: each CPU's probe before each benchmark (higher is slower)   right: each "
                      "benchmark's per-round median / its geometric mean over rounds; dashed: their median")
        return save(fig, Path(out_dir), "drift", formats)
