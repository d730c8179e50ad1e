"""Winners as tie groups (benchmarks.stats.ranking): who shares first place, and when one wins alone.

The properties run the same pipeline as the report and the planner (rank, judge against the
fastest, group) on synthetic paired rounds: a drift per round shared by every model, noise per
value, a few processes per round.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.stats import ranking
from benchmarks.stats.judge import judge
from benchmarks.stats.paired import Ratio, _kind, verdict
from benchmarks.stats.sample import RoundValues

FILE = "synthetic.json"

#: a round: its drift (shared by every model) and, per process, per value, a noise factor
round_strategy = st.tuples(
    st.floats(0.5, 2.0),
    st.lists(st.lists(st.floats(0.8, 1.25), min_size=1, max_size=3), min_size=1, max_size=3),
)


def _model(name: str, rounds: list[tuple[float, list[list[float]]]], factor: float = 1.0,
           reverse: bool = False) -> RoundValues:
    """A model whose values are ``factor`` x each round's drift x its noise; ``reverse``: each
    process's values in the other order (the same measurements, another sequence)."""
    return RoundValues(name, {
        r: [[factor * drift * v for v in (values[::-1] if reverse else values)] for values in processes]
        for r, (drift, processes) in enumerate(rounds)}, FILE)


def _top_group(group: list[RoundValues]) -> tuple[list[str], bool]:
    """The pipeline: rank, judge every member against the fastest, group; and whether it wins alone."""
    order = ranking.ranked(group)
    fastest = group[order[0]]
    kinds = ["fastest"] + [judge(group[i], fastest, same_run=True).kind for i in order[1:]]
    return [group[order[i]].benchmark for i in ranking.tie_group(kinds)], ranking.sole_winner(kinds)


@settings(max_examples=150, deadline=None)
@given(rounds=st.lists(round_strategy, min_size=2, max_size=6),
       other=st.lists(round_strategy, min_size=6, max_size=6),
       factor=st.floats(0.3, 3.0), position=st.integers(0, 2))
def test_two_equal_models_always_land_in_one_tie_group(
        rounds: list[tuple[float, list[list[float]]]], other: list[tuple[float, list[list[float]]]],
        factor: float, position: int) -> None:
    """a and b measured the same (b's values of each process in another order); c is any other
    model, faster, slower or alike.  Wherever a and b rank, they are both in the fastest's group or
    both out of it; if either is the fastest, the other is with it and nobody wins alone."""
    a, b = _model("a", rounds), _model("b", rounds, reverse=True)
    drifted = [(drift, noise[1]) for (drift, _), noise in zip(rounds, other, strict=False)]
    c = _model("c", drifted, factor)
    group = [a, b]
    group.insert(position, c)
    members, sole = _top_group(group)
    assert ("a" in members) == ("b" in members), members
    if members[0] in ("a", "b"):
        assert not sole


@settings(max_examples=100, deadline=None)
@given(rounds=st.lists(round_strategy, min_size=2, max_size=8))
def test_two_equal_models_alone_share_first_place(rounds: list[tuple[float, list[list[float]]]]) -> None:
    members, sole = _top_group([_model("a", rounds), _model("b", rounds, reverse=True)])
    assert sorted(members) == ["a", "b"]
    assert not sole


@pytest.mark.parametrize(("kinds", "group", "sole"), [
    (["fastest", "slower", "slower"], [0], True),
    (["fastest"], [0], True),  # nobody else measured: nothing to tie with
    (["fastest", "undecided", "slower"], [0, 1], False),
    (["fastest", "slower", "no difference"], [0, 2], False),
    # a ratio without an interval tells nothing apart: no group, but no bold winner either
    (["fastest", "no interval", "slower"], [0], False),
])
def test_bold_only_when_every_other_model_is_slower_beyond_the_band(
        kinds: list[str], group: list[int], sole: bool) -> None:
    assert ranking.tie_group(kinds) == group
    assert ranking.sole_winner(kinds) is sole


def test_a_clearly_slower_model_leaves_the_group_and_the_winner_is_bold() -> None:
    rounds = [(1.0 + 0.1 * r, [[1.0, 1.01], [0.99]]) for r in range(6)]
    members, sole = _top_group([_model("slow", rounds, 1.3), _model("fast", rounds)])
    assert (members, sole) == (["fast"], True)


def test_the_fastest_is_never_estimated_slower_than_another_member() -> None:
    """Three members measured in different rounds: the lowest geometric mean over the one round
    all share (``typical``) is not the fastest by the ratios printed against it."""
    a = RoundValues("a", {0: [[1.0]], 1: [[1.0]], 2: [[1.0]]}, FILE)
    b = RoundValues("b", {0: [[0.99]], 1: [[1.2]], 2: [[1.2]]}, FILE)
    c = RoundValues("c", {0: [[1.5]], 3: [[1.0]]}, FILE)
    group = [a, b, c]
    assert ranking.typical(group)[1] < ranking.typical(group)[0]  # b: 0.99 against a's 1.0 in round 0
    order = ranking.ranked(group)
    assert group[order[0]].benchmark == "a"  # over their rounds in common b takes 1.13x a's time
    fastest = group[order[0]]
    for i in order[1:]:
        assert ranking.estimate(group[i], fastest) >= 1
        assert ranking.estimate(group[i], fastest) == judge(group[i], fastest, same_run=True).estimate


@settings(max_examples=300, deadline=None)
@given(centre=st.floats(0.5, 2.0), low=st.floats(0.0, 0.1), high=st.floats(0.0, 0.1),
       edge=st.sampled_from([1 / 1.02, 1.02, 1.0, 0.9, 1.1]), near=st.booleans())
def test_a_verdict_judged_again_on_what_it_prints_is_the_same(
        centre: float, low: float, high: float, edge: float, near: bool) -> None:
    """The printed interval, read back and judged by the same rule, gives the printed verdict: "no
    difference" and "undecided" never show the same figures."""
    if near:  # bounds within a hair of an edge of the band, where rounding could cross it
        centre, low, high = edge, low / 1000, high / 1000
    ratio = Ratio(centre, centre * math.exp(-low), centre * math.exp(high), 5)
    v = verdict(ratio)
    shown_low, shown_high = float(v.figures[1]), float(v.figures[2])
    if v.kind == "faster":  # printed as a speed-up: back to time ratios
        shown_low, shown_high = 1 / shown_high, 1 / shown_low
    assert _kind(shown_low, shown_high, 0.02) == v.kind, (ratio, v.text)
