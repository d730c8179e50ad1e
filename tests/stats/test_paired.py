"""Paired ratios from interleaved rounds: drift, false positives, power, unequal sizes, determinism.

Workloads are simulated, never timed: a fake machine and a fake clock for the
drift tests, seeded noise for the rates.  ``python -m tests.analysis.test_paired [N]``,
from the repository's root, prints the coverage table quoted in
``benchmarks/stats/paired.py`` (N repetitions per cell, 4000 there).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from benchmarks.harness.schedule import round_order
from benchmarks.stats.paired import Ratio, Rounds, paired_ratio, t_quantile, verdict
from benchmarks.stats.resample import exact_multisets

Values = list[list[float]]


@dataclass(frozen=True)
class Noise:
    """Lognormal sigmas beyond the always-present drift and value noise."""

    process: float = 0.0  # which CPU, at which speed, a worker process landed on
    within_round: float = 0.0  # the drift between a's turn and b's in one round


def noisy_rounds(rng: np.random.Generator, rounds: int, processes: tuple[int, int], ratio: float = 1.0,
                 noise: Noise = Noise(), values: int = 3) -> tuple[Rounds, Rounds]:
    """Two workloads, a = ratio x b, measured in the same rounds.

    Each repetition draws its own levels: a drift of 5-30% (lognormal sigma)
    shared by both sides of a round, 1-5% per value; then ``noise``.
    """
    drift, value_noise = rng.uniform(0.05, 0.30), rng.uniform(0.01, 0.05)
    a: dict[int, Values] = {}
    b: dict[int, Values] = {}
    for r in range(rounds):
        shared = math.exp(rng.normal(0, drift))
        for side, count, base in ((a, processes[0], ratio), (b, processes[1], 1.0)):
            turn = shared * math.exp(rng.normal(0, noise.within_round))
            side[r] = [list(base * turn * math.exp(rng.normal(0, noise.process))
                            * np.exp(rng.normal(0, value_noise, values)))
                       for _ in range(count)]
    return a, b


# --- drift: the reason for rounds -------------------------------------------------------------------

class FakeMachine:
    """A workload of ``work`` seconds takes work / speed; the clock advances by what was measured."""

    def __init__(self, speed: Callable[[float], float], seed: int) -> None:
        self.speed = speed
        self.clock = 0.0
        self.rng = np.random.default_rng(seed)

    def process(self, work: float, values: int = 3) -> list[float]:
        """One fresh worker process: ``values`` timed runs, back to back."""
        measured = []
        for _ in range(values):
            took = work / self.speed(self.clock) * math.exp(self.rng.normal(0, 0.01))
            self.clock += took
            measured.append(took)
        return measured


ROUNDS, PROCESSES, WORK = 8, 2, 0.1
RUN = 2 * ROUNDS * PROCESSES * 3 * WORK  # the whole budget at full speed, both benchmarks


def halves_at(fraction: float) -> Callable[[float], float]:
    """Full speed, then half speed from ``fraction`` of the (full-speed) run on."""
    return lambda clock: 1.0 if clock < fraction * RUN else 0.5


def slows_linearly(clock: float) -> float:
    return 1 / (1 + clock / RUN)  # twice as slow by the end


def sequential(machine: FakeMachine) -> dict[str, dict[int, Values]]:
    """pyperf's way: every process of A, then every process of B (grouped into rounds by position)."""
    return {name: {r: [machine.process(WORK) for _ in range(PROCESSES)] for r in range(ROUNDS)}
            for name in ("A", "B")}


def interleaved(machine: FakeMachine, order: Callable[[int], list[str]]) -> dict[str, dict[int, Values]]:
    measured: dict[str, dict[int, Values]] = {"A": {}, "B": {}}
    for r in range(ROUNDS):
        for name in order(r):
            measured[name][r] = [machine.process(WORK) for _ in range(PROCESSES)]
    return measured


def test_drift_names_a_winner_sequentially_not_in_rounds() -> None:
    """Equal workloads; the machine runs at half speed in the second half of the run."""
    one_after_another = sequential(FakeMachine(halves_at(0.5), seed=1))
    wrong = paired_ratio(one_after_another["B"], one_after_another["A"])
    assert wrong is not None
    assert wrong.estimate == pytest.approx(2, rel=0.02)
    assert wrong.low > 1  # the wrong answer, with confidence
    assert verdict(wrong).kind == "slower"

    rounds = interleaved(FakeMachine(halves_at(0.5), seed=1), lambda r: round_order(["A", "B"], r, 5))
    right = paired_ratio(rounds["B"], rounds["A"])
    assert right is not None
    assert f"{right.estimate:.2f}" == "1.00"
    assert right.low <= 1 <= right.high
    assert verdict(right).kind in ("no difference", "undecided")


@pytest.mark.parametrize("fraction", [0.3, 0.45, 0.5625])
def test_a_step_inside_a_round_widens_the_interval_instead_of_naming_a_winner(fraction: float) -> None:
    """Here the slowdown falls between A's turn and B's in one round: that round's ratio is 2 or 1/2,
    the others' 1.  The estimate moves by up to 2**(1/8), the spread between rounds with it."""
    rounds = interleaved(FakeMachine(halves_at(fraction), seed=1), lambda r: round_order(["A", "B"], r, 5))
    ratio = paired_ratio(rounds["B"], rounds["A"])
    assert ratio is not None
    assert abs(math.log(ratio.estimate)) > 0.03  # the step did land inside a round
    assert ratio.low <= 1 <= ratio.high
    assert verdict(ratio).kind == "undecided"


def test_abba_cancels_a_linear_drift_that_a_fixed_order_does_not() -> None:
    """Rounds alone leave the drift within a round: with A always first, B always pays a little more."""
    fixed = interleaved(FakeMachine(slows_linearly, seed=2), lambda r: ["A", "B"])
    biased = paired_ratio(fixed["B"], fixed["A"])
    abba = interleaved(FakeMachine(slows_linearly, seed=2), lambda r: round_order(["A", "B"], r, 5))
    fair = paired_ratio(abba["B"], abba["A"])
    assert biased is not None
    assert fair is not None
    assert biased.estimate > 1.02
    assert biased.low > 1
    assert fair.estimate == pytest.approx(1, abs=0.005)
    assert fair.low <= 1 <= fair.high


def jumpy(seed: int, every: float) -> Callable[[float], float]:
    """A vCPU of the shared VM: a new speed between 0.55 and 1 every ``every`` seconds."""
    levels = np.random.default_rng(seed).uniform(0.55, 1.0, 10_000)
    return lambda clock: float(levels[int(clock / every)])


def test_blocks_keep_a_fast_drift_out_of_the_ratios() -> None:
    """40 benchmarks in 20 groups of two equal workloads; the speed jumps every 10 s, a round lasts
    about 31 s.  Shuffled over the whole round, the two sides of a ratio often see unrelated
    speeds; run as a block, mostly the same one.  Measured with these seeds: the typical ratio is
    off by 3.9% (shuffled) and 0.34% (blocks), the typical interval is +-23% and +-1.5% wide; all
    40 intervals hold 1 (a drift between rounds is noise the interval sees, not a bias)."""
    names = [f"{group}/{side}" for group in range(20) for side in "AB"]
    groups = [name.split("/")[0] for name in names]
    errors: dict[bool, list[float]] = {}
    widths: dict[bool, list[float]] = {}
    holds: dict[bool, int] = {}
    for blocked in (False, True):
        machine = FakeMachine(jumpy(seed=3, every=10.0), seed=4)
        measured: dict[str, dict[int, Values]] = {name: {} for name in names}
        for r in range(ROUNDS):
            for name in round_order(names, r, 6, groups if blocked else None):
                measured[name][r] = [machine.process(WORK) for _ in range(PROCESSES)]
        ratios = [paired_ratio(measured[f"{g}/B"], measured[f"{g}/A"], seed=g) for g in range(20)]
        assert all(ratio is not None for ratio in ratios)
        errors[blocked] = [abs(math.log(ratio.estimate)) for ratio in ratios if ratio is not None]
        widths[blocked] = [ratio.half_width for ratio in ratios if ratio is not None]
        holds[blocked] = sum(ratio.low <= 1 <= ratio.high for ratio in ratios if ratio is not None)
    typical = {blocked: float(np.median(found)) for blocked, found in errors.items()}
    assert typical[True] < 0.01
    assert typical[False] > 5 * typical[True]
    assert float(np.median(widths[False])) > 5 * float(np.median(widths[True]))
    assert holds == {False: 20, True: 20}


# --- rates over seeded repetitions -------------------------------------------------------------------

REALISTIC = Noise(process=0.03, within_round=0.05)


def equal_workloads(seed: int) -> tuple[Rounds, Rounds]:
    """3 to 8 rounds, 1 to 3 processes per side and round, equal work."""
    rng = np.random.default_rng(seed)
    rounds = int(rng.integers(3, 9))
    processes = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    return noisy_rounds(rng, rounds, processes, noise=REALISTIC)


DIFFERENT = ("faster", "slower")
# With no band, "faster"/"slower" means the interval excludes 1: for an interval at exactly 95% that
# happens to 5% of the repetitions, and 400 of them may show up to two binomial standard errors more.
BAND_ZERO_LIMIT = 0.05 + 2 * math.sqrt(0.05 * 0.95 / 400)


def called(a: Rounds, b: Rounds, seed: int, band: float = 0.02) -> str:
    ratio = paired_ratio(a, b, seed=seed)
    assert ratio is not None
    return verdict(ratio, band).kind


def test_equal_workloads_are_rarely_called_different() -> None:
    """Measured over these 400 seeds: 1.25% called "faster"/"slower" (2% band), under the nominal 5%;
    4.5% of the intervals exclude 1 (band 0), as a 95% interval should."""
    repetitions = [equal_workloads(seed) for seed in range(400)]
    with_band = sum(called(a, b, seed) in DIFFERENT for seed, (a, b) in enumerate(repetitions))
    without = sum(called(a, b, seed, band=0) in DIFFERENT for seed, (a, b) in enumerate(repetitions))
    assert with_band / 400 <= 0.05
    assert without / 400 <= BAND_ZERO_LIMIT


@pytest.mark.parametrize("rounds", [5, 6, 8])
def test_a_real_20_percent_difference_is_found(rounds: int) -> None:
    """a takes 1.2x b's time.  Measured over these 200 seeds: called "slower" in 90% (5 rounds),
    95.5% (6), 100% (8); b against a called "faster" as often; the interval holds 1.2 in 94.5-96.5%."""
    slower = faster = covered = 0
    for seed in range(200):
        rng = np.random.default_rng(10_000 * rounds + seed)
        processes = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        a, b = noisy_rounds(rng, rounds, processes, ratio=1.2, noise=REALISTIC)
        ratio = paired_ratio(a, b, seed=seed)
        assert ratio is not None
        slower += verdict(ratio).kind == "slower"
        faster += called(b, a, seed) == "faster"
        covered += ratio.low <= 1.2 <= ratio.high
    assert slower / 200 >= 0.8
    assert faster / 200 >= 0.8
    assert covered / 200 >= 0.93  # nominal 95%, less 1.5 binomial standard errors


def test_unequal_sizes_do_not_make_a_difference_significant() -> None:
    """a: 1 process per round, b: 5; equal work.  Measured over these 400 seeds: 1.25% called
    "faster"/"slower" (2% band); 5.0% of the intervals exclude 1 (band 0)."""
    with_band = without = 0
    for seed in range(400):
        rng = np.random.default_rng(50_000 + seed)
        a, b = noisy_rounds(rng, int(rng.integers(3, 9)), (1, 5), noise=REALISTIC)
        with_band += called(a, b, seed) in DIFFERENT
        without += called(a, b, seed, band=0) in DIFFERENT
    assert with_band / 400 <= 0.05
    assert without / 400 <= BAND_ZERO_LIMIT


def test_only_common_rounds_count() -> None:
    a, b = noisy_rounds(np.random.default_rng(3), 5, (1, 2))
    extra_b = {**b, 7: [[1e-6] * 3] * 9, 8: [[5.0] * 3]}  # rounds a never ran in
    empty_a = {**a, 7: [], 8: [[]]}  # rounds where a ran no process, or recorded no value
    assert paired_ratio(a, extra_b) == paired_ratio(a, b)
    assert paired_ratio(empty_a, extra_b) == paired_ratio(a, b)
    assert paired_ratio(a, b) is not None


def test_fewer_than_two_common_rounds_gives_none() -> None:
    values = [[1.0, 1.1, 0.9]]
    assert paired_ratio({0: values, 1: values}, {1: values, 2: values}) is None
    assert paired_ratio({}, {}) is None
    assert paired_ratio({0: values, 1: []}, {0: values, 1: values}) is None
    assert paired_ratio({0: values, 1: values}, {0: values, 1: values}) is not None


# --- determinism and arithmetic -------------------------------------------------------------------

def test_same_inputs_and_seed_give_the_same_ratio() -> None:
    a, b = noisy_rounds(np.random.default_rng(4), 6, (2, 3))
    assert paired_ratio(a, b, seed=11) == paired_ratio(a, b, seed=11)
    assert paired_ratio(a, b, seed=11) != paired_ratio(a, b, seed=12)
    # The mapping's order is not part of the input.
    shuffled = {r: a[r] for r in reversed(list(a))}
    assert paired_ratio(shuffled, b, seed=11) == paired_ratio(a, b, seed=11)


def test_estimate_is_the_geometric_mean_of_per_round_median_ratios() -> None:
    a = {0: [[2.0, 2.2, 9.0]], 1: [[3.0], [3.3, 3.1]], 2: [[1.0, 1.0]]}
    b = {0: [[1.0, 1.0, 1.0]], 1: [[1.5, 1.5]], 2: [[2.0], [2.0], [2.0]]}
    ratio = paired_ratio(a, b)
    assert ratio is not None
    assert ratio.rounds == 3
    assert ratio.estimate == pytest.approx((2.2 / 1.0 * 3.1 / 1.5 * 1.0 / 2.0) ** (1 / 3))
    assert ratio.low < ratio.estimate < ratio.high


def test_a_ratio_and_its_inverse_agree() -> None:
    a, b = noisy_rounds(np.random.default_rng(5), 6, (2, 2), ratio=1.1)
    ab, ba = paired_ratio(a, b), paired_ratio(b, a)
    assert ab is not None
    assert ba is not None
    assert ab.estimate == pytest.approx(1 / ba.estimate)
    assert ab.half_width == pytest.approx(ba.half_width, rel=0.05)  # same draws, other side first


def test_correction_widens_the_percentile_interval() -> None:
    a, b = noisy_rounds(np.random.default_rng(6), 3, (1, 1))
    plain, corrected = (paired_ratio(a, b, small_sample_correction=flag) for flag in (False, True))
    assert plain is not None
    assert corrected is not None
    assert plain.estimate == corrected.estimate
    assert corrected.low < plain.low
    assert corrected.high > plain.high


def test_processes_within_a_round_are_resampled_too() -> None:
    """Identical rounds: resampling rounds alone would give a zero-width interval."""
    a = {r: [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]] for r in range(3)}
    b = {r: [[1.5, 1.5, 1.5]] for r in range(3)}
    ratio = paired_ratio(a, b)
    assert ratio is not None
    assert ratio.estimate == pytest.approx(1.0)
    assert ratio.low < 0.9
    assert ratio.high > 1.1


@pytest.mark.parametrize("processes", [2, 3, 5, 7])
def test_within_round_multisets_have_their_multinomial_probabilities(processes: int) -> None:
    counts, accept, alias = exact_multisets(processes)
    assert len(counts) == math.comb(2 * processes - 1, processes)
    assert set(counts.sum(axis=1)) == {processes}
    drawn = accept / len(counts)  # the alias method: keep the slot, or else take its alias
    np.add.at(drawn, alias, (1 - accept) / len(counts))
    ways = [math.factorial(processes) / math.prod(math.factorial(int(c)) for c in row) for row in counts]
    assert drawn == pytest.approx(np.array(ways) / processes**processes, abs=1e-15)


def test_many_processes_per_round_are_sampled_not_enumerated() -> None:
    """Beyond 7 processes per round the within-round multisets are drawn, not listed: still sane."""
    a, b = noisy_rounds(np.random.default_rng(7), 4, (9, 1))
    ratio = paired_ratio(a, b)
    assert ratio is not None
    assert ratio.low < ratio.estimate < ratio.high
    assert paired_ratio(a, b, seed=3) == paired_ratio(a, b, seed=3)


def test_bad_input_is_refused() -> None:
    good = {0: [[1.0]], 1: [[1.0]]}
    for bad in ({0: [[0.0]], 1: [[1.0]]}, {0: [[-1.0]], 1: [[1.0]]}, {0: [[math.nan]], 1: [[1.0]]},
                {0: [[math.inf]], 1: [[1.0]]}):
        with pytest.raises(ValueError, match="positive time"):
            paired_ratio(bad, good)
    with pytest.raises(ValueError, match="confidence"):
        paired_ratio(good, good, confidence=1.0)
    with pytest.raises(ValueError, match="resamples"):
        paired_ratio(good, good, resamples=1)


@pytest.mark.parametrize(("confidence", "df", "expected"), [
    # Published two-sided critical values (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2)
    (0.95, 1, 12.706), (0.95, 2, 4.303), (0.95, 3, 3.182), (0.95, 4, 2.776), (0.95, 9, 2.262),
    (0.95, 30, 2.042), (0.90, 5, 2.015), (0.99, 7, 3.499),
])
def test_t_quantile_matches_tables(confidence: float, df: int, expected: float) -> None:
    assert t_quantile(confidence, df) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize(("ratio", "kind", "text"), [
    (Ratio(0.704, 0.68, 0.73, 5), "faster", "1.42x faster [1.37-1.47]"),
    (Ratio(1.25, 1.2, 1.31, 5), "slower", "1.25x slower [1.20-1.31]"),
    (Ratio(0.99, 0.985, 1.01, 8), "no difference", "no difference (0.99x [0.985-1.01])"),
    (Ratio(1.03, 0.98, 1.09, 4), "undecided", "undecided (1.03x [0.98-1.09])"),
    (Ratio(0.008, 0.0079, 0.0081, 6), "faster", "125x faster [123-127]"),
    (Ratio(14.2, 13.61, 14.83, 6), "slower", "14.2x slower [13.6-14.8]"),
])
def test_verdict_texts(ratio: Ratio, kind: str, text: str) -> None:
    v = verdict(ratio)
    assert (v.kind, v.text) == (kind, text)


@pytest.mark.parametrize(("ratio", "text"), [
    # three digits would print 1.02 for both, on either side of the band's edge
    (Ratio(1.0, 0.99, 1.0201, 6), "undecided (1.00x [0.99-1.0201])"),
    (Ratio(1.0, 0.99, 1.0199, 6), "no difference (1.00x [0.99-1.0199])"),
    (Ratio(1.0, 0.98035, 1.01, 6), "undecided (1.00x [0.98-1.01])"),  # 0.98: below the edge too
    (Ratio(1.0, 0.98045, 1.01, 6), "no difference (1.00x [0.9805-1.01])"),
    (Ratio(0.97, 0.96, 0.98035, 6), "1.03x faster [1.02004-1.04]"),
    (Ratio(1.05, 1.0201, 1.07, 6), "1.05x slower [1.0201-1.07]"),
])
def test_verdict_prints_the_digits_its_side_of_the_band_needs(ratio: Ratio, text: str) -> None:
    assert verdict(ratio).text == text


def test_no_two_verdicts_print_the_same_interval() -> None:
    """Intervals crowded around the band's edges: whatever is printed, judged again, is the verdict."""
    rng = np.random.default_rng(3)
    edges = np.array([1 / 1.02, 1.02])
    seen: dict[tuple[bool, str, str], str] = {}
    for _ in range(4000):
        low, high = sorted(rng.choice(edges, 2) * np.exp(rng.normal(0, 2e-4, 2)))
        v = verdict(Ratio(math.sqrt(low * high), float(low), float(high), 5))
        # a speed-up's interval and a time ratio's are different numbers: keyed apart
        printed = (v.kind == "faster", v.figures[1], v.figures[2])
        assert seen.setdefault(printed, v.kind) == v.kind, (printed, v.kind)
    assert set(seen.values()) == {"no difference", "undecided", "faster", "slower"}


def test_verdict_band_edges() -> None:
    # The whole interval must lie beyond the band to count, and inside it to be "no difference".
    assert verdict(Ratio(0.95, 0.93, 1 / 1.02 - 1e-9, 5)).kind == "faster"
    assert verdict(Ratio(0.95, 0.93, 1 / 1.02 + 1e-9, 5)).kind == "undecided"
    assert verdict(Ratio(1.05, 1.02 + 1e-9, 1.07, 5)).kind == "slower"
    assert verdict(Ratio(1.0, 1 / 1.02, 1.02, 5)).kind == "no difference"
    assert verdict(Ratio(1.03, 1.01, 1.05, 5), band=0.05).kind == "no difference"
    assert verdict(Ratio(1.03, 1.01, 1.05, 5), band=0).kind == "slower"
    assert Ratio(1.0, 0.9, 1.1, 3).half_width == pytest.approx(math.sqrt(1.1 / 0.9) - 1)


# --- the coverage table quoted in benchmarks/stats/paired.py ------------------------------------------------

COVERAGE_CASES: dict[str, tuple[tuple[int, int], Noise]] = {
    "1+1": ((1, 1), Noise()),
    "3+3": ((3, 3), Noise()),
    "2+2, 5% per process": ((2, 2), Noise(process=0.05)),
    "1+5, 10% within round": ((1, 5), Noise(process=0.03, within_round=0.10)),
}


def coverage_table(repetitions: int) -> None:
    print(f"{'case':24s} {'R':>3s} {'before':>7s} {'after':>6s}")
    for case, (processes, noise) in COVERAGE_CASES.items():
        for rounds in range(3, 11):
            rng = np.random.default_rng(1000 * rounds + 7)
            hits = [0, 0]
            for seed in range(repetitions):
                a, b = noisy_rounds(rng, rounds, processes, noise=noise)
                for i, correct in enumerate((False, True)):
                    ratio = paired_ratio(a, b, seed=seed, small_sample_correction=correct)
                    assert ratio is not None
                    hits[i] += ratio.low <= 1 <= ratio.high
            before, after = (hit / repetitions for hit in hits)
            print(f"{case:24s} {rounds:3d} {before:7.3f} {after:6.3f}", flush=True)


if __name__ == "__main__":
    coverage_table(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
