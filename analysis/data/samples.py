"""Per-benchmark statistics and pyperf's noise checks.

Medians and interquartile ranges describe a benchmark (robust to the odd slow
value a shared machine produces); a sample also keeps its values round by
round, which is what every comparison is estimated from
(:mod:`benchmarks.stats.judge`).  pyperf's stability checks, with pyperf's
thresholds, say which samples to be careful with.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .._format import Params, format_percent, format_time

# pyperf's own warning thresholds (pyperf/_cli.py, format_checks).
STDEV_WARN = 0.10  # standard deviation as a fraction of the mean
OUTLIER_WARN = 0.50  # minimum or maximum this far from the mean, as a fraction of it
SHORTEST_RAW_S = 1e-3  # a raw timing (all loops of one value) shorter than this is too short


@dataclass(frozen=True)
class Sample:
    """The measured values of one benchmark in one results file."""

    file: str
    benchmark: str
    scenario: str
    kind: str
    model: str
    params: Params
    values: tuple[float, ...]
    unit: str = "second"
    shortest_raw: float = math.inf
    #: (percentile, seconds) from ``latency_p<NN>`` metadata, if the scenario records them
    latency: tuple[tuple[float, float], ...] = ()
    #: (key, median over the timed calls) of the other numbers the scenario records, by key
    metrics: tuple[tuple[str, float], ...] = ()
    metrics_n: int = 0  # how many timed calls recorded them
    #: (round, the values of each of its worker processes), by round; None: measured before rounds
    rounds: tuple[tuple[int, tuple[tuple[float, ...], ...]], ...] | None = None
    #: units of work in one run of the scenario (the count of ``expected_checksum``); None if not recorded
    units: int | None = None
    #: the median CPU time (user + system, the worker and its children) of the values that recorded
    #: one, per run of the scenario as ``median`` is; None where none did
    cpu_median: float | None = None
    #: (round, the median CPU time of its values), by round, where recorded
    cpu_rounds: tuple[tuple[int, float], ...] = ()

    @property
    def n(self) -> int:
        return len(self.values)

    @cached_property
    def _quartiles(self) -> tuple[float, float, float]:
        q1, med, q3 = np.percentile(np.asarray(self.values), [25, 50, 75])
        return float(q1), float(med), float(q3)

    @property
    def median(self) -> float:
        return self._quartiles[1]

    @property
    def q1(self) -> float:
        return self._quartiles[0]

    @property
    def q3(self) -> float:
        return self._quartiles[2]

    @property
    def iqr(self) -> float:
        return self.q3 - self.q1

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def stdev(self) -> float | None:
        return statistics.stdev(self.values) if self.n >= 2 else None

    @cached_property
    def by_round(self) -> dict[int, tuple[tuple[float, ...], ...]]:
        """Round -> its processes' values, as :mod:`benchmarks.stats.paired` takes them; {} before rounds."""
        return dict(self.rounds or ())


@dataclass(frozen=True)
class NoiseWarning:
    short: str  # for a table cell
    detail: str  # for the list of warnings


def noise_warnings(sample: Sample) -> list[NoiseWarning]:
    """pyperf's stability checks, with pyperf's thresholds, in our words."""
    warnings = []
    mean = sample.mean
    if sample.stdev is not None and sample.stdev / mean >= STDEV_WARN:
        pct = format_percent(sample.stdev / mean)
        warnings.append(NoiseWarning(f"sd {pct}", f"std dev {format_time(sample.stdev)} is {pct} of the "
                                     f"mean {format_time(mean)} (pyperf warns from 10%)"))
    for which, value in (("min", min(sample.values)), ("max", max(sample.values))):
        off = (value - mean) / mean
        if abs(off) >= OUTLIER_WARN:
            sign = "+" if off > 0 else "-"
            warnings.append(NoiseWarning(
                f"{which} {sign}{format_percent(abs(off))}",
                f"{which}imum {format_time(value)} is {format_percent(abs(off))} "
                f"{'above' if off > 0 else 'below'} the mean (pyperf warns from 50%)"))
    if sample.unit == "second" and sample.shortest_raw < SHORTEST_RAW_S:
        warnings.append(NoiseWarning(
            "short", f"shortest raw timing {format_time(sample.shortest_raw)} "
                     "(all loops of one value; pyperf warns under 1 ms): timer and scheduler noise dominate"))
    return warnings
