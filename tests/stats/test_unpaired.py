"""Unpaired ratios of two runs: the estimate, false positives, power, unequal sizes, determinism.

Each side is its own run, with its own drift per round: nothing is shared, as
between two results files.  ``python -m tests.analysis.test_unpaired [N]``,
from the repository's root, prints the coverage table quoted in
``benchmarks.stats.paired.unpaired_ratio`` (N repetitions per case, 4000 there).
"""

from __future__ import annotations

import math
import statistics
import sys

import numpy as np
import pytest

from benchmarks.stats.paired import Rounds, paired_ratio, round_medians, unpaired_ratio, verdict

DIFFERENT = ("faster", "slower")


def run(rng: np.random.Generator, rounds: int, processes: int, drift: float, value_noise: float,
        process_noise: float = 0.0, work: float = 1.0, values: int = 3) -> Rounds:
    """One run of a workload of ``work`` seconds: a drift per round, then per process, then per value."""
    out: dict[int, list[list[float]]] = {}
    for r in range(rounds):
        shared = math.exp(rng.normal(0, drift))
        out[r] = [list(work * shared * math.exp(rng.normal(0, process_noise))
                       * np.exp(rng.normal(0, value_noise, values))) for _ in range(processes)]
    return out


def two_runs(seed: int, rounds: tuple[int, int], processes: tuple[int, int] = (1, 1),
             process_noise: float = 0.0, ratio: float = 1.0) -> tuple[Rounds, Rounds]:
    """a takes ``ratio`` times b's work; each repetition draws a drift of 5-30% and 1-5% value noise."""
    rng = np.random.default_rng(seed)
    drift, value_noise = rng.uniform(0.05, 0.30), rng.uniform(0.01, 0.05)
    return (run(rng, rounds[0], processes[0], drift, value_noise, process_noise, ratio),
            run(rng, rounds[1], processes[1], drift, value_noise, process_noise))


def test_the_estimate_is_the_ratio_of_geometric_means_of_per_round_medians() -> None:
    a = {0: [[1.0, 3.0, 2.0]], 1: [[4.0], [4.0, 8.0]], 5: [[2.0]]}
    b = {2: [[1.0, 1.0]], 3: [[4.0]]}
    ratio = unpaired_ratio(a, b)
    assert ratio is not None
    assert round_medians(a) == {0: 2.0, 1: 4.0, 5: 2.0}
    geo_a, geo_b = (2.0 * 4.0 * 2.0) ** (1 / 3), 2.0
    assert ratio.estimate == pytest.approx(geo_a / geo_b)
    assert ratio.low < ratio.estimate < ratio.high
    assert ratio.rounds == 2  # the side with fewer rounds
    # no round in common: a paired ratio has nothing to stand on, an unpaired one does not need any
    assert paired_ratio(a, b) is None


def test_fewer_than_two_rounds_on_a_side_gives_none() -> None:
    two = {0: [[1.0]], 1: [[1.1]]}
    assert unpaired_ratio(two, {0: [[1.0, 1.1, 1.2]]}) is None
    assert unpaired_ratio({0: [[1.0]], 1: [[]]}, two) is None  # a round without values is not one
    assert unpaired_ratio(two, two) is not None


def test_same_inputs_and_seed_give_the_same_ratio() -> None:
    a, b = two_runs(1, (4, 6), (2, 3))
    assert unpaired_ratio(a, b, seed=5) == unpaired_ratio(a, b, seed=5)
    assert unpaired_ratio(a, b, seed=5) != unpaired_ratio(a, b, seed=6)


def test_a_ratio_and_its_inverse_agree() -> None:
    a, b = two_runs(2, (5, 5))
    forward, backward = unpaired_ratio(a, b), unpaired_ratio(b, a)
    assert forward is not None
    assert backward is not None
    assert forward.estimate == pytest.approx(1 / backward.estimate)


def test_equal_workloads_are_rarely_called_different() -> None:
    """Measured over these 400 seeds: 1.75% called "faster"/"slower" (2% band), under the nominal 5%."""
    called = 0
    for seed in range(400):
        a, b = two_runs(seed, (5, 5))
        ratio = unpaired_ratio(a, b, seed=seed)
        assert ratio is not None
        called += verdict(ratio).kind in DIFFERENT
    assert called / 400 <= 0.05


def test_unequal_sizes_do_not_make_a_difference_significant() -> None:
    """3 rounds of 1 process against 8 of 5: measured over these 400 seeds, 3.25% called different."""
    called = 0
    for seed in range(400):
        a, b = two_runs(20_000 + seed, (3, 8), (1, 5), process_noise=0.03)
        ratio = unpaired_ratio(a, b, seed=seed)
        assert ratio is not None
        called += verdict(ratio).kind in DIFFERENT
    assert called / 400 <= 0.05


def test_a_real_difference_is_found() -> None:
    """a takes 1.5x b's time, 8 rounds each: measured over these 200 seeds, "slower" in 93.5%
    (the drift of two runs stays in the ratio), and the interval holds 1.5 in 96.5%."""
    slower = covered = 0
    for seed in range(200):
        a, b = two_runs(30_000 + seed, (8, 8), (2, 2), ratio=1.5)
        ratio = unpaired_ratio(a, b, seed=seed)
        assert ratio is not None
        slower += verdict(ratio).kind == "slower"
        covered += ratio.low <= 1.5 <= ratio.high
    assert slower / 200 >= 0.9
    assert covered / 200 >= 0.93  # nominal 95%, less 1.5 binomial standard errors


def test_unpaired_is_wider_than_paired_when_rounds_share_their_drift() -> None:
    """The price of not pairing: a drift shared by a round's two sides stays in the unpaired interval."""
    rng = np.random.default_rng(4)
    a: dict[int, list[list[float]]] = {}
    b: dict[int, list[list[float]]] = {}
    for r in range(6):
        shared = math.exp(rng.normal(0, 0.2))
        a[r] = [list(1.1 * shared * np.exp(rng.normal(0, 0.01, 3)))]
        b[r] = [list(shared * np.exp(rng.normal(0, 0.01, 3)))]
    paired, unpaired = paired_ratio(a, b), unpaired_ratio(a, b)
    assert paired is not None
    assert unpaired is not None
    assert verdict(paired).kind == "slower"
    assert unpaired.half_width > 5 * paired.half_width


# --- the coverage table quoted in benchmarks/stats/paired.py ------------------------------------------------

COVERAGE_CASES = (  # (rounds a, rounds b), (processes a, processes b), noise per process
    ((3, 3), (1, 1), 0.0), ((5, 5), (1, 1), 0.0), ((3, 8), (1, 1), 0.0), ((4, 6), (1, 5), 0.03),
    ((6, 6), (3, 3), 0.0), ((10, 10), (2, 2), 0.05),
)


def coverage_table(repetitions: int) -> None:
    print(f"{'rounds':>7s} {'processes':>9s} {'per process':>11s} {'coverage':>8s} {'called':>6s}")
    for rounds, processes, process_noise in COVERAGE_CASES:
        hits = []
        for seed in range(repetitions):
            a, b = two_runs(1000 * rounds[0] + rounds[1] + 7 * seed, rounds, processes, process_noise)
            ratio = unpaired_ratio(a, b, seed=seed)
            assert ratio is not None
            hits.append((ratio.low <= 1 <= ratio.high, verdict(ratio).kind in DIFFERENT))
        cover, called = (statistics.fmean(h[i] for h in hits) for i in (0, 1))
        print(f"{rounds[0]:>3d}+{rounds[1]:<3d} {processes[0]:>4d}+{processes[1]:<4d} {process_noise:>11.0%} "
              f"{cover:8.3f} {called:6.3f}", flush=True)


if __name__ == "__main__":
    coverage_table(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
