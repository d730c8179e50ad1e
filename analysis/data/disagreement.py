"""The comparisons a report makes, once each, and those whose rounds disagree.

Rounds cancel a drift that touches both sides of a comparison alike; they
cannot cancel one that lands between a's turn and b's inside a round.  Such a
comparison shows it as rounds that tell different stories: its per-round
ratios (a's median / b's, each taken inside one round) spread far more than
the noise of a ratio measured on one machine at one moment.  The rule,
:data:`DISAGREE`: a comparison's rounds **disagree** when the largest of its
per-round ratios is more than 1.2 times the smallest.  1.2 is twice the
5-10% run-to-run spread of the shared VMs this suite is developed on, so a
ratio of two medians of a few values each crosses it by chance rarely, and a
vCPU slowed to 57% for part of a run (as seen on the reference VM) crosses it
plainly.

The drift section (:mod:`analysis.sections.drift`) lists them; the answers'
reasons (:mod:`analysis.data.reasons`) name them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from benchmarks.stats.judge import Versus

from .._format import Params
from .bundle import Analysis
from .decisions import speedups

#: Rounds disagree when the largest per-round ratio is more than this many times the smallest.
DISAGREE = 1.2


@dataclass(frozen=True)
class Compared:
    """One comparison the report makes, with the labels it shows."""

    scenario: str
    point: Params
    label: str
    against: str
    versus: Versus


def compared(analysis: Analysis, baseline: str) -> Iterator[Compared]:
    """Every comparison of the decision table and of the speedups, each pair once, in report order."""
    seen: set[frozenset[tuple[str, str]]] = set()
    rows = speedups(analysis.decisions, analysis.models, baseline, analysis.judge)
    for d, row in zip(analysis.decisions, rows, strict=True):
        best = d.best_by_model()
        pairs = [(e.contender.label, d.fastest.contender.label, e.versus_fastest) for e in d.entries[1:]]
        if baseline in best:
            pairs += [(best[m].contender.label, best[baseline].contender.label, cell.versus)
                      for m, cell in row.speedups.items() if cell is not None and m in best]
        for label, against, versus in pairs:
            if versus is None:
                continue
            key = frozenset({(versus.a.file, versus.a.benchmark), (versus.b.file, versus.b.benchmark)})
            if key not in seen:
                seen.add(key)
                yield Compared(d.scenario, d.point, label, against, versus)


def spread(ratios: Sequence[float]) -> float:
    """max / min of per-round ratios (1.0 for fewer than two)."""
    return max(ratios) / min(ratios) if len(ratios) >= 2 else 1.0


def disagreements(found: Sequence[Compared]) -> list[tuple[Compared, list[float]]]:
    """The comparisons whose rounds disagree (:data:`DISAGREE`), with their per-round ratios."""
    out = []
    for c in found:
        ratios = [r for _, r in sorted(c.versus.round_ratios().items())]
        if spread(ratios) > DISAGREE:
            out.append((c, ratios))
    return out
