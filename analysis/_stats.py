"""Per-benchmark statistics, the pyperf significance test, and pyperf's noise checks.

Medians and interquartile ranges describe a benchmark (robust to the odd slow
value a shared machine produces).  Whether two benchmarks differ is pyperf's
own two-sample t-test, the one ``pyperf compare_to`` uses, so a verdict here
agrees with what pyperf would say; where pyperf's test cannot be applied
(one value, or samples of different sizes) the verdict says so instead of
guessing.  Independently of the test, a difference of medians smaller than
the spread (the larger IQR) is called "within noise": it is not a result.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pyperf._utils import is_significant

from ._format import Params, format_percent, format_time

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
        """Round -> its processes' values, as :mod:`analysis.paired` takes them; {} before rounds."""
        return dict(self.rounds or ())


def pyperf_test(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[bool | None, str | None]:
    """pyperf's 95% two-sample t-test: (significant, None), or (None, why it does not apply)."""
    if len(a) < 2 or len(b) < 2:
        return None, "a single value"
    if len(a) != len(b):
        # pyperf's t-score needs equal sizes; `pyperf compare_to` then reports
        # "significant" by default, which would overstate the evidence.
        return None, f"{len(a)} vs {len(b)} values"
    try:
        significant, _t_score = is_significant(list(a), list(b))
    except ZeroDivisionError:
        # Neither sample varies at all: any difference of the means is certain.
        return statistics.fmean(a) != statistics.fmean(b), None
    return bool(significant), None


@dataclass(frozen=True)
class Difference:
    """How ``other`` compares with ``ref``: ratio of medians, significance, noise."""

    ratio: float
    significant: bool | None
    within_noise: bool
    untested_because: str | None = None

    @property
    def verdict(self) -> str:
        if self.within_noise:
            return "within noise"
        if self.significant is None:
            return f"untested ({self.untested_because})"
        return "yes" if self.significant else "no"

    @property
    def in_words(self) -> str:
        """The verdict for prose and merged cells: ``significant``, ``within noise``..."""
        if self.within_noise:
            return "within noise"
        if self.significant is None:
            return f"untested ({self.untested_because})"
        return "significant" if self.significant else "not significant"

    @property
    def mark(self) -> str:
        """A short suffix for compact tables: empty when the difference is a result."""
        if self.within_noise:
            return " ~"
        if self.significant is None:
            return " ?"
        return "" if self.significant else " ns"


def difference(ref: Sample, other: Sample) -> Difference:
    significant, why = pyperf_test(ref.values, other.values)
    spread = max(ref.iqr, other.iqr)
    within = abs(other.median - ref.median) < spread
    return Difference(other.median / ref.median, significant, within, why)


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
