"""Paired time ratios from interleaved rounds, with a small-sample bootstrap interval.

What is estimated: how many times as long benchmark a takes as benchmark b
(below 1: a is faster), from interleaved rounds (``benchmarks/harness/
schedule.py``), where every benchmark gets a few fresh worker processes per
round.  On this VM a vCPU's speed changes by up to 1.8x within seconds, so two
benchmarks are compared only through ratios taken inside one round, and only
over the rounds where both were measured: a round one side missed, or a side
with more processes or values, changes nothing but the precision of that
side's per-round median.

How:

* Estimate: the geometric mean over the common rounds of (median of a's values
  in the round, its processes pooled) / (the same for b).
* Interval: a hierarchical bootstrap, resampling at the levels where the
  variance is (Kalibera & Jones, "Rigorous benchmarking in reasonable time"):
  rounds with replacement, the same rounds for both sides (the pairing is what
  cancels drift), then each side's processes within each resampled round, with
  replacement; each resample gives a geometric mean of per-round ratios.  The
  within-round level is enumerated exactly rather than drawn (``_Side``), so a
  call takes about a millisecond.
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
tests.analysis.test_paired 4000``, about 6 minutes: 4000 repetitions per cell, +-0.7%
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

import itertools
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

#: round number -> the worker processes of one benchmark in that round -> that process's values (seconds)
Rounds = Mapping[int, Sequence[Sequence[float]]]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Ratio:
    """Time of a / time of b (below 1: a is faster), with its confidence interval [low, high]."""

    estimate: float
    low: float
    high: float
    rounds: int  # common rounds the estimate rests on

    @property
    def half_width(self) -> float:
        """Relative half-width of the interval: 0.05 is about "+-5%"."""
        return math.sqrt(self.high / self.low) - 1


VerdictKind = Literal["faster", "slower", "no difference", "undecided"]


@dataclass(frozen=True)
class Verdict:
    """``kind`` for code, ``text`` for people: ``1.42x faster [1.37-1.47]``, ``1.25x slower [1.20-1.31]``
    (speed-up or slow-down, interval converted alike), ``no difference (0.99x [0.985-1.01])``,
    ``undecided (1.03x [0.98-1.09])`` (these two give the time ratio a/b)."""

    kind: VerdictKind
    text: str


def paired_ratio(a: Rounds, b: Rounds, *, confidence: float = 0.95, resamples: int = 2000,
                 seed: int = 0, small_sample_correction: bool = True) -> Ratio | None:
    """The time ratio a/b over the rounds where both were measured, or None below 2 such rounds.

    ``small_sample_correction=False`` gives the plain percentile interval; it is
    there to measure what the correction buys, not for reports.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    if resamples < 2:
        raise ValueError(f"resamples must be at least 2, not {resamples}")
    side_a, side_b = _measured(a, "a"), _measured(b, "b")
    common = sorted(side_a.keys() & side_b.keys())
    n = len(common)
    if n < 2:
        return None
    centre = statistics.fmean(math.log(_pooled_median(side_a[r]) / _pooled_median(side_b[r]))
                              for r in common)

    rng = np.random.default_rng(seed)
    table_a, table_b = _Side([side_a[r] for r in common], rng), _Side([side_b[r] for r in common], rng)
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


def verdict(ratio: Ratio, band: float = 0.02) -> Verdict:
    """Criterion's rule: a change is a result only if the whole interval lies beyond the band."""
    if band < 0:
        raise ValueError(f"band must not be negative, not {band}")
    lower, upper = 1 / (1 + band), 1 + band
    if ratio.high < lower:
        return Verdict("faster", f"{_factor(1 / ratio.estimate)}x faster "
                                 f"[{_factor(1 / ratio.high)}-{_factor(1 / ratio.low)}]")
    if ratio.low > upper:
        return Verdict("slower", f"{_factor(ratio.estimate)}x slower "
                                 f"[{_factor(ratio.low)}-{_factor(ratio.high)}]")
    kind: VerdictKind = "no difference" if lower <= ratio.low and ratio.high <= upper else "undecided"
    return Verdict(kind, f"{kind} ({_factor(ratio.estimate)}x "
                         f"[{_factor(ratio.low)}-{_factor(ratio.high)}])")


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


def _pooled_median(processes: list[list[float]]) -> float:
    # statistics.median: on a dozen values it is ten times faster than numpy's.
    return statistics.median(v for values in processes for v in values)


class _Side:
    """One side's rounds as the bootstrap sees them: each round's distinct within-round resamples.

    Resampling p processes with replacement can give only C(2p-1, p) distinct
    multisets (10 for 3 processes, 126 for 5), so a round's resampled median
    takes one of that many values, with multinomial probabilities.  Tabulated
    once, with Walker's alias method for drawing from them, the inner level of
    the bootstrap costs two uniforms per (resample, round) and is exact rather
    than itself a Monte Carlo draw; a call then takes about a millisecond where
    drawing processes and taking medians of the pooled draws took 8.  Above
    ``_EXACT_LIMIT`` multisets the table holds that many random draws instead,
    each equally likely.
    """

    def __init__(self, rounds: Sequence[list[list[float]]], rng: np.random.Generator) -> None:
        medians, accept, alias, sizes = [], [], [], []
        offset = 0
        for processes in rounds:
            counts, round_accept, round_alias = _multisets(len(processes), rng)
            medians.append(_weighted_medians(processes, counts))
            accept.append(round_accept)
            alias.append(round_alias + offset)
            sizes.append(len(counts))
            offset += len(counts)
        self.medians = np.concatenate(medians)
        self.accept = np.concatenate(accept)
        self.alias = np.concatenate(alias)
        self.sizes = np.array(sizes, dtype=np.intp)
        self.offsets = np.cumsum(self.sizes) - self.sizes

    def resampled_medians(self, picked: IntArray, rng: np.random.Generator) -> FloatArray:
        """The resampled median of each picked round, per [resample, round]."""
        size = self.sizes[picked]
        # min(): u * size can round up to size when u is within an ulp of 1.
        slot = self.offsets[picked] + np.minimum((rng.random(picked.shape) * size).astype(np.intp), size - 1)
        chosen = np.where(rng.random(picked.shape) < self.accept[slot], slot, self.alias[slot])
        result: FloatArray = self.medians[chosen]
        return result


#: beyond this many distinct multisets (7 processes give 1716, 8 give 6435), draw instead of enumerate
_EXACT_LIMIT = 2000


def _multisets(processes: int, rng: np.random.Generator) -> tuple[IntArray, FloatArray, IntArray]:
    """(how often each process is drawn [multiset, process], alias-method accept and alias tables)."""
    if math.comb(2 * processes - 1, processes) <= _EXACT_LIMIT:
        return _exact_multisets(processes)
    counts = rng.multinomial(processes, np.full(processes, 1 / processes), size=_EXACT_LIMIT)
    return counts.astype(np.intp), np.ones(_EXACT_LIMIT), np.arange(_EXACT_LIMIT, dtype=np.intp)


@lru_cache(maxsize=16)
def _exact_multisets(processes: int) -> tuple[IntArray, FloatArray, IntArray]:
    counts = np.array([np.bincount(draw, minlength=processes)
                       for draw in itertools.combinations_with_replacement(range(processes), processes)],
                      dtype=np.intp)
    ways = [math.factorial(processes) // math.prod(math.factorial(int(c)) for c in row) for row in counts]
    accept, alias = _alias_tables(ways)
    for table in (counts, accept, alias):
        table.flags.writeable = False  # shared by every call through the cache
    return counts, accept, alias


def _alias_tables(weights: Sequence[int]) -> tuple[FloatArray, IntArray]:
    """Vose's alias method: entry k is drawn with probability weights[k] / sum(weights) by picking a
    slot uniformly, then keeping it with probability accept[slot] or else taking alias[slot]."""
    n, total = len(weights), sum(weights)
    # Integer arithmetic (weights scaled by n, compared with the total) keeps the tables exact.
    scaled = [w * n for w in weights]
    accept = np.ones(n)
    alias = np.arange(n, dtype=np.intp)
    small = [k for k, w in enumerate(scaled) if w < total]
    large = [k for k, w in enumerate(scaled) if w >= total]
    while small and large:
        less, more = small.pop(), large.pop()
        accept[less] = scaled[less] / total
        alias[less] = more
        scaled[more] -= total - scaled[less]
        (small if scaled[more] < total else large).append(more)
    return accept, alias


def _weighted_medians(processes: list[list[float]], counts: IntArray) -> FloatArray:
    """Median of the pooled values of each multiset of processes (a process drawn twice counts twice)."""
    if len(processes) == 1:
        return np.array([_pooled_median(processes)])
    values = np.concatenate(processes)
    owner = np.repeat(np.arange(len(processes)), [len(v) for v in processes])
    order = np.argsort(values, kind="stable")
    values, owner = values[order], owner[order]
    weight = np.cumsum(counts[:, owner], axis=1)  # [multiset, k]: values up to the k-th smallest
    total = weight[:, -1:]
    # The lower and upper middle order statistics (1-based (W+1)//2 and W//2+1; equal when W is odd).
    lower = np.count_nonzero(weight < (total + 1) // 2, axis=1)
    upper = np.count_nonzero(weight < total // 2 + 1, axis=1)
    result: FloatArray = (values[lower] + values[upper]) / 2
    return result


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


def _factor(x: float) -> str:
    """3 significant digits, at least 2 decimals under 10, trailing zeros dropped past the second:
    ``1.42``, ``0.985``, ``0.99``, ``12.3``, ``123``."""
    rounded = float(f"{x:.3g}")
    decimals = max(0, 2 - math.floor(math.log10(rounded)))
    text = f"{rounded:.{decimals}f}"
    while decimals > 2 and text.endswith("0"):
        text, decimals = text[:-1], decimals - 1
    return text
