"""The report: answers first, then the decision table, then the details.

Order: one line per scenario and point answering it (:mod:`analysis._answers`);
the decision table; with several interpreters, the headline CPU table and what
changed between versions; the environment in one line (its full table
collapsed); noise; drift; speedups; one collapsible section per scenario; runs.
Everything is derived from the results files and their ``.runinfo`` side
files, once (:func:`~analysis._analysis.analyse`), in a fixed order (each run's
registry order, then sorted), with fixed-precision numbers and no timestamps:
the same input gives byte-identical Markdown and HTML.  Sections are generic: a
new scenario or model appears with no code here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.core.formats import format_value, results_stem

from ._analysis import Analysis, analyse
from ._answers import answer_blocks
from ._charts import plot_latency_percentiles, plot_models, plot_scaling
from ._crossover import RULE, Crossover, crossover_blocks, crossovers
from ._doc import Block, Bullets, Fold, Heading, Para, Table, chart_image
from ._drift import drift_blocks
from ._drift_chart import plot_drift
from ._env import environment_blocks, environment_line
from ._format import format_number, format_params, format_time, slug, value_key
from ._heatmap import plot_speedup_heatmap, speedup_rows
from ._interp_chart import plot_interpreters
from ._interpreters import by_interpreter_blocks, headline_blocks, several
from ._overhead import cost_blocks
from ._progress import QUIET, Progress
from ._runinfo import outcome_blocks, run_blocks, runinfo_scenarios
from ._serving import generator_bound, serving_blocks
from ._serving_chart import plot_latency_load, plot_throughput
from ._stats import Sample
from ._summary import decision_blocks, noise_blocks, point_table
from ._versions import version_blocks
from ._views import ScenarioView, scaling_params

CHARTS = "charts"
TITLE = "concbench report"

METRICS = ("**Other measurements**: the numbers a scenario records besides time (`.metrics.jsonl`), each "
           "the median over a benchmark's timed values (warm-ups excluded), in the unit its name gives "
           "(`_us`: microseconds); **values**: how many timed values recorded them; **-**: not recorded.")


def _draw(png: Path | None, alt: str, progress: Progress = QUIET) -> list[Block]:
    """An image block for a chart's PNG (none if the chart does not apply)."""
    progress.step()
    return [] if png is None else [chart_image(png, alt, CHARTS)]


def speedup_blocks(analysis: Analysis, baseline: str, chart_dir: Path,
                   progress: Progress = QUIET) -> list[Block]:
    models = analysis.models
    shown, skipped, _unrun = speedup_rows(analysis, baseline)
    table = Table(("scenario", *models),
                  tuple((label, *(cell.text if cell is not None else "-" for cell in (r.speedups[m]
                                                                                     for m in models)))
                        for label, r in shown),
                  "l" + "r" * len(models))
    chart = _draw(plot_speedup_heatmap(analysis, chart_dir, baseline),
                  f"Speedup of every model against {baseline}", progress)
    return [Para(f"Each model against `{baseline}` at the same parameters, each at its fastest variant, "
                 "paired inside rounds as in the decision table: **faster** means the model takes less "
                 "time than the baseline, by the factor given, with its 95% interval."), *chart,
            Fold("The chart's numbers as a table", (table,)), *cost_blocks(analysis, baseline, skipped)]


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


def _facts(view: ScenarioView) -> list[str]:
    facts = []
    for name in view.swept():
        values = sorted({v for s in view.cells.values() for n, v in s.params if n == name}, key=value_key)
        what = "Swept" if name in view.point_names else "Model variants"
        facts.append(f"{what}: `{name}` = {', '.join(format_value(v) for v in values)}.")
    single = [p for p in (view.points[0] if view.points else ()) if p[0] not in view.swept()]
    if single:
        facts.append(f"Scenario parameters with a single value: {format_params(tuple(single))}.")
    fixed = [f"{model}: {format_params(params)}" for model, params in view.fixed.items() if params]
    if fixed:
        facts.append("Model parameters with a single value: " + "; ".join(fixed) + ".")
    return facts


def scenario_blocks(analysis: Analysis, view: ScenarioView, chart_dir: Path,
                    crossings: Sequence[Crossover] = (), baseline: str | None = None,
                    progress: Progress = QUIET) -> list[Block]:
    """The scenario's section: collapsed on the page, all of it in Markdown."""
    base = analysis.baseline(baseline)
    blocks: list[Block] = []
    info = analysis.registry.scenario(view.name)
    if info is not None and info.summary:
        blocks.append(Para(info.summary + "."))
    facts = _facts(view)
    if facts:
        blocks.append(Bullets(tuple(facts)))
    blocks += _draw(plot_models(analysis, view.name, chart_dir), f"{view.name}: time per run by model",
                    progress)
    blocks += _draw(plot_interpreters(analysis, view.name, chart_dir),
                    f"{view.name}: time per run by model and interpreter", progress)
    blocks += by_interpreter_blocks(analysis, view.name, base)
    for param in scaling_params(view):
        blocks += _draw(plot_scaling(analysis, view.name, param, chart_dir),
                        f"{view.name}: time per run against {param}", progress)
        blocks += crossover_blocks([c for c in crossings if c.scenario == view.name and c.param == param])
    blocks += _draw(plot_throughput(analysis, view.name, chart_dir),
                    f"{view.name}: round trips per second by model", progress)
    blocks += _draw(plot_latency_load(analysis, view.name, chart_dir),
                    f"{view.name}: latency against offered load", progress)
    blocks += serving_blocks(analysis, view)
    blocks += _draw(plot_latency_percentiles(analysis, view.name, chart_dir),
                    f"{view.name}: latency percentiles", progress)
    blocks += latency_blocks(view)
    blocks += metrics_blocks(view)
    for d in analysis.decisions:
        if d.scenario == view.name:
            blocks += [Heading(4, format_params(d.point)), point_table(d)]
    order = list(dict.fromkeys([*view.point_names, *(n for c in view.contenders for n, _ in c.variant)]))
    blocks += outcome_blocks(view.name, analysis.runinfos, order, analysis.registry)
    return [Fold(f"`{view.name}` ({view.kind})", tuple(blocks), level=3,
                 anchor=f"scenario-{slug(view.name)}")]


def unmeasured_blocks(analysis: Analysis) -> list[Block]:
    """A section for each scenario that the run info names but no benchmark of which was timed."""
    runinfos = analysis.runinfos
    measured = {v.name for v in analysis.views}
    blocks: list[Block] = []
    for name in runinfo_scenarios(runinfos, analysis.registry):
        if name not in measured:
            info = analysis.registry.scenario(name)
            kind = f" ({info.kind})" if info is not None and info.kind else ""
            blocks.append(Fold(f"`{name}`{kind}", (
                Para("No benchmark of this scenario was timed."),
                *outcome_blocks(name, runinfos, info.params if info else (), analysis.registry)),
                level=3, anchor=f"scenario-{slug(name)}"))
    return blocks


def build_report(analysis: Analysis, chart_dir: Path, baseline: str | None = None,
                 progress: Progress = QUIET) -> list[Block]:
    """The report's blocks; draws its charts into ``chart_dir`` on the way."""
    frame, views, found, models = analysis.frame, analysis.views, analysis.decisions, analysis.models
    base = analysis.baseline(baseline)
    files = ", ".join(f"`{f}`" for f in analysis.files)
    intro = (f"Results: {files}. {frame['benchmark'].nunique()} benchmark(s) of {len(views)} scenario(s) "
             f"and {len(models)} model(s), {len(frame)} values, each in `results.csv`.")
    blocks: list[Block] = [Heading(1, TITLE), Para(intro), Para(environment_line(frame))]
    blocks += [Heading(2, "Answers", "answers"), *answer_blocks(analysis, base)]
    blocks += [Heading(2, "Decision table", "decision-table"),
               *decision_blocks(found, models, views, generator_bound(analysis))]
    if several(analysis):
        blocks += [Heading(2, "Interpreters: the CPU headline", "interpreters", "Interpreters"),
                   *headline_blocks(analysis, base),
                   Heading(2, "What changed between versions", "versions", "Versions"),
                   *version_blocks(analysis)]
    blocks += [Heading(2, "Environment", "environment"), *environment_blocks(frame)]
    blocks += [Heading(2, "Noise warnings", "noise", "Noise"), *noise_blocks(found)]
    drift_chart = _draw(plot_drift(analysis, chart_dir), "Drift: CPU probes and per-round medians", progress)
    blocks += [Heading(2, "Drift during the run", "drift", "Drift"),
               *drift_blocks(analysis, base, drift_chart)]
    blocks += [Heading(2, f"Speedup against {base}", "speedup", "Speedup"),
               *speedup_blocks(analysis, base, chart_dir, progress)]
    blocks.append(Heading(2, "Scenarios", "scenarios"))
    crossings = crossovers(views, found, base, analysis.judge)
    if crossings:
        blocks.append(Para(RULE.format(baseline=f"`{base}`")))
    if any(s.metrics for view in views for s in view.cells.values()):
        blocks.append(Para(METRICS))
    for view in views:
        blocks += scenario_blocks(analysis, view, chart_dir, crossings, base, progress)
    blocks += unmeasured_blocks(analysis)
    blocks += [Heading(2, "Runs", "runs"), *run_blocks(analysis.runinfos)]
    return blocks


def default_report_dir(results: Path) -> Path:
    """``results/<stem>.report/`` next to the (first) results file."""
    return results.with_name(f"{results_stem(results)}.report")


def write_report(*paths: str | Path, out_dir: str | Path | None = None,
                 baseline: str | None = None, progress: Progress = QUIET) -> Path:
    """Write report.md, report.html, results.csv and charts/ into ``out_dir``; return report.md.

    Nothing in ``out_dir`` changes unless the whole report was produced.  ``progress`` hears
    of each phase (:mod:`analysis._progress`: on a terminal, once the report takes a while).
    """
    from ._doc import to_html, to_markdown
    from ._load import file_labels, load_results, read_runinfo
    from ._output import Staging, write_csv

    files = [Path(p) for p in paths]
    progress.phase(f"reading {len(files)} results file(s)")
    frame = load_results(*files)
    runinfos = [read_runinfo(p, label) for p, label in zip(files, file_labels(files), strict=True)]
    progress.phase(f"comparing {frame['benchmark'].nunique()} benchmark(s)")
    analysis = analyse(frame, runinfos)
    analysis.baseline(baseline)  # a bad --baseline fails before anything is written
    out = Path(out_dir) if out_dir is not None else default_report_dir(files[0])
    with Staging(out) as staging:
        progress.phase(f"drawing the charts of {len(analysis.views)} scenario(s)")
        blocks = build_report(analysis, staging.dir / CHARTS, baseline, progress)
        progress.phase("writing report.md, report.html and results.csv")
        (staging.dir / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
        (staging.dir / "report.html").write_text(to_html(blocks, TITLE), encoding="utf-8")
        write_csv(frame, staging.dir / "results.csv")
        staging.publish(last="report.md")
    return out / "report.md"
