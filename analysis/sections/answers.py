"""The answers: the report's first table, one line per scenario and parameter point.

Each line says what a reader came for: the fastest model (at its best
variant) with every model that cannot be told apart from it, its tie group
(``processes ≈ anyio-to_process``: :func:`benchmarks.stats.ranking.tie_group`),
in bold only when it wins alone, every other model slower beyond the noise band;
the fastest's speedup over the baseline with its interval and verdict, the
runner-up (the best of every *other* model) against it, and, where the
results say why, a few words (:mod:`analysis.data.reasons`).  Everything is the
decision table's: the same paired ratios, the same verdicts, only fewer of
them.

A scenario whose baseline does almost nothing (:mod:`analysis.data.overhead`)
is answered in cost per unit: the cheapest model other than the baseline,
its time per unit, and the runner-up against it.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.stats import ranking
from benchmarks.stats.judge import NO_INTERVAL, Versus

from .._format import format_ratio, format_time
from ..data.bundle import Analysis
from ..data.coverage import coverage_sentence
from ..data.decisions import Decision, Entry
from ..data.overhead import FACTOR, cheapest, overhead_scenarios, per_unit
from ..data.reasons import Evidence, reasons
from ..data.views import ScenarioView, point_label
from ..render.document import Block, Para, Table

INTRO = ("One line per scenario and parameter point: the fastest model at its best variant, with the "
         "models that cannot be told apart from it (`a ≈ b`: each one's interval against the fastest "
         "crosses the noise band or lies inside it), its speedup over `{baseline}` with its 95% interval, "
         "the best other model against it, and why, where the results say. A model is in **bold** only "
         "when it wins alone: its interval against every other model lies wholly beyond the band. Every "
         "model and variant is in the decision table.")
#: between the models of a tie group
TIE = " ≈ "
BEFORE_ROUNDS = (" None of these ratios has an interval: the results were measured before rounds, so each "
                 "is a ratio of medians, not a verdict.")
PER_UNIT = "{baseline} does almost nothing: cost per unit"


@dataclass(frozen=True)
class Answer:
    decision: Decision
    winner: Entry
    base: Entry | None  # the baseline at its best variant, None where it did not run
    against: Versus | None  # the winner against the baseline (None: it is the baseline, or none ran)
    runner_up: Entry | None  # the best entry of another model than the winner's
    runner_versus: Versus | None  # the runner-up against the winner
    per_unit: bool  # the baseline does almost nothing here: costs per unit
    reasons: tuple[str, ...]
    #: the winner and every model that cannot be told apart from it (the winner first)
    group: tuple[Entry, ...] = ()
    #: every other model is slower than the winner beyond the band: it wins alone
    sole: bool = False

    @property
    def group_text(self) -> str:
        """``processes ≈ anyio-to_process``; the winner alone in bold when it wins alone."""
        names = TIE.join(e.contender.label for e in self.group or (self.winner,))
        return f"**{names}**" if self.sole else names

    def comparisons(self) -> list[Versus]:
        return [v for v in (self.against, self.runner_versus) if v is not None]


def answers(analysis: Analysis, baseline: str) -> list[Answer]:
    overhead = set(overhead_scenarios(analysis, baseline))
    evidence = Evidence.of(analysis, baseline)
    found = []
    for d in analysis.decisions:
        base = d.best_by_model().get(baseline)
        if d.scenario in overhead:
            ranked = cheapest(d, baseline)
            winner, runner_up = ranked[0], ranked[1] if len(ranked) > 1 else None
            versus = None if runner_up is None else analysis.judge(runner_up.sample, winner.sample)
            kinds = ["fastest"] + [analysis.judge(e.sample, winner.sample).kind for e in ranked[1:]]
            group, sole = tuple(ranked[i] for i in ranking.tie_group(kinds)), ranking.sole_winner(kinds)
        else:
            winner = d.fastest
            runner_up = next((e for e in d.entries if e.contender.model != winner.contender.model), None)
            versus = None if runner_up is None else runner_up.versus_fastest
            group, sole = d.top_group(), d.sole_winner
        # Against the baseline measured with the winner (its interpreter, its rounds) where there is one:
        # a paired ratio, rather than an unpaired one against the fastest baseline of another file.
        base = d.best_by_model([winner.sample.file]).get(baseline) or base
        against = None
        if base is not None and winner.contender.model != baseline:
            against = analysis.judge(winner.sample, base.sample)
        why = reasons(analysis, d, winner, runner_up, base, evidence, capped=d.scenario not in overhead)
        if d.scenario in overhead:
            why.insert(0, PER_UNIT.format(baseline=baseline))
        found.append(Answer(d, winner, base, against, runner_up, versus, d.scenario in overhead, tuple(why),
                            group, sole))
    return found


def ratio_text(versus: Versus, mark: bool = True) -> str:
    """The verdict; without an interval, the ratio said as a slow-down or a speed-up (``mark``: and so)."""
    if versus.verdict is not None:
        return versus.text
    ratio = versus.estimate
    shown = format_ratio(ratio if ratio >= 1 else 1 / ratio)
    word = "" if shown == "1.00x" else " slower" if ratio >= 1 else " faster"
    return f"{shown}{word}" + (f" ({NO_INTERVAL})" if mark else "")


def _cost(entry: Entry) -> str:
    cost = per_unit(entry.sample)
    return "?/unit" if cost is None else f"{format_time(cost)}/unit"


def _row(a: Answer, view: ScenarioView, baseline: str, mark: bool) -> tuple[str, ...]:
    if a.base is None:
        against = f"- ({baseline} not run)"
    elif a.per_unit:
        cost = per_unit(a.base.sample)
        against = f"{_cost(a.winner)}; {baseline} {'?' if cost is None else format_time(cost)}"
    else:
        against = "is the baseline" if a.against is None else ratio_text(a.against, mark)
    runner = "-"
    if a.runner_up is not None and a.runner_versus is not None:
        runner = f"{a.runner_up.contender.label}: {ratio_text(a.runner_versus, mark)}"
    return (point_label(view, a.decision.point, code=False), a.group_text, against,
            runner, "; ".join(a.reasons))


def answer_blocks(analysis: Analysis, baseline: str) -> list[Block]:
    found = answers(analysis, baseline)
    # Before rounds no ratio has an interval: say so once rather than on every line.
    mark = any(v.verdict is not None for a in found for v in a.comparisons())
    views = {v.name: v for v in analysis.views}
    table = Table(("scenario", "fastest", f"against {baseline}", "runner-up", "why"),
                  tuple(_row(a, views[a.decision.scenario], baseline, mark) for a in found), "lllll",
                  name="answers-table")
    text = INTRO.format(baseline=baseline) + ("" if mark else BEFORE_ROUNDS)
    if any(a.per_unit for a in found):
        text += (f" Where `{baseline}` is at least {FACTOR:g}x faster than every other model, its units do "
                 "almost nothing: the answer is the cheapest other model, per unit of work.")
    text += " " + coverage_sentence(analysis.runinfos, sorted(analysis.judge.shifts))
    return [table, Para(text)]
