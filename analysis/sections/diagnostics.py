"""The diagnostics in one paragraph for the report, and the page they live on in full.

The report says what was found; how much to trust it is in ``diagnostics.md``
beside it: how the machine drifted, the comparisons whose rounds disagree,
the ones the runner left wider than its target, pyperf's noise warnings, and
the raw numbers each scenario records besides time.  The report keeps one
paragraph of counts (:func:`summary_blocks`) and a link, so that it stays
short enough to paste into a review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..data.bundle import Analysis
from ..data.disagreement import compared, disagreements
from ..data.load import RunInfo
from ..render.document import Block, Para

#: the diagnostics' file name beside report.md (the page links its .html twin)
DIAGNOSTICS = "diagnostics.md"
REPORT = "report.md"
TITLE = "concbench diagnostics"


@dataclass(frozen=True)
class Counts:
    """What the paragraph says; ``drift``: the largest probe spread of one CPU (slowest / fastest - 1)."""

    drift: float | None
    disagree: int
    paired: int
    wide: int
    targets: tuple[float, ...]
    noisy: int


def counts(analysis: Analysis, baseline: str, drift: float | None) -> Counts:
    found = list(compared(analysis, baseline))
    wide, targets = _undecided(analysis.runinfos)
    noisy = sum(1 for d in analysis.decisions for e in d.entries if e.noise)
    return Counts(drift, len(disagreements(found)), sum(1 for c in found if c.versus.method == "paired"),
                  wide, targets, noisy)


def _undecided(runinfos: Sequence[RunInfo]) -> tuple[int, tuple[float, ...]]:
    wide, targets = 0, set()
    for ri in runinfos:
        rounds = ri.record.rounds if ri.record is not None else None
        if rounds is not None:
            wide += len(rounds.undecided)
            if isinstance(rounds.target_half_width, int | float) and rounds.target_half_width > 0:
                targets.add(float(rounds.target_half_width))
    return wide, tuple(sorted(targets))


def summary_text(c: Counts) -> str:
    parts = []
    if c.drift is not None:
        parts.append(f"the machine drifted by up to {c.drift:.0%} (a CPU's slowest probe over its fastest)")
    if c.paired:
        parts.append(f"rounds disagree in {c.disagree} of {c.paired} paired comparisons")
    target = " or ".join(f"+-{t * 100:.3g}%" for t in c.targets)
    parts.append(f"{c.wide} comparison(s) stayed wider than {target or 'the target'} when the run stopped")
    parts.append(f"{c.noisy} benchmark(s) fail one of pyperf's stability checks")
    text = "; ".join(parts)
    return (f"{text[0].upper()}{text[1:]}. How the run went, the drift chart and every one of these: "
            f"see [the diagnostics]({DIAGNOSTICS}).")


def summary_blocks(c: Counts) -> list[Block]:
    return [Para(summary_text(c))]


def back_blocks() -> list[Block]:
    return [Para(f"How far to trust [the report]({REPORT}): what the machine did during the run, the "
                 "comparisons whose rounds disagree or stayed wide, pyperf's noise warnings, and the other "
                 "numbers each scenario records.")]
