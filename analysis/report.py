"""The report: answers first, then the decision table, then the details; the diagnostics beside it.

Three documents.  ``report.md`` (and its page): one line per scenario and point
answering it (:mod:`analysis.sections.answers`); the decision table; with several
interpreters, the headline CPU table and what changed between versions; the
environment in one line (its full table collapsed); how far to trust it, in one
paragraph of counts; speedups; one collapsible section per scenario; runs.
``diagnostics.md`` (and its page): noise warnings, drift, how each run went, and
the other numbers each scenario records.  ``summary.md``: the answers, the
environment in one line and the command, sized for a pull-request comment.
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

import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.core.formats import results_stem
from benchmarks.core.stopping import pause_at

from ._format import Params, format_params, slug
from .charts.drift import file_drifts, plot_drift
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
from .sections.diagnostics import DIAGNOSTICS, back_blocks, counts
from .sections.diagnostics import TITLE as DIAGNOSTICS_TITLE
from .sections.diagnostics import summary_blocks as trust_blocks
from .sections.drift import drift_blocks
from .sections.environment import environment_blocks, environment_line, environment_short
from .sections.interpreters import by_interpreter_blocks, headline_blocks, several
from .sections.noise import noise_blocks
from .sections.rerun import shift_blocks
from .sections.runs import outcome_blocks, run_blocks, runinfo_scenarios
from .sections.scenario import METRICS, fixed_blocks, intro_blocks, latency_blocks, metrics_blocks
from .sections.serving import serving_blocks
from .sections.speedups import speedup_blocks
from .sections.summary import TITLE as SUMMARY_TITLE
from .sections.summary import reproduce_blocks
from .sections.versions import version_blocks

CHARTS = "charts"
SUMMARY = "summary.md"
#: the anchor of the diagnostics' section on the pairs not run (and, with a scenario's slug, of its part)
UNSUPPORTED = "not-run"
FULL = "variants"
SPREAD = ("Every contender of every point as in the report's scenario sections, with its spread: the "
          "**IQR** of its values, how many **values** and **rounds** it has, and its ratio to the fastest "
          "(**x fastest**, the estimate the verdict's interval surrounds); then each scenario's latency "
          "percentiles, where it records them.")
DIAGNOSTICS_STEM = DIAGNOSTICS.removesuffix(".md")
TITLE = "concbench report"


def _draw(png: Path | None, alt: str, progress: Progress = QUIET) -> list[Block]:
    """An image block for a chart's PNG (none if the chart does not apply)."""
    progress.step()
    return [] if png is None else [chart_image(png, alt, CHARTS)]


def _order(view: ScenarioView) -> list[str]:
    """Parameter names in the order to show them: the scenario's, then its models' variants'."""
    return list(dict.fromkeys([*view.point_names, *(n for c in view.contenders for n, _ in c.variant)]))


def _point_heading(view: ScenarioView, point: Params) -> Heading:
    """A point by what tells it from the scenario's others (the rest is said once, above)."""
    shown = view.shown(point)
    return Heading(4, format_params(shown) if shown else "Every model and variant")


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
    for d in analysis.decisions:
        if d.scenario == view.name:
            blocks += [_point_heading(view, d.point), point_table(d, full=False)]
    blocks += outcome_blocks(view.name, analysis.runinfos, _order(view), analysis.registry, view.point_names,
                             why=f"{DIAGNOSTICS}#{UNSUPPORTED}-{slug(view.name)}")
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


def probe_drift(analysis: Analysis) -> float | None:
    """The largest spread of one CPU's probe over a run (slowest / fastest - 1); None without a probe."""
    spreads = [max(us for _, us in points) / min(us for _, us in points) - 1
               for drift in file_drifts(analysis) for points in drift.probes.values()
               if points and min(us for _, us in points) > 0]
    return max(spreads) if spreads else None


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
    blocks += [Heading(2, "How far to trust it", "trust", "Trust"),
               *trust_blocks(counts(analysis, base, probe_drift(analysis)))]
    speedup_chart = _draw(plot_speedup_heatmap(analysis, chart_dir, base),
                          f"Speedup of every model against {base}", progress)
    blocks += [Heading(2, f"Speedup against {base}", "speedup", "Speedup"),
               *speedup_blocks(analysis, base, speedup_chart)]
    blocks.append(Heading(2, "Scenarios", "scenarios"))
    crossings = crossovers(views, found, base, analysis.judge)
    if crossings:
        blocks.append(Para(RULE.format(baseline=f"`{base}`")))
    for view in views:
        blocks += scenario_blocks(analysis, view, chart_dir, crossings, base, progress)
    blocks += unmeasured_blocks(analysis)
    blocks += [Heading(2, "Runs", "runs"), *run_blocks(analysis.runinfos), *shift_blocks(analysis.runinfos)]
    return blocks


def build_diagnostics(analysis: Analysis, chart_dir: Path, baseline: str | None = None,
                      progress: Progress = QUIET) -> list[Block]:
    """The diagnostics' blocks (noise, drift, how each run went, pairs not run, every variant in full,
    other measurements); draws the drift chart."""
    base = analysis.baseline(baseline)
    blocks: list[Block] = [Heading(1, DIAGNOSTICS_TITLE), *back_blocks()]
    blocks += [Heading(2, "Noise warnings", "noise", "Noise"),
               *noise_blocks(analysis.decisions, folded=False)]
    drift_chart = _draw(plot_drift(analysis, chart_dir),
                        "Drift: CPU probes and the comparisons whose rounds disagree most", progress)
    blocks += [Heading(2, "Drift during the run", "drift", "Drift"),
               *drift_blocks(analysis, base, drift_chart)]
    blocks += [Heading(2, "Pairs not run", UNSUPPORTED, "Not run")]
    for view in analysis.views:
        blocks += [Heading(3, f"`{view.name}`", f"{UNSUPPORTED}-{slug(view.name)}"),
                   *outcome_blocks(view.name, analysis.runinfos, _order(view), analysis.registry,
                                   view.point_names)]
    blocks += [Heading(2, "Every variant in full", FULL, "Variants"), Para(SPREAD)]
    for view in analysis.views:
        blocks += [Heading(3, f"`{view.name}`", f"{FULL}-{slug(view.name)}"), *fixed_blocks(view)]
        for d in analysis.decisions:
            if d.scenario == view.name:
                blocks += [_point_heading(view, d.point), point_table(d)]
        blocks += latency_blocks(view)
    measured = [(view, metrics_blocks(view)) for view in analysis.views]
    if any(found for _, found in measured):
        blocks += [Heading(2, "Other measurements", "metrics", "Measurements"), Para(METRICS)]
        for view, found in measured:
            if found:
                blocks += [Heading(3, f"`{view.name}`", f"metrics-{slug(view.name)}"), *found[1:]]
    return blocks


def summary_document(analysis: Analysis, baseline: str | None = None) -> list[Block]:
    """summary.md: the answers, the environment in one line, and the command (no image, no local path)."""
    return [Heading(1, SUMMARY_TITLE), Para(f"**Environment**: {environment_short(analysis.frame)}."),
            *answer_blocks(analysis, analysis.baseline(baseline)), *reproduce_blocks(analysis.runinfos)]


def default_report_dir(results: Path) -> Path:
    """``results/<stem>.report/`` next to the (first) results file."""
    return results.with_name(f"{results_stem(results)}.report")


def write_report(*paths: str | Path, out_dir: str | Path | None = None,
                 baseline: str | None = None, progress: Progress = QUIET) -> Path:
    """Write report.md/.html, diagnostics.md/.html, summary.md, results.csv and charts/ into ``out_dir``;
    return report.md.

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
        pause_at("report", lambda text: print(text, file=sys.stderr, flush=True))
        diagnostics = build_diagnostics(analysis, staging.dir / CHARTS, baseline, progress)
        progress.phase("writing report.md, diagnostics.md, summary.md, their pages and results.csv")
        documents = (("report", blocks, TITLE), (DIAGNOSTICS_STEM, diagnostics, DIAGNOSTICS_TITLE))
        for name, found, title in documents:
            (staging.dir / f"{name}.md").write_text(to_markdown(found), encoding="utf-8")
            (staging.dir / f"{name}.html").write_text(to_html(found, title), encoding="utf-8")
        summary = to_markdown(summary_document(analysis, baseline))
        (staging.dir / SUMMARY).write_text(summary, encoding="utf-8")
        write_csv(frame, staging.dir / "results.csv")
        staging.publish(last="report.md")
    return out / "report.md"
