"""The round planner: pairs of rounds, early stop on narrow intervals, the time budget.

Measurements here are made up (no pyperf process runs): the planner only sees runs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyperf
import pytest

from benchmarks.harness.rounds import ROUND_KEY, Planner, RoundSettings, Track, baseline_of, comparisons


def settings(**overrides: object) -> RoundSettings:
    base = {"processes": 1, "min_rounds": 4, "max_rounds": 12, "budget_s": None, "target": 0.02, "seed": 7}
    return RoundSettings(**{**base, **overrides})  # type: ignore[arg-type]


def measure(track: Track, round_index: int, seconds: float, noise: float, rng: random.Random) -> None:
    values = [seconds * (1 + rng.gauss(0, noise)) for _ in range(3)]
    bench = pyperf.Benchmark([pyperf.Run(values, metadata={"name": track.name, "loops": 1},
                                         collect_metadata=False)])
    track.add(bench, round_index, {}, seconds=1.0)


def drive(planner: Planner, truth: dict[str, float], noise: float, seed: int = 1) -> list[list[str]]:
    rng = random.Random(seed)
    rounds = []
    while (order := planner.next_round()) is not None:
        drift = rng.uniform(0.7, 1.3)  # the whole machine, shared by everyone in the round
        for track in order:
            measure(track, planner.completed, truth[track.name] * drift, noise, rng)
        rounds.append([t.name for t in order])
        planner.finish_round()
    return rounds


GROUP = ("s", (("n", 1),))


def tracks(*names: str) -> list[Track]:
    return [Track(name, GROUP) for name in names]


def test_every_round_measures_everyone_until_the_minimum_then_rounds_come_in_pairs() -> None:
    planner = Planner(tracks("a", "b", "c"), settings(min_rounds=4, max_rounds=7), started=0.0)
    rounds = drive(planner, {"a": 1.0, "b": 1.5, "c": 1.5}, noise=0.2)
    assert all(sorted(r) == ["a", "b", "c"] for r in rounds[:4])
    assert len(rounds) <= 7
    for first, second in zip(rounds[::2], rounds[1::2], strict=False):
        assert second == first[::-1]  # ABBA: the second of a pair runs backwards


def test_narrow_intervals_end_the_run_early() -> None:
    planner = Planner(tracks("a", "b"), settings(), started=0.0)
    rounds = drive(planner, {"a": 1.0, "b": 2.0}, noise=0.001)
    assert len(rounds) == 4
    assert planner.stop_reason.startswith("every comparison's interval is within +-2%")
    assert planner.open_comparisons() == []


def test_wide_intervals_keep_only_their_benchmarks_measuring() -> None:
    planner = Planner(tracks("quiet-1", "quiet-2", "loud"), settings(max_rounds=8), started=0.0)
    rng = random.Random(3)
    truth = {"quiet-1": 1.0, "quiet-2": 2.0, "loud": 1.5}
    while (order := planner.next_round()) is not None:
        for track in order:
            measure(track, planner.completed, truth[track.name], 0.3 if track.name == "loud" else 0.0005, rng)
        planner.finish_round()
        if planner.completed == 4:
            open_names = {c.name for c in planner.open_comparisons()} | {
                c.reference for c in planner.open_comparisons()}
            assert "loud" in open_names
    assert planner.stop_reason == "8 round(s), the most this run allows, are done"
    counts = {t.name: len(t.rounds()) for t in planner.tracks}
    # loud's open comparisons are against quiet-1 (the fastest, and first): quiet-2 is done
    assert counts == {"quiet-1": 8, "quiet-2": 4, "loud": 8}
    settled = [c for c in comparisons(planner.tracks, 7) if "loud" not in (c.name, c.reference)]
    assert settled
    assert all(c.half_width <= 0.02 for c in settled)


def test_the_budget_stops_the_next_round_that_would_not_fit() -> None:
    clock = iter(range(0, 10_000, 1)).__next__
    planner = Planner(tracks("a", "b"), settings(budget_s=5.5, max_rounds=12), started=0.0,
                      clock=lambda: float(clock()))
    rounds = drive(planner, {"a": 1.0, "b": 1.0}, noise=0.3)
    assert 4 <= len(rounds) < 12
    assert planner.stop_reason.startswith("the time budget of 5.5 s is spent: ")
    assert planner.stop_reason.endswith(" is left, and one more round needs about 2.0 s")


def test_a_budget_short_of_a_round_measures_the_widest_comparisons_in_pairs() -> None:
    """Two groups, one noisy; after the minimum only one comparison's pair of rounds fits: the
    noisy one is measured, its twin round runs its order backwards, then the budget stops."""
    now = [0.0]
    names = {"loud-a": "loud", "loud-b": "loud", "calm-a": "calm", "calm-b": "calm"}
    planner = Planner([Track(name, (group, ())) for name, group in names.items()],
                      settings(min_rounds=2, budget_s=100.0), started=0.0, clock=lambda: now[0])
    rng = random.Random(5)
    rounds = []
    while (order := planner.next_round()) is not None:
        for track in order:
            noise = 0.3 if track.name.startswith("loud") else 0.05
            measure(track, planner.completed, 1.0 if track.name.endswith("a") else 1.2, noise, rng)
        rounds.append([t.name for t in order])
        planner.finish_round()
        now[0] = {2: 95.0, 4: 99.0}.get(planner.completed, now[0])  # each track costs 1 s
    assert [sorted(r) for r in rounds[:2]] == [sorted(names)] * 2
    assert [sorted(r) for r in rounds[2:]] == [["loud-a", "loud-b"]] * 2
    assert rounds[3] == rounds[2][::-1]
    assert planner.notes == ["round 3: 2 of 4 benchmark(s) fit in the time left (5 s), those of the "
                             "comparisons whose interval is widest for what they cost"]
    assert planner.stop_reason == ("the time budget of 100 s is spent: 1.0 s is left, and one more round "
                                   "needs about 2.0 s")


def test_the_budget_never_cuts_the_profiles_minimum() -> None:
    """A budget spent by the first rounds still gets the minimum: fewer rounds give no interval worth
    a verdict (2 rounds: 1 degree of freedom)."""
    clock = iter(range(100, 10_000, 100)).__next__  # spent before the first check
    planner = Planner(tracks("a", "b"), settings(budget_s=5.5, min_rounds=3, max_rounds=12), started=0.0,
                      clock=lambda: float(clock()))
    rounds = drive(planner, {"a": 1.0, "b": 1.0}, noise=0.3)
    assert len(rounds) == 3
    assert planner.stop_reason.startswith("the time budget")


def test_a_failed_benchmark_leaves_the_rounds() -> None:
    a, b, c = tracks("a", "b", "c")
    planner = Planner([a, b, c], settings(min_rounds=2, max_rounds=4), started=0.0)
    rng = random.Random(0)
    while (order := planner.next_round()) is not None:
        for track in order:
            if track.name == "c" and planner.completed == 1:
                track.failed = True
                continue
            measure(track, planner.completed, 1.0, 0.3, rng)
        planner.finish_round()
    assert len(c.rounds()) == 1
    assert all(len(t.rounds()) == planner.completed for t in (a, b))
    assert all(run.get_metadata()[ROUND_KEY] in range(planner.completed) for run in a.runs)


class FakeClock:
    """perf_counter for the pilot: each run advances it by ``per_run`` seconds."""

    def __init__(self, per_run: float) -> None:
        self.now = 0.0
        self.per_run = per_run
        self.runs = 0

    def __call__(self) -> float:
        return self.now

    def run(self) -> None:
        self.runs += 1
        self.now += self.per_run


@pytest.mark.parametrize(("per_run", "loops"), [(0.001, 64), (0.0003, 256), (0.02, 4), (0.05, 1), (0.07, 1)])
def test_the_pilot_picks_pyperfs_power_of_two(monkeypatch: pytest.MonkeyPatch, per_run: float,
                                              loops: int) -> None:
    from benchmarks.harness import worker

    clock = FakeClock(per_run)
    monkeypatch.setattr(worker.time, "perf_counter", clock)
    assert worker.pilot_loops(clock.run, 0.05, first_s=per_run) == loops
    assert loops * per_run >= 0.05 > loops * per_run / 2 or loops == 1
    # a first run as long as a value needs no other run; else runs for a quarter of min_time
    assert clock.runs == (0 if per_run >= 0.05 else math.ceil(0.05 * worker.PILOT_FRACTION / per_run))


def timed(track: Track, round_index: int, value: float, warmup: float | None, loops: int = 1) -> None:
    warmups = [(loops, warmup)] if warmup is not None else None
    bench = pyperf.Benchmark([pyperf.Run([value], warmups=warmups,
                                         metadata={"name": track.name, "loops": loops},
                                         collect_metadata=False)])
    track.add(bench, round_index, {}, seconds=2.0)


@pytest.mark.parametrize(("value", "warmup", "loops", "dropped"), [
    (0.5, 0.51, 1, True),    # a long run, the warm-up changed nothing
    (0.5, 0.56, 1, False),   # the warm-up was 12% slower: it warms something up
    (0.5, 0.45, 1, False),   # ... or the machine moved under it: keep it
    (0.15, 0.15, 1, False),  # runs shorter than the threshold keep their warm-up
    (0.5, 0.5, 4, False),    # several loops: the value is not one run of a fresh session
])
def test_a_warm_up_is_dropped_only_when_the_first_round_showed_it_needless(
        value: float, warmup: float, loops: int, dropped: bool) -> None:
    (track,) = tracks("a")
    timed(track, 0, value, warmup, loops)
    assert track.settle_warmup(0.2) is dropped
    assert track.warmups == (0 if dropped else None)
    assert track.cost_s == pytest.approx(2.0 - warmup if dropped else 2.0)  # the next round's cost
    timed(track, 1, value, None if dropped else warmup, loops)
    assert track.settle_warmup(0.2) is False  # decided once, after the first round
    assert track.warmups == (0 if dropped else None)


def test_a_resumed_run_keeps_the_warm_up_its_earlier_rounds_dropped() -> None:
    (track,) = tracks("a")
    timed(track, 0, 0.5, 0.5)
    timed(track, 1, 0.5, None)  # the interrupted run had dropped it after round 0
    fresh = Track("a", GROUP, runs=track.runs, loops=1)
    assert fresh.settle_warmup(0.2) is True
    assert fresh.warmups == 0


class CountingCase:
    """What make_time_func needs of a Case: sessions whose runs are counted."""

    name = "s/m[n=1]"

    def __init__(self, answer: list[int]) -> None:
        from benchmarks.core.work import checksum
        from benchmarks.scenarios.sleep_fanout import SCENARIO

        self.expected = checksum([1, 2])
        self.answer = answer
        self.scenario, self.params = SCENARIO, {}  # a mismatch asks the scenario to explain it
        self.sessions: list[int] = []  # runs per session

    def session(self) -> Any:
        case = self

        class Session:
            def run(self) -> list[int]:
                case.sessions[-1] += 1
                return case.answer

            def metrics(self) -> dict[str, object]:
                return {}

        @contextmanager
        def opened() -> Iterator[Session]:
            case.sessions.append(0)
            yield Session()

        return opened()


@pytest.mark.parametrize("warmup_runs", [0, 1, 2])
def test_a_run_warm_up_is_untimed_checked_and_happens_once(warmup_runs: int) -> None:
    from benchmarks.harness.worker import VerificationError, make_time_func

    case = CountingCase([1, 2])
    time_func = make_time_func(case, None, warmup_runs=warmup_runs)  # type: ignore[arg-type]
    time_func(4)
    time_func(4)
    # its own session first, then one session per value of 4 loops each
    assert case.sessions == ([warmup_runs] if warmup_runs else []) + [4, 4]
    bad = CountingCase([1, 3])
    wrong = make_time_func(bad, None, warmup_runs=1)  # type: ignore[arg-type]
    with pytest.raises(VerificationError):
        wrong(4)
    assert bad.sessions == [1]  # the warm-up run is checked: a wrong pair is never timed


def test_with_decide_a_narrow_but_undecided_comparison_keeps_measuring() -> None:
    """A true difference at the band's edge (1.02x): the interval gets narrow, yet straddles the
    edge.  The default stops on the width; ``decide`` (concbench ask) goes on for a verdict."""
    truth = {"a": 1.0, "b": 1.02}
    plain = Planner(tracks("a", "b"), settings(max_rounds=30), started=0.0)
    drive(plain, truth, noise=0.003)
    assert plain.completed == 4
    assert plain.stop_reason.startswith("every comparison's interval is within +-2% after")
    assert [c.undecided for c in comparisons(plain.tracks, 7)] == [True]

    deciding = Planner(tracks("a", "b"), settings(max_rounds=30, decide=True), started=0.0)
    drive(deciding, truth, noise=0.003)
    assert deciding.completed > 4
    if deciding.completed < 30:  # it stopped on a verdict, not on the most rounds allowed
        assert deciding.stop_reason.startswith("every comparison's interval is within +-2% and its "
                                               "verdict decided")
        assert [c.undecided for c in comparisons(deciding.tracks, 7)] == [False]
    assert deciding.open_comparisons() == [] or deciding.completed == 30


def test_the_baseline_is_the_reports_first_model_in_registry_order_among_the_measured() -> None:
    """Without sequential the report takes the first model of the results in registry order; the
    planner must too, whatever order its tracks are in, and a model that never got a value (it
    will not be in the results) cannot be it."""
    rng = random.Random(3)
    never, first, second = (Track(f"s/{m}", GROUP, model=m) for m in ("aa", "bb", "cc"))
    for track in (second, first):
        measure(track, 0, 1.0, 0.01, rng)
    planned = [second, never, first]  # plan order is not registry order
    assert baseline_of(planned, ["aa", "bb", "cc"]) == "bb"
    assert baseline_of(planned) == "cc"  # without the registry: the tracks' order
    assert {c.reference for c in comparisons(planned, 7, order=["aa", "bb", "cc"])} >= {"s/bb"}
    assert baseline_of([never]) == "aa"  # before any value: every track's model
