"""Intervals that cover a rerun: the shift between runs, measured on earlier runs and added.

A fake machine, never a clock: each run draws its own state, which moves the two sides of a
comparison differently (a ratio of two kinds of work), and every round of that run shares it.
No number of rounds inside one run sees that shift; earlier runs do.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.stats.paired import Ratio, paired_ratio
from benchmarks.stats.rerun import (
    MIN_COMPARISONS,
    Difference,
    calibrated_shift,
    covering_rerun,
    difference,
    shift_for,
    shifts,
)

COMPARISONS = 300
ROUNDS = 8
TAU = 0.03  # one run's state moves a ratio by about 3% (sd): tcp_echo's size here
DRIFT = 0.10  # per round, shared by both sides: what pairing cancels
NOISE = 0.02  # per value


def run(rng: np.random.Generator, truths: np.ndarray, tau: float) -> list[Ratio]:
    """One run of the fake machine: a paired ratio per comparison."""
    found = []
    for truth in truths:
        state = rng.normal(0.0, tau)  # this run's shift of this comparison
        a: dict[int, list[list[float]]] = {}
        b: dict[int, list[list[float]]] = {}
        for r in range(ROUNDS):
            drift = math.exp(rng.normal(0.0, DRIFT))
            a[r] = [[float(drift * math.exp(truth + state + rng.normal(0.0, NOISE)))]]
            b[r] = [[float(drift * math.exp(rng.normal(0.0, NOISE)))]]
        ratio = paired_ratio(a, b, resamples=200, seed=int(rng.integers(1 << 30)))
        assert ratio is not None
        found.append(ratio)
    return found


def held(first: list[Ratio], second: list[Ratio]) -> float:
    return sum(f.low <= s.estimate <= f.high for f, s in zip(first, second, strict=True)) / len(first)


@pytest.fixture(scope="module")
def four_runs() -> list[list[Ratio]]:
    rng = np.random.default_rng(20261205)
    truths = rng.normal(0.0, 0.5, size=COMPARISONS)
    return [run(rng, truths, TAU) for _ in range(4)]


def test_a_runs_own_intervals_miss_a_rerun_under_a_shift(four_runs: list[list[Ratio]]) -> None:
    assert held(four_runs[2], four_runs[3]) < 0.75


def test_once_the_shift_is_known_the_intervals_hold_a_rerun_at_the_nominal_rate(
        four_runs: list[list[Ratio]]) -> None:
    first, second, now, rerun = four_runs
    # the shift is measured on two earlier runs, then tested on two new ones
    measured = shifts([difference("s", a, b) for a, b in zip(second, first, strict=True)])
    assert 0.6 * TAU < measured["s"] < 1.6 * TAU
    widened = [covering_rerun(r, shift_for("s", measured)) for r in now]
    assert 0.92 <= held(widened, rerun) <= 0.985


def test_without_a_shift_only_both_runs_noise_is_added(four_runs: list[list[Ratio]]) -> None:
    same = [covering_rerun(r, 0.0) for r in four_runs[0]]
    for plain, wide in zip(four_runs[0], same, strict=True):
        assert wide.estimate == plain.estimate
        width, plain_width = math.log(wide.high / wide.low), math.log(plain.high / plain.low)
        assert width == pytest.approx(math.sqrt(2) * plain_width)


def test_no_shift_is_measured_where_runs_agree() -> None:
    agreeing = [Difference("s", 0.0, 0.01, 0.001, 0.01, 10) for _ in range(20)]
    assert calibrated_shift(agreeing) == 0.0


def test_a_scenario_with_few_comparisons_gets_the_pooled_shift() -> None:
    wide = [Difference("wide", 0.0, 0.001, 0.1 * (-1) ** i, 0.001, 10) for i in range(MIN_COMPARISONS)]
    few = [Difference("few", 0.0, 0.001, 0.0, 0.001, 10)] * (MIN_COMPARISONS - 1)
    found = shifts(wide + few)
    assert found["wide"] > 0.02
    assert found["few"] == found[""] > 0
    assert shift_for("never seen", found) == found[""]


@pytest.mark.parametrize("tau", [-0.01, math.inf, math.nan])
def test_a_shift_is_a_finite_non_negative_number(tau: float) -> None:
    with pytest.raises(ValueError, match="finite, non-negative"):
        covering_rerun(Ratio(1.0, 0.9, 1.1, 5), tau)


def test_nothing_in_common_is_no_shift() -> None:
    with pytest.raises(ValueError, match="no comparison in common"):
        calibrated_shift([])

