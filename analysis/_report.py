"""The report: environment, decision table, noise, drift, speedups, one section per scenario, runs.

Everything is derived from the results files and their ``.runinfo`` side
files, once (:func:`~analysis._analysis.analyse`), in a fixed order (each run's
registry order, then sorted), with fixed-precision numbers and no timestamps:
the same input gives byte-identical Markdown.  Sections are generic: a new
scenario or model appears with no code here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.core.formats import format_value, results_stem

from ._analysis import Analysis, analyse
from ._charts import plot_latency_percentiles, plot_models, plot_scaling
from ._crossover import RULE, Crossover, crossover_blocks, crossovers
from ._decide import Decision, Entry, speedups
from ._doc import Block, Bullets, Heading, Para, Table, chart_image
from ._drift import drift_blocks
from ._drift_chart import plot_drift
from ._env import environment_blocks
from ._format import (
    format_number,
    format_params,
    format_ratio,
    format_time,
    format_time_range,
    slug,
    value_key,
)
from ._heatmap import plot_speedup_heatmap, row_labels
from ._judge import BAND, NO_INTERVAL
from ._runinfo import outcome_blocks, run_blocks, runinfo_scenarios
from ._stats import STDEV_WARN, Sample
from ._views import ScenarioView, scaling_params

CHARTS = "charts"
TITLE = "concbench report"

LEGEND = (
    "Times are wall-clock seconds for one run of the scenario (all its units); lower is better. "
    "**median** and **IQR** (interquartile range, 25th to 75th percentile) are over every measured "
    "value, warm-ups excluded. Every comparison is estimated from rounds: in each round every "
    "benchmark ran in fresh processes, in a shuffled order, so the ratio of two medians taken inside "
    "one round saw one machine. **x fastest** is the geometric mean of those per-round ratios against "
    "the fastest, with a 95% confidence interval from a bootstrap over rounds, then processes within "
    "a round (`analysis/paired.py`); the fastest is the contender with the smallest geometric mean of "
    "per-round medians. The **verdict** is a result only when the whole interval lies beyond a "
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
MARKS = ("One row per scenario and parameter point; each model at its fastest variant (every variant "
         "is in the scenario's section), against the fastest: its verdict and interval. **-**: not "
         f"run. **({NO_INTERVAL})**: a ratio of medians, from a run made before rounds (or with fewer "
         "than two rounds in common: the verdict column of the scenario says which).")
METRICS = ("**Other measurements**: the numbers a scenario records besides time (`.metrics.jsonl`), each "
           "the median over a benchmark's timed values (warm-ups excluded), in the unit its name gives "
           "(`_us`: microseconds); **values**: how many timed values recorded them; **-**: not recorded.")


def _draw(png: Path | None, alt: str) -> list[Block]:
    """An image block for a chart's PNG (none if the chart does not apply)."""
    return [] if png is None else [chart_image(png, alt, CHARTS)]


def summary_table(found: list[Decision], models: list[str]) -> Table:
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
        rows.append((f"`{d.scenario}`", format_params(d.point), f"**{d.fastest.contender.label}**",
                     format_time(d.fastest.sample.median), *cells))
    headers = ("scenario", "parameters", "fastest", "median", *models)
    return Table(headers, tuple(rows), "lllr" + "r" * len(models))


def _entry_row(rank: int, e: Entry) -> tuple[str, ...]:
    s, versus = e.sample, e.versus_fastest
    rounds = "-" if s.rounds is None else str(len(s.rounds))
    return (str(rank), e.contender.label, format_time(s.median), format_time_range(s.q1, s.q3), str(s.n),
            rounds, format_ratio(e.ratio), "fastest" if versus is None else versus.text,
            ", ".join(w.short for w in e.noise))


def point_table(d: Decision) -> Table:
    headers = ("#", "model", "median", "IQR", "values", "rounds", "x fastest", "verdict", "noise")
    return Table(headers, tuple(_entry_row(i, e) for i, e in enumerate(d.entries, 1)), "rlrrrrrll")


def noise_blocks(found: list[Decision]) -> list[Block]:
    several = len({e.sample.file for d in found for e in d.entries}) > 1
    items = sorted(f"`{e.sample.benchmark}`" + (f" ({e.sample.file})" if several else "") + ": "
                   + "; ".join(w.detail for w in e.noise)
                   for d in found for e in d.entries if e.noise)
    if not items:
        return [Para(f"Every benchmark passes pyperf's stability checks (std dev under "
                     f"{STDEV_WARN:.0%} of the mean, no value 50% away from the mean, raw timings of "
                     "1 ms or more).")]
    return [Para(f"{len(items)} benchmark(s) fail one of pyperf's stability checks (flagged in the **noise** "
                 "column): be careful with their numbers and with any ratio involving them. Rerun with "
                 "more processes or values (`--profile rigorous`) on a quieter machine."),
            Bullets(tuple(items))]


def speedup_blocks(analysis: Analysis, baseline: str, chart_dir: Path) -> list[Block]:
    models = analysis.models
    rows = speedups(analysis.decisions, models, baseline, analysis.judge)
    table = Table(("scenario", *models),
                  tuple((label, *(cell.text if cell is not None else "-" for cell in (r.speedups[m]
                                                                                     for m in models)))
                        for label, r in zip(row_labels(analysis.views, rows), rows, strict=True)),
                  "l" + "r" * len(models))
    chart = _draw(plot_speedup_heatmap(analysis, chart_dir, baseline),
                  f"Speedup of every model against {baseline}")
    return [Para(f"Each model against `{baseline}` at the same parameters, each at its fastest variant, "
                 "paired inside rounds as in the decision table: **faster** means the model takes less "
                 "time than the baseline, by the factor given, with its 95% interval."), *chart, table]


def _keyed_table(view: ScenarioView, items: Callable[[Sample], tuple[tuple[Any, float], ...]],
                 key_header: Callable[[Any], str], cell: Callable[[float], str],
                 extra_header: tuple[str, ...] = (),
                 extra: Callable[[Sample], tuple[str, ...]] = lambda s: ()) -> Table | None:
    """One row per contender and point, one column per key any of them recorded; None if none did."""
    rows = [(point, c, s) for point in view.points for c, s in view.at(point) if items(s)]
    if not rows:
        return None
    keys = sorted({key for _, _, s in rows for key, _ in items(s)})
    several = len(view.points) > 1
    table = []
    for point, c, s in rows:
        got = dict(items(s))
        cells = [cell(got[k]) if k in got else "-" for k in keys]
        table.append(((format_params(point),) if several else ()) + (c.label, *extra(s), *cells))
    headers = (("parameters",) if several else ()) + ("model", *extra_header, *map(key_header, keys))
    align = ("l" if several else "") + "l" + "r" * (len(extra_header) + len(keys))
    return Table(headers, tuple(table), align)


def latency_blocks(view: ScenarioView) -> list[Block]:
    """Latency percentiles as a table too, for readers of the Markdown alone."""
    table = _keyed_table(view, lambda s: s.latency, lambda p: f"p{p:g}", format_time)
    if table is None:
        return []
    return [Para("Request latency (median over timed calls of each call's percentile):"), table]


def metrics_blocks(view: ScenarioView) -> list[Block]:
    """The other numbers the scenario records, one column per key; nothing if it records none."""
    table = _keyed_table(view, lambda s: s.metrics, lambda k: f"`{k}`", format_number,
                         extra_header=("values",), extra=lambda s: (str(s.metrics_n),))
    if table is None:
        return []
    return [Para("**Other measurements**:"), table]


def scenario_blocks(analysis: Analysis, view: ScenarioView, chart_dir: Path,
                    crossings: Sequence[Crossover] = ()) -> list[Block]:
    blocks: list[Block] = [Heading(3, f"`{view.name}` ({view.kind})", f"scenario-{slug(view.name)}")]
    info = analysis.registry.scenario(view.name)
    if info is not None and info.summary:
        blocks.append(Para(info.summary + "."))
    facts = []
    for name in view.swept():
        values = sorted({v for s in view.cells.values() for n, v in s.params if n == name}, key=value_key)
        what = "Swept" if name in view.point_names else "Model variants"
        facts.append(f"{what}: `{name}` = {', '.join(format_value(v) for v in values)}.")
    fixed = [f"{model}: {format_params(params)}" for model, params in view.fixed.items() if params]
    if fixed:
        facts.append("Model parameters with a single value: " + "; ".join(fixed) + ".")
    if facts:
        blocks.append(Bullets(tuple(facts)))
    blocks += _draw(plot_models(analysis, view.name, chart_dir), f"{view.name}: time per run by model")
    for param in scaling_params(view):
        blocks += _draw(plot_scaling(analysis, view.name, param, chart_dir),
                        f"{view.name}: time per run against {param}")
        blocks += crossover_blocks([c for c in crossings if c.scenario == view.name and c.param == param])
    blocks += _draw(plot_latency_percentiles(analysis, view.name, chart_dir),
                    f"{view.name}: latency percentiles")
    blocks += latency_blocks(view)
    blocks += metrics_blocks(view)
    for d in analysis.decisions:
        if d.scenario == view.name:
            blocks += [Heading(4, format_params(d.point)), point_table(d)]
    order = list(dict.fromkeys([*view.point_names, *(n for c in view.contenders for n, _ in c.variant)]))
    return blocks + outcome_blocks(view.name, analysis.runinfos, order, analysis.registry)


def unmeasured_blocks(analysis: Analysis) -> list[Block]:
    """A section for each scenario that the run info names but no benchmark of which was timed."""
    runinfos = analysis.runinfos
    measured = {v.name for v in analysis.views}
    blocks: list[Block] = []
    for name in runinfo_scenarios(runinfos, analysis.registry):
        if name not in measured:
            info = analysis.registry.scenario(name)
            kind = f" ({info.kind})" if info is not None and info.kind else ""
            blocks += [Heading(3, f"`{name}`{kind}", f"scenario-{slug(name)}"),
                       Para("No benchmark of this scenario was timed."),
                       *outcome_blocks(name, runinfos, info.params if info else (), analysis.registry)]
    return blocks


def build_report(analysis: Analysis, chart_dir: Path, baseline: str | None = None) -> list[Block]:
    """The report's blocks; draws its charts into ``chart_dir`` on the way."""
    frame, views, found, models = analysis.frame, analysis.views, analysis.decisions, analysis.models
    base = analysis.baseline(baseline)
    files = ", ".join(f"`{f}`" for f in analysis.files)
    intro = (f"Results: {files}. {frame['benchmark'].nunique()} benchmark(s) of {len(views)} scenario(s) "
             f"and {len(models)} model(s), {len(frame)} measured values. Written by "
             "`python -m analysis report`; `results.csv` next to this file has every value.")
    blocks: list[Block] = [Heading(1, TITLE), Para(intro)]
    blocks += [Heading(2, "Environment", "environment"), *environment_blocks(frame)]
    blocks += [Heading(2, "Decision table", "decision-table"), Para(LEGEND), Para(MARKS),
               summary_table(found, models)]
    blocks += [Heading(2, "Noise warnings", "noise"), *noise_blocks(found)]
    drift_chart = _draw(plot_drift(analysis, chart_dir), "Drift: CPU probes and per-round medians")
    blocks += [Heading(2, "Drift during the run", "drift"), *drift_blocks(analysis, base, drift_chart)]
    blocks += [Heading(2, f"Speedup against {base}", "speedup"), *speedup_blocks(analysis, base, chart_dir)]
    blocks.append(Heading(2, "Scenarios", "scenarios"))
    crossings = crossovers(views, found, base, analysis.judge)
    if crossings:
        blocks.append(Para(RULE.format(baseline=f"`{base}`")))
    if any(s.metrics for view in views for s in view.cells.values()):
        blocks.append(Para(METRICS))
    for view in views:
        blocks += scenario_blocks(analysis, view, chart_dir, crossings)
    blocks += unmeasured_blocks(analysis)
    blocks += [Heading(2, "Runs", "runs"), *run_blocks(analysis.runinfos)]
    return blocks


def default_report_dir(results: Path) -> Path:
    """``results/<stem>.report/`` next to the (first) results file."""
    return results.with_name(f"{results_stem(results)}.report")


def write_report(*paths: str | Path, out_dir: str | Path | None = None,
                 baseline: str | None = None) -> Path:
    """Write report.md, report.html, results.csv and charts/ into ``out_dir``; return report.md.

    Nothing in ``out_dir`` changes unless the whole report was produced.
    """
    from ._doc import to_html, to_markdown
    from ._load import file_labels, load_results, read_runinfo
    from ._output import Staging, write_csv

    files = [Path(p) for p in paths]
    frame = load_results(*files)
    runinfos = [read_runinfo(p, label) for p, label in zip(files, file_labels(files), strict=True)]
    analysis = analyse(frame, runinfos)
    analysis.baseline(baseline)  # a bad --baseline fails before anything is written
    out = Path(out_dir) if out_dir is not None else default_report_dir(files[0])
    with Staging(out) as staging:
        blocks = build_report(analysis, staging.dir / CHARTS, baseline)
        (staging.dir / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
        (staging.dir / "report.html").write_text(to_html(blocks, TITLE), encoding="utf-8")
        write_csv(frame, staging.dir / "results.csv")
        staging.publish(last="report.md")
    return out / "report.md"
