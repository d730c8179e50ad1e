"""Paired time ratios from interleaved rounds, with a small-sample bootstrap interval.

What is estimated: how many times as long benchmark a takes as benchmark b
(below 1: a is faster), from interleaved rounds (``benchmarks/harness/
schedule.py``), where every benchmark gets a few fresh worker processes per
round.  On this VM a vCPU's speed changes by up to 1.8x within seconds, so two
benchmarks are compared only through ratios taken inside one round, and only
over the rounds where both were measured: a round one side missed, or a side
with more processes or values, changes nothing but the precision of that
side's per-round median.  Two different runs (other times, interpreters or
machines) share no rounds: :func:`unpaired_ratio` compares them without the
pairing, and so without what it cancels.

How:

* Estimate: the geometric mean over the common rounds of (median of a's values
  in the round, its processes pooled) / (the same for b).
* Interval: a hierarchical bootstrap, resampling at the levels where the
  variance is (Kalibera & Jones, "Rigorous benchmarking in reasonable time"):
  rounds with replacement, the same rounds for both sides (the pairing is what
  cancels drift), then each side's processes within each resampled round, with
  replacement; each resample gives a geometric mean of per-round ratios.  The
  within-round level is enumerated exactly rather than drawn
  (:mod:`benchmarks.stats.resample`), so a call takes about a millisecond.
* Small-sample correction.  With 3-8 rounds of one process each, the
  percentile interval of that bootstrap covers far less than it claims
  ("before" below: 76-89% instead of 95%): the spread of R resampled rounds is
  the plug-in spread, short by a factor (R-1)/R in variance, and its tails are
  normal where a spread estimated from R rounds calls for Student's t with
  R-1 degrees of freedom.  The interval reported is therefore, in log scale,
  estimate +- t_{R-1} * sqrt(R/(R-1)) * SE, SE the bootstrap standard error:
  the normal interval z * SE widened by t_{R-1}/z * sqrt(R/(R-1)).  With one
  process per round this is exactly the paired t interval on the per-round
  log ratios, exact for log-normal noise.  With several processes and little
  drift between a's turn and b's within a round it errs wide (measured: 1.4x
  the t interval's width for 3+3 processes and 6 rounds, 1.6x for 3 rounds;
  1.01-1.1x with the drift of the last column below): the within-round
  resampling adds variance that the spread between rounds already holds.
  No scipy: t
  quantiles come from the closed form of the t distribution for whole degrees
  of freedom (Abramowitz & Stegun 26.7.3), inverted by bisection.
* Verdict: criterion's rule.  A difference is called only when the whole
  interval lies beyond a noise band (2% by default), "no difference" only when
  it lies inside the band, "undecided" otherwise.

Coverage of the 95% interval, measured by simulation (``python -m
tests.stats.test_paired 4000``, about 6 minutes: 4000 repetitions per cell, +-0.7%
at two standard errors; equal workloads; each repetition draws a drift of
5-30% (lognormal sigma) per round, shared by both sides, and 1-5% noise per
value, 3 values per process).  Cases: processes per round of a + of b, and
extra noise: per process (which CPU, at what speed, a worker landed on) and
per side within a round (the drift between a's turn and b's):

    rounds     1+1           3+3        2+2, 5%/process   1+5, 3%/process,
                                                          10% within round
            before after  before after   before after      before after
      3     0.756  0.954  0.977  1.000   0.923  1.000      0.745  0.964
      4     0.797  0.949  0.982  1.000   0.936  0.998      0.816  0.957
      5     0.835  0.950  0.981  1.000   0.955  0.996      0.852  0.962
      6     0.859  0.946  0.989  0.998   0.958  0.993      0.868  0.956
      7     0.880  0.949  0.988  0.997   0.962  0.992      0.874  0.950
      8     0.885  0.950  0.988  0.995   0.968  0.992      0.884  0.946
      9     0.891  0.949  0.993  0.997   0.964  0.990      0.894  0.947
     10     0.901  0.951  0.992  0.996   0.971  0.990      0.908  0.955

"before" is the plain percentile interval (``small_sample_correction=False``),
"after" the interval reported.  After the correction every cell is at 95%
within the simulation's own error, or above it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from .resample import Side, pooled_median
from .sample import Rounds
from .text import format_factor


@dataclass(frozen=True)
class Ratio:
    """Time of a / time of b (below 1: a is faster), with its confidence interval [low, high]."""

    estimate: float
    low: float
    high: float
    rounds: int  # common rounds the estimate rests on (unpaired: the side with fewer rounds)

    @property
    def half_width(self) -> float:
        """Relative half-width of the interval: 0.05 is about "+-5%"."""
        return math.sqrt(self.high / self.low) - 1


VerdictKind = Literal["faster", "slower", "no difference", "undecided"]


@dataclass(frozen=True)
class Verdict:
    """``kind`` for code, ``text`` for people: ``1.42x faster [1.37-1.47]``, ``1.25x slower [1.20-1.31]``
    (speed-up or slow-down, interval converted alike), ``no difference (0.99x [0.985-1.01])``,
    ``undecided (1.03x [0.98-1.09])`` (these two give the time ratio a/b).  ``figures``: the three
    numbers of ``text`` as printed (estimate, low, high)."""

    kind: VerdictKind
    text: str
    figures: tuple[str, str, str] = ("", "", "")


def paired_ratio(a: Rounds, b: Rounds, *, confidence: float = 0.95, resamples: int = 2000,
                 seed: int = 0, small_sample_correction: bool = True) -> Ratio | None:
    """The time ratio a/b over the rounds where both were measured, or None below 2 such rounds.

    ``small_sample_correction=False`` gives the plain percentile interval; it is
    there to measure what the correction buys, not for reports.
    """
    _check(confidence, resamples)
    side_a, side_b = _measured(a, "a"), _measured(b, "b")
    common = sorted(side_a.keys() & side_b.keys())
    n = len(common)
    if n < 2:
        return None
    centre = _paired_centre(side_a, side_b, common)

    rng = np.random.default_rng(seed)
    table_a, table_b = Side([side_a[r] for r in common], rng), Side([side_b[r] for r in common], rng)
    # The same rounds for both sides: the pairing is what cancels a round's drift.
    picked = rng.integers(0, n, size=(resamples, n))
    boot = (np.log(table_a.resampled_medians(picked, rng))
            - np.log(table_b.resampled_medians(picked, rng))).mean(axis=1)
    if small_sample_correction:
        # Student's t on the bootstrap standard error, with the plug-in variance's
        # (R-1)/R undone: with one process per round this is the paired t interval
        # on the per-round log ratios, exact for log-normal noise.
        half = _t_factor(n, confidence) * float(boot.std(ddof=1))
        low, high = centre - half, centre + half
    else:
        alpha = 1 - confidence
        low, high = (float(q) for q in np.quantile(boot, [alpha / 2, 1 - alpha / 2]))
    return Ratio(math.exp(centre), math.exp(low), math.exp(high), n)


def unpaired_ratio(a: Rounds, b: Rounds, *, confidence: float = 0.95, resamples: int = 2000,
                   seed: int = 0) -> Ratio | None:
    """The time ratio a/b of two different runs, or None when either side has fewer than 2 rounds.

    Unpaired, because round r of one run and round r of another share nothing:
    they ran at other times, perhaps on other machines or interpreters, so no
    drift is common to both and pairing them would cancel nothing while
    pretending to.  The estimate is the ratio of each side's geometric mean of
    per-round medians (each round's processes pooled), so a round's drift
    counts once whatever its number of values.  The interval is the paired
    one's bootstrap run on each side alone (its rounds with replacement, then
    processes within each round) and the two variances added, with the same
    small-sample correction: each side's plug-in variance scaled by R/(R-1),
    and Student's t with Welch-Satterthwaite degrees of freedom, rounded down
    (wider), as the two sides' spreads and round counts differ.  Unequal sizes
    only change each side's precision, never the verdict's rule.

    Coverage of the 95% interval and how often equal workloads are called
    different (2% band), by simulation (``python -m tests.stats.test_unpaired
    4000``: 4000 repetitions per case, +-0.7% at two standard errors; each side
    its own drift of 5-30% per round, 1-5% per value, 3 values per process):

        rounds a+b  processes  per process  coverage  called different
           3+3         1+1          -         0.978       0.016
           5+5         1+1          -         0.958       0.025
           3+8         1+1          -         0.945       0.038
           4+6         1+5          3%        0.959       0.028
           6+6         3+3          -         0.956       0.027
          10+10        2+2          5%        0.962       0.020
    """
    _check(confidence, resamples)
    sides = [_measured(a, "a"), _measured(b, "b")]
    if min(len(side) for side in sides) < 2:
        return None
    rng = np.random.default_rng(seed)
    centres, variances = [], []
    for side in sides:
        rounds = [side[r] for r in sorted(side)]
        n = len(rounds)
        centres.append(_log_centre(rounds))
        table = Side(rounds, rng)
        boot = np.log(table.resampled_medians(rng.integers(0, n, size=(resamples, n)), rng)).mean(axis=1)
        variances.append(float(boot.var(ddof=1)) * n / (n - 1))
    centre = centres[0] - centres[1]
    counts = [len(side) for side in sides]
    half = t_quantile(confidence, _welch_df(variances, counts)) * math.sqrt(sum(variances))
    return Ratio(math.exp(centre), math.exp(centre - half), math.exp(centre + half), min(counts))


def paired_estimate(a: Rounds, b: Rounds) -> float | None:
    """The estimate of :func:`paired_ratio` alone (no bootstrap), or None below 2 common rounds."""
    side_a, side_b = _measured(a, "a"), _measured(b, "b")
    common = sorted(side_a.keys() & side_b.keys())
    return math.exp(_paired_centre(side_a, side_b, common)) if len(common) >= 2 else None


def unpaired_estimate(a: Rounds, b: Rounds) -> float | None:
    """The estimate of :func:`unpaired_ratio` alone, or None when a side has fewer than 2 rounds."""
    sides = [_measured(a, "a"), _measured(b, "b")]
    if min(len(side) for side in sides) < 2:
        return None
    first, second = ([side[r] for r in sorted(side)] for side in sides)
    return math.exp(_log_centre(first) - _log_centre(second))


def _paired_centre(a: dict[int, list[list[float]]], b: dict[int, list[list[float]]],
                   common: Sequence[int]) -> float:
    """The log of the paired estimate: the mean over ``common`` rounds of log(a's median / b's)."""
    return statistics.fmean(math.log(pooled_median(a[r]) / pooled_median(b[r])) for r in common)


def _log_centre(rounds: Sequence[list[list[float]]]) -> float:
    """The mean of the log of each round's pooled median."""
    return statistics.fmean(math.log(pooled_median(p)) for p in rounds)


def _welch_df(variances: Sequence[float], counts: Sequence[int]) -> int:
    """Welch-Satterthwaite degrees of freedom of a sum of two variances of means, rounded down."""
    spread = sum(v * v / (n - 1) for v, n in zip(variances, counts, strict=True))
    if spread == 0:
        return sum(counts) - 2  # neither side varies: the interval has no width anyway
    return max(1, math.floor(sum(variances) ** 2 / spread))


def round_medians(rounds: Rounds) -> dict[int, float]:
    """Round -> the median of its values, its processes pooled (rounds without values left out)."""
    return {r: pooled_median(processes) for r, processes in sorted(_measured(rounds, "rounds").items())}


def _check(confidence: float, resamples: int) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    if resamples < 2:
        raise ValueError(f"resamples must be at least 2, not {resamples}")


#: the most significant digits a verdict prints to keep a bound on its side of the band: 17 give
#: back any double exactly, so even a bound a hair beyond an edge (1.0200000000607967, which 9
#: digits printed as 1.02 beside "undecided") reads on its own side
MAX_DIGITS = 17


def _kind(low: float, high: float, band: float) -> VerdictKind:
    """Criterion's rule on a time-ratio interval [low, high]."""
    lower, upper = 1 / (1 + band), 1 + band
    if high < lower:
        return "faster"
    if low > upper:
        return "slower"
    return "no difference" if lower <= low and high <= upper else "undecided"


def _bound_text(x: float, band: float, inverted: bool) -> str:
    """A bound of an interval with three significant digits, or more where three would move it
    across (or onto) an edge of the band; ``inverted``: ``x`` is a speed-up, 1 / a time ratio."""
    edges = (1 / (1 + band), 1 + band)
    true = 1 / x if inverted else x
    for digits in range(3, MAX_DIGITS + 1):
        text = format_factor(x, digits)
        shown = 1 / float(text) if inverted else float(text)
        if all((true < e) == (shown < e) and (true <= e) == (shown <= e) for e in edges):
            break
    return text


def verdict(ratio: Ratio, band: float = 0.02) -> Verdict:
    """Criterion's rule: a change is a result only if the whole interval lies beyond the band.

    A bound is printed with three significant digits, more where three would put it on the
    other side of an edge of the band (``1.0201``, not ``1.02``, beside the edge at 1.02): the
    printed interval, judged again, gives the same verdict, so "no difference" and "undecided"
    never show the same interval.
    """
    if band < 0:
        raise ValueError(f"band must not be negative, not {band}")
    kind = _kind(ratio.low, ratio.high, band)
    if kind == "faster":  # written as a speed-up, b's time / a's, its interval converted alike
        estimate, low, high = (format_factor(1 / ratio.estimate), _bound_text(1 / ratio.high, band, True),
                               _bound_text(1 / ratio.low, band, True))
    else:
        estimate, low, high = (format_factor(ratio.estimate), _bound_text(ratio.low, band, False),
                               _bound_text(ratio.high, band, False))
    figures = (estimate, low, high)
    if kind == "faster":
        return Verdict(kind, f"{estimate}x faster [{low}-{high}]", figures)
    if kind == "slower":
        return Verdict(kind, f"{estimate}x slower [{low}-{high}]", figures)
    return Verdict(kind, f"{kind} ({estimate}x [{low}-{high}])", figures)


def _measured(rounds: Rounds, side: str) -> dict[int, list[list[float]]]:
    """The rounds that hold at least one value, each as its processes' values."""
    out: dict[int, list[list[float]]] = {}
    for number, processes in rounds.items():
        kept = [[float(v) for v in values] for values in processes if len(values)]
        if not kept:
            continue  # a round where this side never ran (or crashed) is not a measurement
        if not all(0 < v < math.inf for values in kept for v in values):
            raise ValueError(f"{side}: round {number} has a value that is not a positive time")
        out[number] = kept
    return out


@lru_cache(maxsize=256)
def _t_factor(rounds: int, confidence: float) -> float:
    """t_{R-1} * sqrt(R/(R-1)): the multiple of the bootstrap standard error that gives the half-width."""
    return t_quantile(confidence, rounds - 1) * math.sqrt(rounds / (rounds - 1))


def t_quantile(confidence: float, df: int) -> float:
    """The t such that P(|T| < t) = confidence for Student's t with ``df`` degrees of freedom.

    No scipy here: the two-sided t distribution has a closed form for whole
    degrees of freedom (Abramowitz & Stegun 26.7.3), which bisection inverts
    to double precision.
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, not {df}")
    low, high = 0.0, 1.0
    while _t_within(high, df) < confidence:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if mid in (low, high):
            break
        low, high = (mid, high) if _t_within(mid, df) < confidence else (low, mid)
    return (low + high) / 2


def _t_within(t: float, df: int) -> float:
    """P(|T| < t), Abramowitz & Stegun 26.7.3."""
    theta = math.atan(t / math.sqrt(df))
    cos2 = math.cos(theta) ** 2
    # The finite series in cos^2(theta) whose k-th term is term_{k-1} * (2k-1 or 2k) / (2k or 2k+1).
    total, term = 0.0, 1.0
    if df % 2:
        for k in range(1, (df - 1) // 2 + 1):
            total += term
            term *= cos2 * (2 * k) / (2 * k + 1)
        series = math.sin(theta) * math.cos(theta) * total if df > 1 else 0.0
        return 2 / math.pi * (theta + series)
    for k in range(1, df // 2 + 1):
        total += term
        term *= cos2 * (2 * k - 1) / (2 * k)
    return math.sin(theta) * total
