"""Measuring in rounds, so that a drift of the machine touches every model of a comparison alike.

pyperf finishes every process of one benchmark before it starts the next; on
a shared VM whose CPUs change speed by up to 1.8x within seconds, a drift
then lands on one model of a comparison and names the wrong winner.  Here
every benchmark gets a few fresh pyperf worker processes per *round*, in an
order that changes from round to round (:mod:`benchmarks.harness.schedule`),
and every comparison is estimated from ratios taken inside one round
(:mod:`benchmarks.stats.paired`): both sides of a ratio saw the same machine.

Each benchmark's loops are chosen once, before the first round, by a pilot in
the session of its verification run (``benchmarks.harness.worker.pilot_loops``,
pyperf's rule: a power of two that makes a value last ``--min-time``), and held
fixed in every round, so values of different rounds measure the same thing.
(pyperf's own calibration, a worker process per benchmark, doubled the cost of
the first round.)  After ``min_rounds`` the planner keeps only the benchmarks that take
part in a comparison whose interval is still wider than the target, and stops
when none is left or when ``max_rounds`` is reached.  When the time budget
cannot pay for all of them, a round measures the comparisons whose interval is
widest for what they cost, as many as fit (a pair of rounds is paid for at its
start, so its second round, the first backwards, is not cut); it stops when
not even the cheapest fits, and says which comparisons stayed undecided and
why.  Inside a round the benchmarks of one comparison group run as a block
(:mod:`benchmarks.harness.schedule`), so both sides of a ratio are measured
seconds apart.

A *comparison* is made inside a group of benchmarks at the same point of the
scenario's own parameters: each member against the group's fastest and
against the baseline model's fastest member (``sequential`` where it takes
part), the comparisons the report's decision table and speedup heatmap show.
Which member is fastest, the baseline and the pairs are
:mod:`benchmarks.stats.ranking`'s, and each ratio is judged by
:mod:`benchmarks.stats.judge`, as in the report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pyperf

from benchmarks.core.params import Value
from benchmarks.harness.schedule import round_order
from benchmarks.stats import ranking
from benchmarks.stats.judge import Versus, judge
from benchmarks.stats.sample import RoundValues

#: run metadata: which round a pyperf run belongs to (0 is the first)
ROUND_KEY = "round"
#: a warm-up this close to its process's values changed nothing (``Track.settle_warmup``)
WARMUP_WITHIN = 0.05


@dataclass(frozen=True)
class RoundSettings:
    """How much a run measures: a profile's defaults, overridden on the command line."""

    #: fresh pyperf worker processes per benchmark and round
    processes: int
    min_rounds: int
    max_rounds: int
    #: seconds for the whole run, verification included; None: no limit
    budget_s: float | None
    #: a comparison is settled when its interval's relative half-width is at most this
    target: float
    seed: int
    #: after a benchmark's first round, drop its warm-up when its runs last this long (seconds) and
    #: the warm-up changed nothing (``Track.settle_warmup``); None: keep every warm-up
    warmup_free_s: float | None = None
    #: benchmarks of several loops warm up with one untimed run instead of pyperf's warm-up
    run_warmup: bool = False
    #: a comparison is settled only once its verdict is decided too (``Profile.decide``)
    decide: bool = False


@dataclass
class Track:
    """One benchmark across the rounds: its tagged runs, loops and cost."""

    name: str
    #: the comparison group: the scenario and the values of its own parameters
    group: tuple[str, tuple[tuple[str, Value], ...]]
    runs: list[pyperf.Run] = field(default_factory=list)
    #: fixed before the first round (the pilot, or pyperf's calibration in a first round run with
    #: loops unknown), so every round measures the same
    loops: int | None = None
    #: wall seconds of its last measurement, workers included: what one more round costs
    cost_s: float = 0.0
    failed: bool = False
    #: pyperf's warm-ups per worker from now on; None: the profile's (see ``settle_warmup``)
    warmups: int | None = None
    #: its model's name (what the baseline is chosen among); empty: the track's own name
    model: str = ""

    @property
    def model_name(self) -> str:
        return self.model or self.name

    def add(self, bench: pyperf.Benchmark, round_index: int, extra: dict[str, Value],
            seconds: float) -> None:
        """Keep the runs of one measurement, each tagged with its round and ``extra``."""
        for run in bench.get_runs():
            metadata = {**run.get_metadata(), ROUND_KEY: round_index, **extra}
            self.runs.append(pyperf.Run(run.values, warmups=run.warmups, metadata=metadata,
                                        collect_metadata=False))
            if run.values and self.loops is None:
                self.loops = run.get_loops()
        self.cost_s = seconds

    def settle_warmup(self, long_s: float, within: float = WARMUP_WITHIN) -> bool:
        """Drop the warm-up from the next round on when every measurement so far showed it needless:
        one loop, every value at least ``long_s`` seconds and every warm-up within ``within`` of
        the values of its process.  Decided once; the cost of the next round loses the warm-up."""
        timed = [run for run in self.runs if run.values]
        if self.warmups is not None or not timed or self.loops != 1:
            return False
        if any(not run.warmups for run in timed):  # resumed: the earlier run had dropped it
            self.warmups = 0
            return True
        for run in timed:
            mean = sum(run.values) / len(run.values)
            if min(run.values) < long_s or any(
                    abs(value / mean - 1) > within for _, value in run.warmups):
                return False
        self.warmups = 0
        last = timed[-1]
        self.cost_s = max(self.cost_s - sum(loops * value for loops, value in last.warmups), 0.0)
        return True

    def rounds(self) -> dict[int, list[list[float]]]:
        """Round -> the values of each of its worker processes (calibration runs have none)."""
        result: dict[int, list[list[float]]] = {}
        for run in self.runs:
            if run.values:
                result.setdefault(int(run.get_metadata()[ROUND_KEY]), []).append(list(run.values))
        return result

    def benchmark(self) -> pyperf.Benchmark:
        return pyperf.Benchmark(self.runs)

    def measured(self) -> RoundValues:
        """Its values round by round, as the statistics read them (one run: one file)."""
        return RoundValues(self.name, self.rounds())


@dataclass(frozen=True)
class Comparison:
    name: str
    reference: str
    #: relative half-width of the interval; inf with fewer than two common rounds
    half_width: float
    rounds: int
    #: its verdict is "undecided" (the interval crosses an edge of the band), or it has no interval
    undecided: bool = True


def say_seconds(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``14 min``: a time as a closing line says it (``0 s of 840 s`` read as
    nonsense when both were a fraction of a second)."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


def baseline_of(tracks: Sequence[Track], order: Sequence[str] = ()) -> str | None:
    """The baseline model of a run, as the report chooses it by default: sequential, else the first
    model in registry order (``order``: the registry's model names; unlisted ones after them, in
    track order) among the models the results will hold, those with a measured value (a pair that
    failed keeps its rounds), or every track's before the first value."""
    measured = [t for t in tracks if any(run.values for run in t.runs)] or list(tracks)
    rank = {name: i for i, name in enumerate(order)}
    models = sorted(dict.fromkeys(t.model_name for t in measured), key=lambda m: rank.get(m, len(rank)))
    return ranking.choose_baseline(models) if models else None


def judged_pairs(tracks: Sequence[Track], seed: int, baseline: str | None = None,
                 order: Sequence[str] = ()) -> Iterator[tuple[Track, Track, Versus[RoundValues]]]:
    """Every pair the report judges (member, reference), with its paired verdict now.

    ``baseline``: the baseline model (default: :func:`baseline_of` the tracks, in the registry
    ``order`` of models)."""
    base = baseline if baseline is not None else baseline_of(tracks, order)
    groups: dict[tuple[str, tuple[tuple[str, Value], ...]], list[Track]] = {}
    for track in tracks:
        if not track.failed and track.runs:
            groups.setdefault(track.group, []).append(track)
    for members in groups.values():
        measured = [t.measured() for t in members]
        for i, j in ranking.group_pairs(measured, [t.model_name for t in members], base):
            yield members[i], members[j], judge(measured[i], measured[j], same_run=True, seed=seed)


def comparisons(tracks: Sequence[Track], seed: int, baseline: str | None = None,
                order: Sequence[str] = ()) -> list[Comparison]:
    """Every comparison the report makes, with the width of its paired-ratio interval now."""
    found = []
    for member, reference, versus in judged_pairs(tracks, seed, baseline, order):
        ratio = versus.ratio
        found.append(Comparison(member.name, reference.name,
                                math.inf if ratio is None else ratio.half_width,
                                0 if ratio is None else ratio.rounds,
                                versus.verdict is None or versus.verdict.kind == "undecided"))
    return found


def _order(todo: Sequence[Track], round_index: int, seed: int) -> list[str]:
    """The names of ``todo`` in the order they run: each comparison group as one block."""
    return round_order([t.name for t in todo], round_index, seed, [t.group for t in todo])


class Planner:
    """Decides, round after round, which benchmarks to measure next and in what order."""

    def __init__(self, tracks: Sequence[Track], settings: RoundSettings, started: float,
                 clock: Callable[[], float] = time.monotonic, model_order: Sequence[str] = ()) -> None:
        self.tracks = list(tracks)
        #: the registry's model names, in its order: the baseline is chosen in it, as the report does
        self.model_order = list(model_order)
        self.settings = settings
        self._started = started
        self._clock = clock
        self.completed = 0  # rounds done
        self.stop_reason = ""
        self._resumed: list[Track] = []
        #: said before a round that measures fewer benchmarks than it would without the budget
        self.round_note = ""
        self.notes: list[str] = []
        #: the last round's benchmarks, in the order they ran (its twin runs them backwards)
        self._last_order: list[str] = []
        self._open: tuple[tuple[int, int, int], list[Comparison]] | None = None

    def open_comparisons(self) -> list[Comparison]:
        """The comparisons whose interval is still wider than the target, or, with ``decide``, whose
        verdict is still undecided (computed once per state of the measurements: each is a
        bootstrap)."""
        state = (self.completed, sum(len(t.runs) for t in self.tracks), sum(t.failed for t in self.tracks))
        if self._open is None or self._open[0] != state:
            target, decide = self.settings.target, self.settings.decide
            self._open = (state, [c for c in comparisons(self.tracks, self.settings.seed,
                                                          order=self.model_order)
                                  if c.half_width > target or (decide and c.undecided)])
        return self._open[1]

    def next_round(self) -> list[Track] | None:
        """The benchmarks of the next round in their order, or None (see ``stop_reason``)."""
        live = [t for t in self.tracks if not t.failed]
        if not live:
            self.stop_reason = "every benchmark failed, nothing is left to measure"
            return None
        settings = self.settings
        if self._resumed:
            todo, self._resumed = self._resumed, []
            order = _order(todo, self.completed, settings.seed)
            by_name = {t.name: t for t in todo}
            return [by_name[name] for name in order]
        if self.completed >= settings.max_rounds:
            self.stop_reason = (f"all {settings.max_rounds} round(s) asked for are done"
                                if settings.min_rounds == settings.max_rounds else
                                f"{settings.max_rounds} round(s), the most this run allows, are done")
            return None
        minimum = max(2, settings.min_rounds)
        # rounds come in pairs, the second running the first's order backwards (see schedule)
        twin = self.completed % 2 == 1 and bool(self._last_order)
        if self.completed < minimum:
            todo = live  # the first rounds measure everything
        elif twin:
            last = set(self._last_order)
            todo = [t for t in live if t.name in last]  # a pair is completed
        else:
            wide = self.open_comparisons()
            if not wide:
                self.stop_reason = (f"every comparison's interval is within +-{settings.target:.0%} "
                                    + ("and its verdict decided " if settings.decide else "")
                                    + f"after {self.completed} round(s)")
                return None
            names = {c.name for c in wide} | {c.reference for c in wide}
            todo = [t for t in live if t.name in names]
        self.round_note = ""
        if self.completed >= minimum and settings.budget_s is not None:
            left = settings.budget_s - (self._clock() - self._started)
            # the first round of a pair keeps time for its twin
            allowance = left if twin else left / 2
            fitted = self._fit(todo, allowance)
            if not fitted:
                self.stop_reason = (f"the time budget of {say_seconds(settings.budget_s)} is spent: "
                                    f"{say_seconds(max(left, 0))} is left, and one more round needs "
                                    f"about {say_seconds(self._cheapest(todo))}")
                return None
            if len(fitted) < len(todo):
                self.round_note = (f"round {self.completed + 1}: {len(fitted)} of {len(todo)} benchmark(s) "
                                   f"fit in the time left ({max(left, 0):.0f} s), those of the comparisons "
                                   "whose interval is widest for what they cost")
                self.notes.append(self.round_note)
            todo = fitted
        by_name = {t.name: t for t in todo}
        order = [name for name in reversed(self._last_order) if name in by_name] if twin else []
        if len(order) != len(todo):  # not a twin, or one whose first round this run did not see
            order = _order(todo, self.completed, settings.seed)
        self._last_order = order
        return [by_name[name] for name in order]

    def _fit(self, todo: list[Track], allowance: float) -> list[Track]:
        """``todo``, or as much of it as ``allowance`` seconds pay for: the benchmarks of the open
        comparisons with the widest interval per second of measuring, greedily."""
        if sum(t.cost_s for t in todo) <= allowance:
            return todo
        by_name = {t.name: t for t in todo}
        worth = {c: c.half_width / max(pair_cost, 1e-9) for c, pair_cost in self._open_pairs(todo)}
        chosen: set[str] = set()
        spent = 0.0
        for c in sorted(worth, key=worth.__getitem__, reverse=True):
            extra = {c.name, c.reference} - chosen
            cost = sum(by_name[n].cost_s for n in extra)
            if spent + cost <= allowance:
                chosen |= extra
                spent += cost
        return [t for t in todo if t.name in chosen]

    def _cheapest(self, todo: list[Track]) -> float:
        """What the cheapest open comparison among ``todo`` costs (all of ``todo`` if none is open)."""
        costs = [pair_cost for _, pair_cost in self._open_pairs(todo)]
        return min(costs) if costs else sum(t.cost_s for t in todo)

    def _open_pairs(self, todo: list[Track]) -> list[tuple[Comparison, float]]:
        """The open comparisons between two benchmarks of ``todo``, each with what measuring both
        sides costs."""
        cost = {t.name: t.cost_s for t in todo}
        return [(c, cost[c.name] + cost[c.reference]) for c in self.open_comparisons()
                if c.name in cost and c.reference in cost]

    def resume(self, last_round: int, done: set[str]) -> None:
        """Continue an earlier run that reached ``last_round`` with the benchmarks ``done``: the
        next round is that one, for the benchmarks that missed it (if any did)."""
        missing = [t for t in self.tracks if t.name not in done and not t.failed]
        if last_round < 0:
            return  # nothing was measured: start from the first round
        if missing:
            self.completed = last_round
            self._resumed = missing
        else:
            self.completed = last_round + 1

    def finish_round(self) -> None:
        self.completed += 1
