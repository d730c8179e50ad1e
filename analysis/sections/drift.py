"""Drift in the open: how the machine moved during a run, and the comparisons whose rounds disagree.

Rounds cancel a drift that touches both sides of a comparison alike, not one
that lands between a's turn and b's inside a round: such a comparison's rounds
**disagree** (:mod:`analysis.data.disagreement` says when).  The interval of
such a comparison is wide already; the table says why, and the drift chart
says when.

The section also says how each run went, from its ``.runinfo``: rounds
completed, processes per round, why it stopped, and the comparisons the
runner left wider than its target (``rounds.undecided``), with why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.core.runrecord import ORDER_SHUFFLE, RunRecord, Warmups
from benchmarks.stats.text import format_factor

from .._format import format_params
from ..data.bundle import Analysis
from ..data.disagreement import DISAGREE, Compared, compared, disagreements, spread
from ..data.load import RunInfo, recorded
from ..data.machine import PROBE_FACTOR, STEAL_POINTS, MachineNoise, machine_noise
from ..render.document import Block, Bullets, Para, Table

RULE = (f"A comparison's **rounds disagree** when the largest of its per-round ratios (a's median / b's, "
        f"each taken inside one round) is more than {DISAGREE:g} times the smallest: twice the 5-10% "
        "run-to-run spread of a shared VM, so it rarely happens by chance; a drift between the two "
        "benchmarks' turns inside a round does it. Checked for every comparison of the decision table "
        "and of the speedups.")
CHART = ("Left: each CPU's probe (microseconds of a fixed pure-Python loop pinned to that CPU, taken "
         "just before each benchmark's workers started; higher is slower) against time. Right: each "
         "benchmark's per-round median divided by its own geometric mean over the rounds, against the "
         "round, in its model's colour; dashed: the median over benchmarks. A line that leaves the band "
         "of the others is a benchmark that drifted on its own.")


def disagreement_blocks(found: Sequence[Compared]) -> list[Block]:
    flagged = disagreements(found)
    checked = sum(1 for c in found if c.versus.method == "paired")
    if not checked:
        return [Para(RULE), Para("No paired comparison to check: these results were measured before rounds.")]
    if not flagged:
        return [Para(RULE), Para(f"Rounds disagree in none of the {checked} paired comparison(s).")]
    rows = tuple((f"`{c.scenario}`", format_params(c.point), c.label, c.against,
                  ", ".join(format_factor(r) for r in ratios), f"{format_factor(spread(ratios))}x",
                  c.versus.text) for c, ratios in flagged)
    return [Para(RULE), Para(f"Rounds disagree in {len(flagged)} of {checked} paired comparison(s):"),
            Table(("scenario", "parameters", "model", "against", "per-round ratios", "max/min", "verdict"),
                  rows, "lllllrl")]


def _seconds(value: Any) -> str:
    return "no limit" if not isinstance(value, int | float) else f"{value:g} s"


def _percent(value: Any) -> str:
    return f"+-{value * 100:.3g}%" if isinstance(value, int | float) else "?"


#: how a run ordered its rounds, by the run info's ``rounds.order``
_ORDER = {"blocks": "the models of each comparison one after another, blocks and models shuffled",
          ORDER_SHUFFLE: "one shuffle over every benchmark"}


def run_rounds_blocks(runinfos: Sequence[RunInfo]) -> list[Block]:
    """How each run's rounds went, and what its runner left undecided, with why."""
    blocks: list[Block] = []
    for ri in runinfos:
        record = ri.record or RunRecord()
        rounds = record.rounds
        name = f"`{ri.results}`: "
        if rounds is None:
            why = f"its run info is {ri.problem}" if ri.problem else "measured before rounds"
            blocks.append(Para(f"{name}no rounds recorded ({why})."))
            continue
        got = {key: recorded(rounds, key)
               for key in ("completed", "processes_per_round", "min", "max", "seed")}
        target = _percent(recorded(rounds, "target_half_width", None))
        blocks.append(Para(
            f"{name}{got['completed']} round(s) of {got['processes_per_round']} process(es) per benchmark "
            f"(at least {got['min']}, at most {got['max']}; budget {_seconds(rounds.budget_s)}; "
            f"target {target}; seed {got['seed']}; {_ORDER.get(str(rounds.order), _ORDER[ORDER_SHUFFLE])}). "
            f"Stopped: {rounds.stop_reason or '?'}. The "
            "runner's target is the width of an interval, not a verdict: an interval narrower than it "
            "can still straddle the edge of the noise band, and read undecided in the tables."))
        partial = [str(note) for note in rounds.budget_notes]
        if partial:
            blocks += [Para("Rounds measured in part, the budget paying only for the comparisons whose "
                            "interval was widest for what they cost (a benchmark's rounds can therefore "
                            f"differ in number) ({len(partial)}):"), Bullets(tuple(partial))]
        warmups = record.warmups or Warmups()
        dropped = [str(b) for b in warmups.dropped]
        if warmups.one_run:
            blocks.append(Para(f"Warmed up by one untimed run of a session instead of pyperf's warm-up "
                               f"of a whole value (benchmarks of several loops): {warmups.one_run}."))
        if dropped:
            blocks += [Para(f"Measured without warm-up after their first round ({len(dropped)}): one-loop "
                            f"runs of {_seconds(warmups.free_after_first_round_s)} or more whose "
                            "warm-up in that round was within 5% of their value:"),
                       Bullets(tuple(f"`{b}`" for b in dropped))]
        if rounds.undecided:
            # a key the file lacks reads as it always has: "None" for a name, "?" for a count
            items = tuple(
                f"`{recorded(u, 'benchmark', None)}` against `{recorded(u, 'against', None)}`: "
                + (f"{_percent(u.half_width)} after {recorded(u, 'rounds')} round(s), wider than {target}"
                   if isinstance(u.half_width, int | float)
                   else "fewer than two rounds in common: no interval")
                for u in rounds.undecided)
            blocks += [Para(f"Left wider than the target when the run stopped ({len(items)}):"),
                       Bullets(items)]
        slow = [str(b) for b in record.slow_cpu]
        if slow:
            blocks += [Para(f"Measured at least once while a CPU ran much slower than the run's best "
                            f"(`slow_cpu`, {len(slow)}):"), Bullets(tuple(f"`{b}`" for b in slow))]
    return blocks


#: measurements far outside their run's range listed by name, at most
LISTED = 10


def machine_blocks(found: Sequence[MachineNoise]) -> list[Block]:
    """Per results file, one line on its measurements' CPU steal and probe, and those far outside."""
    blocks: list[Block] = []
    for noise in found:
        if noise.steal is None and noise.probe is None:
            continue
        parts = [f"`{noise.file}`: {noise.count} measurement(s) (a benchmark's workers in one round)."]
        if noise.steal is not None:
            worst = noise.worst_steal
            where = ""
            if worst is not None and noise.steal[1]:
                where = f" (`{worst.benchmark}`, round {worst.round + 1})"
            parts.append(f"CPU steal while they ran: median {noise.steal[0]:.1%}, "
                         f"highest {noise.steal[1]:.1%}{where}.")
        else:
            parts.append("CPU steal: not recorded.")
        if noise.probe is not None:
            parts.append(f"CPU probe before them (the slowest CPU): median {noise.probe[0]:g} us, "
                         f"slowest {noise.probe[1]:g} us.")
        rule = (f"far outside the run's typical range (steal more than {STEAL_POINTS * 100:g} points above "
                f"its median, or a probe more than {PROBE_FACTOR:g}x its median; not measured again)")
        if not noise.outside:
            parts.append(f"None lay {rule}.")
            blocks.append(Para(" ".join(parts)))
            continue
        parts.append(f"{len(noise.outside)} lay {rule}:")
        items = [f"`{m.benchmark}`, round {m.round + 1}: {why}" for m, why in noise.outside[:LISTED]]
        if len(noise.outside) > LISTED:
            items.append(f"and {len(noise.outside) - LISTED} more")
        blocks += [Para(" ".join(parts)), Bullets(tuple(items))]
    return blocks


def drift_blocks(analysis: Analysis, baseline: str, chart: Sequence[Block]) -> list[Block]:
    """The section; ``chart``: the drift chart's image block, none if there was nothing to draw."""
    blocks: list[Block] = []
    if not chart:
        blocks.append(Para("No CPU probe and no rounds in these results: they were measured before the "
                           "runner recorded either, so drift cannot be shown."))
    else:
        blocks += [Para(CHART), *chart]
    blocks += machine_blocks(machine_noise(analysis.frame))
    blocks += disagreement_blocks(list(compared(analysis, baseline)))
    return blocks + run_rounds_blocks(analysis.runinfos)
