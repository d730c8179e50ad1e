"""What ``pyperf compare_to`` says of two benchmarks, and why it may disagree with the verdict here.

``pyperf compare_to`` (pyperf/_compare.py, ``is_significant_benchs``) pools
every value of a benchmark, across processes and now across rounds, into one
sample, and applies a two-sample t-test at 95% to the two pools.  Where the
test cannot be computed (samples of different sizes: ``tscore`` raises) or has
one value a side, it reports the difference as significant.  Its change is
the ratio of the means.  This module reproduces that, with pyperf's own
``is_significant``, so that a comparison can show what people running
``pyperf compare_to`` on the same files will read, and say in one line why the
verdict of :mod:`benchmarks.stats.judge` differs when it does.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.pyperf_bridge import pyperf_t_test
from benchmarks.stats.judge import BAND, Versus

from .samples import Sample


@dataclass(frozen=True)
class PyperfVerdict:
    significant: bool
    ratio: float  # new mean / base mean, what pyperf reports
    #: why pyperf says "significant" without a test result, as the end of "pyperf calls it significant ..."
    untested: str | None = None

    @property
    def text(self) -> str:
        """As ``pyperf compare_to`` prints it: ``1.25x slower``, ``1.10x faster`` or ``not significant``."""
        if not self.significant:
            return "not significant"
        if self.ratio == 1.0:
            return "no change"
        return f"{self.ratio:.2f}x slower" if self.ratio > 1 else f"{1 / self.ratio:.2f}x faster"


def compare_to(base: Sample, new: Sample) -> PyperfVerdict:
    """``pyperf compare_to``'s verdict on ``new`` against ``base``, from every value of each, pooled."""
    ratio = new.mean / base.mean
    if base.n == 1 and new.n == 1:
        return PyperfVerdict(True, ratio, "because it counts one value against one value as significant")
    if base.n != new.n:
        return PyperfVerdict(True, ratio, f"only because its t-test cannot compare samples of different "
                                          f"sizes ({base.n} vs {new.n} values) and then reports any "
                                          "difference as significant; here, unequal sizes only widen the "
                                          "interval")
    try:
        significant = pyperf_t_test(list(base.values), list(new.values))
    except ZeroDivisionError:  # pyperf catches every exception of its test and says "significant"
        return PyperfVerdict(True, ratio, "because its t-test fails on values that do not vary, and pyperf "
                                          "then reports significant")
    return PyperfVerdict(bool(significant), ratio)


def disagreement(versus: Versus, pyperf: PyperfVerdict) -> str | None:
    """One sentence on why pyperf's verdict differs from ``versus``'s; None when they agree, or when
    ``versus`` has no interval (no verdict to differ from)."""
    if versus.verdict is None:
        return None
    if pyperf.significant and not versus.decided:
        if pyperf.untested is not None:
            return f"pyperf calls it significant {pyperf.untested}."
        if versus.kind == "no difference":
            return (f"pyperf's t-test finds a difference, but the whole interval lies within +-{BAND:.0%}: "
                    "too small to be a result here.")
        return ("pyperf calls it significant because it pools the values of every process and round as if "
                "each were independent; values of one process or round share that moment's machine speed, "
                "so they are less evidence than their number says. Here each round counts once, and the "
                "interval crosses the noise band.")
    if not pyperf.significant and versus.decided:
        return ("pyperf finds it not significant because it pools the values of every process and round and "
                "compares their means, so one slow round or outlier widens its test; here each round's "
                "median counts once.")
    if pyperf.significant and versus.decided and (pyperf.ratio > 1) != (versus.kind == "slower"):
        return ("pyperf compares the means of the pooled values, which point the other way; here the "
                "medians of each round count.")
    return None
