"""What changed between interpreters: every benchmark both measured, new against old, with its verdict.

Which pairs: each GIL build against the previous GIL version (3.11 -> 3.13),
and each free-threaded build against its GIL twin (3.13.5 -> 3.13.5t; see
:func:`analysis.data.interpreters.twin`), else against the newest older GIL build.  A
benchmark is matched by what it measured (scenario, model and every
parameter), as ``compare`` matches two runs.  The two sides were measured in
two runs, which share no rounds: every ratio is unpaired (each side's geometric
mean of per-round medians, bootstrapped over its own rounds), judged as every
other ratio of the report, and a drift of the machine between the two runs is
part of it.
"""

from __future__ import annotations

import itertools
import math

from benchmarks.stats.judge import BAND, Versus

from .._format import format_params, format_ratio, format_time
from ..data.bundle import Analysis
from ..data.interpreters import Interpreter, by_interpreter, distinct, interpreters, twin
from ..data.samples import Sample
from ..render.document import Block, Fold, Para, Table

#: A pair's table is shown open up to this many rows, collapsed beyond.
OPEN_ROWS = 16
KINDS = ("faster", "slower", "no difference", "undecided", "no interval")


def pairs(found: list[Interpreter]) -> list[tuple[Interpreter, Interpreter]]:
    """(old, new) pairs to compare, in the order of the newer one."""
    gil = [i for i in found if not i.free_threaded]
    out = list(itertools.pairwise(gil))
    for interp in (i for i in found if i.free_threaded):
        paired = twin(interp, found)
        older = [g for g in gil if g < interp]
        if paired is not None:
            out.append((paired[0], interp))
        elif older:
            out.append((older[-1], interp))
    return sorted(out, key=lambda p: (p[1], p[0]))


def _matched(analysis: Analysis, old: list[str], new: list[str]) -> list[tuple[Sample, Sample]]:
    key = {s.benchmark: (s.scenario, s.model, s.params) for s in analysis.samples}
    mine = {key[s.benchmark]: s for s in analysis.samples if s.file in old}
    theirs = {key[s.benchmark]: s for s in analysis.samples if s.file in new}
    order = {s.benchmark: i for i, s in enumerate(analysis.samples)}
    common = sorted(mine.keys() & theirs.keys(), key=lambda k: order[mine[k].benchmark])
    return [(mine[k], theirs[k]) for k in common]


def _summary(found: list[Versus]) -> str:
    counts = {kind: sum(1 for v in found if v.kind == kind) for kind in KINDS}
    counted = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    geo = math.exp(sum(math.log(v.estimate) for v in found) / len(found))
    return f"{len(found)} benchmark(s) in both: {counted}; geometric mean of new/old {format_ratio(geo)}"


def version_blocks(analysis: Analysis) -> list[Block]:
    found = interpreters(analysis.frame)
    groups = by_interpreter(analysis.files, found)
    blocks: list[Block] = [Para(
        "Each benchmark measured on both interpreters of a pair, new against old: the time ratio new/old "
        "(below 1.00x: faster on the new one) with its 95% interval, **unpaired** (two runs share no "
        "rounds, so a drift of the machine between them is part of the ratio), and its verdict: faster "
        f"or slower only when the whole interval lies beyond the +-{BAND:.0%} noise band.")]
    for old, new in pairs(distinct(found)):
        matched = _matched(analysis, groups[old], groups[new])
        title = f"{old.label} -> {new.label}"
        if not matched:
            blocks.append(Para(f"**{title}**: no benchmark in both."))
            continue
        judged = [analysis.judge(b, a) for a, b in matched]
        views = {v.name: v for v in analysis.views}
        shown = [views[a.scenario].shown(a.params) for a, _ in matched]
        varies = any(shown)  # a column of parameters only where some tell benchmarks apart
        rows = tuple((f"`{a.scenario}`", a.model, *((format_params(point),) if varies else ()),
                      format_time(a.median), format_time(b.median), format_ratio(v.estimate), v.bare_text)
                     for (a, b), v, point in zip(matched, judged, shown, strict=True))
        table = Table(("scenario", "model", *(("parameters",) if varies else ()), old.tag, new.tag, "new/old",
                       "verdict"), rows, "ll" + ("l" if varies else "") + "rrrl")
        blocks += [Para(f"**{title}**: {_summary(judged)}."),
                   Fold(f"Every benchmark of {old.tag} -> {new.tag}", (table,), open=len(rows) <= OPEN_ROWS)]
    return blocks
