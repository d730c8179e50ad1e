"""The report: answers first, then the decision table, then the details.

Order: one line per scenario and point answering it (:mod:`analysis.sections.answers`);
the decision table; with several interpreters, the headline CPU table and what
changed between versions; the environment in one line (its full table
collapsed); noise; drift; speedups; one collapsible section per scenario; runs.
Everything is derived from the results files and their ``.runinfo`` side
files, once (:func:`~analysis.data.bundle.analyse`), in a fixed order (each run's
registry order, then sorted), with fixed-precision numbers and no timestamps:
the same input gives byte-identical Markdown and HTML.  Sections are generic: a
new scenario or model appears with no code here.

This module is the assembly: it draws the charts (:mod:`analysis.charts`) and
hands their image blocks to the sections (:mod:`analysis.sections`), which never
draw or import one another; a scenario's fold interleaves both.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchmarks.core.formats import results_stem

from ._format import format_params, slug
from .charts.drift import plot_drift
from .charts.heatmap import plot_speedup_heatmap
from .charts.interpreters import plot_interpreters
from .charts.latency import plot_latency_percentiles
from .charts.models import plot_models
from .charts.scaling import plot_scaling
from .charts.serving import plot_latency_load, plot_throughput
from .data.bundle import Analysis, analyse
from .data.served import generator_bound
from .data.views import ScenarioView, scaling_params
from .render.document import Block, Fold, Heading, Para, chart_image
from .render.progress import QUIET, Progress
from .sections.answers import answer_blocks
from .sections.crossover import RULE, Crossover, crossover_blocks, crossovers
from .sections.decision_table import decision_blocks, point_table
from .sections.drift import drift_blocks
from .sections.environment import environment_blocks, environment_line
from .sections.interpreters import by_interpreter_blocks, headline_blocks, several
from .sections.noise import noise_blocks
from .sections.rerun import shift_blocks
from .sections.runs import outcome_blocks, run_blocks, runinfo_scenarios
from .sections.scenario import METRICS, intro_blocks, latency_blocks, metrics_blocks
from .sections.serving import serving_blocks
from .sections.speedups import speedup_blocks
from .sections.versions import version_blocks

CHARTS = "charts"
TITLE = "concbench report"


def _draw(png: Path | None, alt: str, progress: Progress = QUIET) -> list[Block]:
    """An image block for a chart's PNG (none if the chart does not apply)."""
    progress.step()
    return [] if png is None else [chart_image(png, alt, CHARTS)]


def scenario_blocks(analysis: Analysis, view: ScenarioView, chart_dir: Path,
                    crossings: Sequence[Crossover] = (), baseline: str | None = None,
                    progress: Progress = QUIET) -> list[Block]:
    """The scenario's section: collapsed on the page, all of it in Markdown."""
    base = analysis.baseline(baseline)
    blocks = intro_blocks(analysis, view)
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
    speedup_chart = _draw(plot_speedup_heatmap(analysis, chart_dir, base),
                          f"Speedup of every model against {base}", progress)
    blocks += [Heading(2, f"Speedup against {base}", "speedup", "Speedup"),
               *speedup_blocks(analysis, base, speedup_chart)]
    blocks.append(Heading(2, "Scenarios", "scenarios"))
    crossings = crossovers(views, found, base, analysis.judge)
    if crossings:
        blocks.append(Para(RULE.format(baseline=f"`{base}`")))
    if any(s.metrics for view in views for s in view.cells.values()):
        blocks.append(Para(METRICS))
    for view in views:
        blocks += scenario_blocks(analysis, view, chart_dir, crossings, base, progress)
    blocks += unmeasured_blocks(analysis)
    blocks += [Heading(2, "Runs", "runs"), *run_blocks(analysis.runinfos), *shift_blocks(analysis.runinfos)]
    return blocks


def default_report_dir(results: Path) -> Path:
    """``results/<stem>.report/`` next to the (first) results file."""
    return results.with_name(f"{results_stem(results)}.report")


def write_report(*paths: str | Path, out_dir: str | Path | None = None,
                 baseline: str | None = None, progress: Progress = QUIET) -> Path:
    """Write report.md, report.html, results.csv and charts/ into ``out_dir``; return report.md.

    Nothing in ``out_dir`` changes unless the whole report was produced.  ``progress`` hears
    of each phase (:mod:`analysis.render.progress`: on a terminal, once the report takes a while).
    """
    from .data.load import file_labels, load_results, read_runinfo
    from .render.document import to_html, to_markdown
    from .render.output import Staging, write_csv

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
