"""The decision table, and each point's table of every contender.

The decision table has one row per scenario and parameter point, named by the
parameters that tell the point from the scenario's others (the rest are said
once, in the scenario's section), so that its first column is short enough to
stay on screen while the model columns scroll past it.  Every cell is the model
at its best variant against the fastest, with its verdict.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from benchmarks.core.echo_keys import WARN_FRACTION
from benchmarks.stats.judge import BAND, NO_INTERVAL

from .._format import format_ratio, format_time, format_time_range
from ..data.decisions import Decision, Entry
from ..data.machine import cpu_drift
from ..data.served import BUSY
from ..data.views import ScenarioView, point_label
from ..render.document import Block, Fold, Para, Table

LEGEND = (
    "Times are wall-clock seconds for one run of the scenario (all its units); lower is better. "
    "**median** and **IQR** (interquartile range, 25th to 75th percentile) are over every measured "
    "value, warm-ups excluded. Every comparison is estimated from rounds: in each round every "
    "benchmark ran in fresh processes, in a shuffled order, so the ratio of two medians taken inside "
    "one round saw one machine. **x fastest** is the geometric mean of those per-round ratios against "
    "the fastest, with a 95% confidence interval from a bootstrap over rounds, then processes within "
    "a round (`benchmarks/stats/paired.py`); the fastest is the contender that no other is estimated "
    "faster than by that ratio (`benchmarks/stats/ranking.py`), so no ratio against it is below 1. "
    "The **verdict** is a result only when the whole interval lies beyond a "
    f"noise band of +-{BAND:.0%}: **1.42x slower [1.37-1.47]**; **no difference** when the interval "
    "lies inside the band; **undecided** when it crosses the band's edge (more rounds would tell). "
    "Samples of different sizes only change an interval's width. Benchmarks of two results files "
    "share no rounds: their ratio is **unpaired** (each file's geometric mean of per-round medians, "
    "bootstrapped over its own rounds), wider, and keeps any drift between the two runs. "
    "**no interval (measured before "
    "rounds)**: the file predates rounds, so its ratio is one of medians and no verdict. pyperf's "
    "t-test is not used: it pools values measured minutes apart, so a drift of the machine between "
    "two benchmarks reads as a difference between them."
)
MARKS = ("One row per scenario and parameter point (named by the parameters that differ between its points; "
         "the others are in the scenario's section); **fastest**: the fastest model and every model that "
         "cannot be told apart from it (`a ≈ b`), in bold only when it wins alone, every other model's "
         "interval against it wholly beyond the band; each model at its fastest variant (every variant "
         "is in the scenario's section), against the fastest: its verdict and interval. **-**: not "
         f"run. **({NO_INTERVAL})**: a ratio of medians, from a run made before rounds (or with fewer "
         "than two rounds in common: the verdict column of the scenario says which).")


#: Beside a decision-table cell whose benchmark the load generator, not the server, may have set.
GENERATOR_MARK = "†gen"
GENERATOR_NOTE = (f"**{GENERATOR_MARK}**: bound by the load generator, not the server: the benchmark's "
                  f"rate reached `{WARN_FRACTION}` of what the generator can drive, or the generator's "
                  f"busiest process used {BUSY:.0%} of a CPU, or the run warned so (the scenario's **bound "
                  "by** column); its ratio may be the generator's, not the model's.")


def summary_table(found: Sequence[Decision], models: Sequence[str], views: Sequence[ScenarioView],
                  flagged: Collection[tuple[str, str]] = frozenset()) -> Table:
    """``flagged``: (file, benchmark) of the benchmarks bound by their load generator, marked."""
    by_name = {v.name: v for v in views}
    rows = []
    for d in found:
        best = d.best_by_model()
        cells = []
        for model in models:
            entry = best.get(model)
            if entry is None:
                cells.append("-")
            elif entry.versus_fastest is None:
                cells.append("**1.00x**")
            else:
                cells.append(entry.versus_fastest.short)
            if entry is not None and (entry.sample.file, entry.sample.benchmark) in flagged:
                cells[-1] += f" {GENERATOR_MARK}"
        group = " ≈ ".join(e.contender.label for e in d.top_group())
        rows.append((point_label(by_name[d.scenario], d.point), f"**{group}**" if d.sole_winner else group,
                     format_time(d.fastest.sample.median), *cells))
    headers = ("scenario", "fastest", "median", *models)
    return Table(headers, tuple(rows), "llr" + "r" * len(models), name="decision-grid")


def decision_blocks(found: Sequence[Decision], models: Sequence[str], views: Sequence[ScenarioView],
                    flagged: Collection[tuple[str, str]] = frozenset()) -> list[Block]:
    table = summary_table(found, models, views, flagged)
    marked = any(GENERATOR_MARK in cell for row in table.rows for cell in row)
    cpu = any(e.sample.cpu_median is not None for d in found for e in d.entries)
    legend = (Para(LEGEND), *((Para(CPU_NOTE),) if cpu else ()))
    return [Para(MARKS + (f" {GENERATOR_NOTE}" if marked else "")), table,
            Fold("How the ratios, intervals and verdicts are computed", legend)]


def _entry_row(e: Entry, full: bool, noisy: bool, cpu: bool) -> tuple[str, ...]:
    s, versus = e.sample, e.versus_fastest
    rounds = "-" if s.rounds is None else str(len(s.rounds))
    drift = cpu_drift(s)
    noise = ", ".join([w.short for w in e.noise] + ([drift.short] if drift is not None else []))
    spread = (format_time_range(s.q1, s.q3), str(s.n), rounds, format_ratio(e.ratio)) if full else ()
    cpu_cell = (("-" if s.cpu_median is None else format_time(s.cpu_median)),) if cpu else ()
    return (e.contender.label, format_time(s.median), *cpu_cell, *spread,
            "fastest" if versus is None else versus.text, *((noise,) if noisy else ()))


#: under a point's table when it has a CPU column
CPU_NOTE = ("**CPU**: the median CPU time (user + system, of the worker and its children) of the same "
            "runs as **median**, wall-clock; below it, the work waited (for I/O, a sleep, a CPU it did not "
            "get); above it, it ran on several CPUs. **wall drift Ax, CPU Bx** under noise: the per-round "
            "medians of the wall time spread by A (largest / smallest) while the CPU time spread by at "
            "most a third as much: the machine slowed it, not its own work.")


def point_table(d: Decision, full: bool = True) -> Table:
    """Every contender, fastest first.  ``full``: with its IQR, values, rounds and ratio to the fastest
    (the diagnostics), else its median and verdict only (the report); a **CPU** column where any
    recorded its CPU time (:data:`CPU_NOTE`); a noise column only where a contender has a warning."""
    cpu = any(e.sample.cpu_median is not None for e in d.entries)
    noisy = any(e.noise or cpu_drift(e.sample) is not None for e in d.entries)
    headers = ("model", "median", *(("CPU",) if cpu else ()),
               *(("IQR", "values", "rounds", "x fastest") if full else ()), "verdict",
               *(("noise",) if noisy else ()))
    align = "lr" + ("r" if cpu else "") + ("rrrr" if full else "") + "l" + ("l" if noisy else "")
    return Table(headers, tuple(_entry_row(e, full, noisy, cpu) for e in d.entries), align)
