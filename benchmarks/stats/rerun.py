"""Intervals that cover a rerun: the shift between two runs of one machine, measured and added.

A paired interval (:func:`benchmarks.stats.paired.paired_ratio`) says where the
ratio of *this run* lies: its rounds share whatever state the machine was in
for those fifteen minutes.  A rerun on the same machine draws a new state, and
its estimate moves by more than the interval allows.  Measured on two
back-to-back default runs of the full matrix (results/20261201T183638Z and
185055Z, 221 model-vs-sequential ratios): each run's 95% interval held the other
run's estimate in only 77% of cases.

Two things are missing, and this module adds both:

* **The rerun's own noise.**  A rerun's estimate is itself uncertain, so the
  distance between two runs' estimates has both runs' variances: in log scale,
  ``s_now**2 + s_rerun**2``, which is twice this run's when the runs are alike.
  That alone brought the measured cover from 77% to 86%.
* **The shift between runs**, ``tau``: a random effect per run (which host, the
  neighbours' load, the kernel's state over minutes) that every round of one
  run shares, so no number of rounds sees it.  Two runs differ by two such
  draws: variance ``2 * tau**2``.  It is measured from earlier runs of the same
  machine and interpreter (:mod:`benchmarks.harness.history`): for each
  comparison both runs made, the difference ``D`` of their log estimates and
  each run's standard error.  ``tau`` is the smallest value for which the
  intervals built with it hold ``D`` in the nominal share (95%) of those
  comparisons, per scenario (a scenario's work sets how much the machine's
  state moves it: tcp_echo and file_io move most), or over every comparison
  where a scenario has too few (:data:`MIN_COMPARISONS`).  A quantile rather
  than a moment: the differences have heavy tails (the 95th percentile of
  ``|D| / sd`` was 2.5 where a normal law gives 1.96), and the mean of
  ``D**2 - s**2`` was negative, swamped by a few wide intervals.

The interval a report prints is then, in log scale,
``estimate +- t * sqrt(2 * s**2 + 2 * tau**2)``, with ``t`` and ``s`` those of
the paired interval.  On the committed pair, with ``tau`` estimated on half of
the comparisons and the cover counted on the other half (100 random halves),
it held the other run's estimate in 92% of cases (91% with a ``tau`` per
scenario).  A first run on a machine has no earlier run: its intervals cover
that run only, and the report says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .paired import Ratio, _t_factor  # the paired interval's own t factor, so the widening matches it

#: A scenario with fewer comparisons in common with earlier runs gets the pooled shift
MIN_COMPARISONS = 8
#: The most a shift can be (log scale): a bisection bound, far beyond anything measured (0.03)
MAX_TAU = 2.0


@dataclass(frozen=True)
class Difference:
    """One comparison made by two runs: its log estimate and standard error in each."""

    scenario: str
    now: float
    now_se: float
    then: float
    then_se: float
    rounds: int  # this run's rounds behind ``now``: its interval's t factor

    @property
    def gap(self) -> float:
        return abs(self.now - self.then)


def standard_error(ratio: Ratio, confidence: float = 0.95) -> float:
    """The log-scale standard error behind a paired interval (its half-width over its t factor)."""
    if ratio.rounds < 2:
        raise ValueError(f"an interval rests on at least 2 rounds, not {ratio.rounds}")
    return math.log(ratio.high / ratio.low) / 2 / _t_factor(ratio.rounds, confidence)


def difference(scenario: str, now: Ratio, then: Ratio, confidence: float = 0.95) -> Difference:
    return Difference(scenario, math.log(now.estimate), standard_error(now, confidence),
                      math.log(then.estimate), standard_error(then, confidence), now.rounds)


def _held(found: Sequence[Difference], tau: float, confidence: float) -> float:
    """The share of ``found`` whose earlier estimate lies inside the interval that
    :func:`covering_rerun` draws around this run's with ``tau``."""
    return sum(d.gap <= _t_factor(d.rounds, confidence) * math.sqrt(2 * d.now_se ** 2 + 2 * tau * tau)
               for d in found) / len(found)


def calibrated_shift(found: Sequence[Difference], confidence: float = 0.95) -> float:
    """The smallest ``tau`` whose intervals hold ``confidence`` of the gaps (0 if none is needed)."""
    if not found:
        raise ValueError("no comparison in common: no shift to measure")
    if _held(found, 0.0, confidence) >= confidence:
        return 0.0
    low, high = 0.0, MAX_TAU
    if _held(found, high, confidence) < confidence:
        return high
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (low, mid) if _held(found, mid, confidence) >= confidence else (mid, high)
    return high


def shifts(found: Sequence[Difference], confidence: float = 0.95) -> dict[str, float]:
    """Scenario -> its shift; the key ``""`` holds the pooled one, for scenarios with too few."""
    by_scenario: dict[str, list[Difference]] = {}
    for d in found:
        by_scenario.setdefault(d.scenario, []).append(d)
    pooled = calibrated_shift(found, confidence)
    out = {"": pooled}
    for scenario, members in sorted(by_scenario.items()):
        out[scenario] = (calibrated_shift(members, confidence) if len(members) >= MIN_COMPARISONS
                         else pooled)
    return out


def shift_for(scenario: str, known: Mapping[str, float]) -> float:
    """The shift of ``scenario``: its own, else the pooled one."""
    return known.get(scenario, known[""])


def covering_rerun(ratio: Ratio, tau: float, confidence: float = 0.95) -> Ratio:
    """``ratio`` with the interval where a rerun's estimate should fall: both runs' noise and
    two draws of the shift between runs, around this run's estimate."""
    if tau < 0 or not math.isfinite(tau):
        raise ValueError(f"a shift is a finite, non-negative number, not {tau}")
    t = _t_factor(ratio.rounds, confidence)
    se = standard_error(ratio, confidence)
    half = t * math.sqrt(2 * se * se + 2 * tau * tau)
    centre = math.log(ratio.estimate)
    return Ratio(ratio.estimate, math.exp(centre - half), math.exp(centre + half), ratio.rounds)
