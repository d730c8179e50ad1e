"""A report of several interpreters: the headline CPU table, and each scenario's models x interpreters.

``make bench PYTHONS="3.11 3.13 3.13t"`` writes one results file per
interpreter; their report compares the models *within* each interpreter, where
every ratio is paired (both sides measured in the same rounds), and says what
the interpreters change in :mod:`analysis.sections.versions`.

The headline table answers the question the free-threaded build raises: for
each CPU scenario, on each interpreter, how much do threads, subinterpreters
and processes gain over sequential code on that same interpreter?  Threads go
in one column on a build whose GIL is enabled and in another where it is
disabled, so the two read side by side.  Beneath it, the free-threaded build's
price: sequential code on it against sequential code on its GIL twin
(:func:`analysis.data.interpreters.twin`), unpaired (two runs).
"""

from __future__ import annotations

from collections.abc import Sequence

from .._format import format_params, format_time
from ..data.bundle import Analysis
from ..data.decisions import Decision, Speedup
from ..data.interpreters import Interpreter, by_interpreter, distinct, interpreters, twin
from ..data.views import point_label
from ..render.document import Block, Para, Table

#: The headline's models, as the question names them (a model the results lack is left out).
HEADLINE = ("threads", "subinterpreters", "processes")
THREADS = "threads"


def several(analysis: Analysis) -> bool:
    """Whether the report's files come from more than one interpreter."""
    return len(distinct(interpreters(analysis.frame))) > 1


def _unsupported(analysis: Analysis, scenario: str, model: str, files: Sequence[str]) -> bool:
    return any(rec.scenario == scenario and rec.model == model
               for ri in analysis.runinfos if ri.results in files for rec in ri.unsupported)


def speedup_cell(analysis: Analysis, d: Decision, model: str, files: Sequence[str], baseline: str) -> str:
    best = d.best_by_model(files)
    if model not in best:
        return "unsupported" if _unsupported(analysis, d.scenario, model, files) else "-"
    if baseline not in best:
        return f"- ({baseline} not run)"
    if model == baseline:
        return format_time(best[model].sample.median)
    versus = analysis.judge(best[model].sample, best[baseline].sample)
    return Speedup(1 / versus.estimate, versus).text


def headline_blocks(analysis: Analysis, baseline: str) -> list[Block]:
    found = interpreters(analysis.frame)
    groups = by_interpreter(analysis.files, found)
    cpu = [d for d in analysis.decisions if analysis.view(d.scenario).kind == "cpu"]
    present = {m for d in cpu for m in d.best_by_model()}
    if not cpu or baseline not in present:
        return [Para("No CPU scenario with a baseline in these results: no headline table.")]
    columns: list[tuple[str, str, bool | None]] = []  # (header, model, GIL enabled: None for any)
    for model in HEADLINE:
        if model not in present:
            continue
        if model == THREADS:
            columns += [(f"{THREADS} (GIL)", model, True), (f"{THREADS} (free-threaded)", model, False)]
        else:
            columns.append((model, model, None))
    rows = []
    for d in cpu:
        for interp, files in groups.items():
            if not any(e.sample.file in files for e in d.entries):
                continue
            cells = [speedup_cell(analysis, d, model, files, baseline)
                     if gil is None or gil == interp.gil_enabled else "n/a" for _, model, gil in columns]
            rows.append((point_label(analysis.view(d.scenario), d.point), interp.label,
                         speedup_cell(analysis, d, baseline, files, baseline), *cells))
    table = Table(("scenario", "interpreter", f"{baseline} (time)", *(h for h, _, _ in columns)),
                  tuple(rows), "llr" + "r" * len(columns))
    return [Para(f"Each CPU scenario on each interpreter: `{baseline}`'s median time, and each model at its "
                 f"best variant as a speedup against `{baseline}` **on the same interpreter** (paired: "
                 "measured in the same rounds). Threads share one GIL on a build whose GIL is enabled, and "
                 "run at once where it is disabled; **n/a**: the other kind of build; **unsupported**: the "
                 "run says the model cannot run there."), table, *cost_blocks(analysis, baseline, cpu, found)]


def cost_blocks(analysis: Analysis, baseline: str, cpu: Sequence[Decision],
                found: dict[str, Interpreter]) -> list[Block]:
    """The free-threaded build's single-thread cost: the baseline on it against the baseline on its twin."""
    groups = by_interpreter(analysis.files, found)
    rows = []
    notes = []
    for interp, files in groups.items():
        paired = twin(interp, groups)
        if paired is None:
            continue
        other, exact = paired
        if not exact:
            notes.append(f"{interp.tag}'s GIL twin {interp.tag[:-1]} is not in these results: "
                         f"{other.tag}, the newest GIL build of {'.'.join(map(str, interp.version[:2]))}, "
                         "stands in, and its difference includes the versions'.")
        for d in cpu:
            mine, theirs = d.best_by_model(files).get(baseline), d.best_by_model(groups[other]).get(baseline)
            if mine is None or theirs is None:
                continue
            versus = analysis.judge(mine.sample, theirs.sample)
            rows.append((point_label(analysis.view(d.scenario), d.point), f"{interp.tag} against {other.tag}",
                         format_time(mine.sample.median), format_time(theirs.sample.median), versus.text))
    if not rows:
        return []
    return [Para(f"**Single-thread cost of the free-threaded build**: `{baseline}` on it against "
                 f"`{baseline}` on its GIL twin (the same version built with the GIL). Two runs share no "
                 "rounds: unpaired."),
            Table(("scenario", "builds", "free-threaded", "GIL twin", "free-threaded / GIL twin"),
                  tuple(rows), "llrrl"),
            *(Para(note) for note in notes)]


def by_interpreter_blocks(analysis: Analysis, scenario: str, baseline: str) -> list[Block]:
    """The scenario's models x interpreters: each cell the median, and the speedup on that interpreter."""
    found = interpreters(analysis.frame)
    groups = by_interpreter(analysis.files, found)
    points = [d for d in analysis.decisions if d.scenario == scenario]
    order = [i for i in distinct(found) if any(e.sample.file in groups[i] for d in points for e in d.entries)]
    if len(order) < 2:
        return []
    models = [m for m in analysis.models if any(m in d.best_by_model() for d in points)]
    several_points = len(points) > 1
    rows = []
    for d in points:
        for model in models:
            cells = []
            for interp in order:
                best = d.best_by_model(groups[interp])
                if model not in best:
                    cells.append(speedup_cell(analysis, d, model, groups[interp], baseline))
                    continue
                median = format_time(best[model].sample.median)
                speed = speedup_cell(analysis, d, model, groups[interp], baseline)
                cells.append(median if model == baseline else f"{median}: {speed}")
            rows.append(((format_params(d.point),) if several_points else ()) + (model, *cells))
    headers = (("parameters",) if several_points else ()) + ("model", *(i.label for i in order))
    return [Para(f"**By interpreter**: each model's median at its best variant on each interpreter, and its "
                 f"speedup against `{baseline}` on the same interpreter (paired):"),
            Table(headers, tuple(rows), ("l" if several_points else "") + "l" + "r" * len(order))]
