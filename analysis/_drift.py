"""Drift in the open: how the machine moved during a run, and the comparisons whose rounds disagree.

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
plainly.  The interval of such a comparison is wide already; the table says
why, and the drift chart says when.

The section also says how each run went, from its ``.runinfo``: rounds
completed, processes per round, why it stopped, and the comparisons the
runner left wider than its target (``rounds.undecided``), with why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.stats.judge import Versus
from benchmarks.stats.text import format_factor

from ._analysis import Analysis
from ._decide import speedups
from ._doc import Block, Bullets, Para, Table
from ._format import Params, format_params
from ._load import RunInfo

#: Rounds disagree when the largest per-round ratio is more than this many times the smallest.
DISAGREE = 1.2

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
          "": "one shuffle over every benchmark"}


def run_rounds_blocks(runinfos: Sequence[RunInfo]) -> list[Block]:
    """How each run's rounds went, and what its runner left undecided, with why."""
    blocks: list[Block] = []
    for ri in runinfos:
        rounds = ri.data.get("rounds")
        name = f"`{ri.results}`: "
        if not isinstance(rounds, dict):
            why = f"its run info is {ri.problem}" if ri.problem else "measured before rounds"
            blocks.append(Para(f"{name}no rounds recorded ({why})."))
            continue
        got = {key: rounds.get(key, "?")
               for key in ("completed", "processes_per_round", "min", "max", "seed")}
        target = _percent(rounds.get("target_half_width"))
        blocks.append(Para(
            f"{name}{got['completed']} round(s) of {got['processes_per_round']} process(es) per benchmark "
            f"(at least {got['min']}, at most {got['max']}; budget {_seconds(rounds.get('budget_s'))}; "
            f"target {target}; seed {got['seed']}; {_ORDER.get(str(rounds.get('order')), _ORDER[''])}). "
            f"Stopped: {rounds.get('stop_reason') or '?'}. The "
            "runner's target is the width of an interval, not a verdict: an interval narrower than it "
            "can still straddle the edge of the noise band, and read undecided in the tables."))
        partial = [str(note) for note in rounds.get("budget_notes") or []]
        if partial:
            blocks += [Para("Rounds measured in part, the budget paying only for the comparisons whose "
                            "interval was widest for what they cost (a benchmark's rounds can therefore "
                            f"differ in number) ({len(partial)}):"), Bullets(tuple(partial))]
        warmups = ri.data.get("warmups")
        warmups = warmups if isinstance(warmups, dict) else {}
        dropped = [str(b) for b in warmups.get("dropped") or []]
        if warmups.get("one_run"):
            blocks.append(Para(f"Warmed up by one untimed run of a session instead of pyperf's warm-up "
                               f"of a whole value (benchmarks of several loops): {warmups['one_run']}."))
        if dropped:
            blocks += [Para(f"Measured without warm-up after their first round ({len(dropped)}): one-loop "
                            f"runs of {_seconds(warmups.get('free_after_first_round_s'))} or more whose "
                            "warm-up in that round was within 5% of their value:"),
                       Bullets(tuple(f"`{b}`" for b in dropped))]
        undecided = [u for u in rounds.get("undecided") or [] if isinstance(u, dict)]
        if undecided:
            items = tuple(
                f"`{u.get('benchmark')}` against `{u.get('against')}`: "
                + (f"{_percent(u['half_width'])} after {u.get('rounds', '?')} round(s), wider than {target}"
                   if isinstance(u.get("half_width"), int | float)
                   else "fewer than two rounds in common: no interval")
                for u in undecided)
            blocks += [Para(f"Left wider than the target when the run stopped ({len(items)}):"),
                       Bullets(items)]
        slow = [str(b) for b in ri.data.get("slow_cpu") or []]
        if slow:
            blocks += [Para(f"Measured at least once while a CPU ran much slower than the run's best "
                            f"(`slow_cpu`, {len(slow)}):"), Bullets(tuple(f"`{b}`" for b in slow))]
    return blocks


def drift_blocks(analysis: Analysis, baseline: str, chart: Sequence[Block]) -> list[Block]:
    """The section; ``chart``: the drift chart's image block, none if there was nothing to draw."""
    blocks: list[Block] = []
    if not chart:
        blocks.append(Para("No CPU probe and no rounds in these results: they were measured before the "
                           "runner recorded either, so drift cannot be shown."))
    else:
        blocks += [Para(CHART), *chart]
    blocks += disagreement_blocks(list(compared(analysis, baseline)))
    return blocks + run_rounds_blocks(analysis.runinfos)
