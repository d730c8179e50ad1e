"""Every comparison of two benchmarks, judged one way: a time ratio, its 95% interval and a verdict.

Inside one results file both benchmarks were measured in the same rounds, so
the ratio is paired (:func:`benchmarks.stats.paired.paired_ratio`): only ratios taken
inside one round, where both sides saw the same machine, count.  Benchmarks of
two files (another time, interpreter or machine) share no round, and are
compared unpaired (:func:`benchmarks.stats.paired.unpaired_ratio`).  Either way the
verdict is :func:`benchmarks.stats.paired.verdict` against a noise band of +-2%
(:data:`BAND`): "faster"/"slower" only when the whole interval lies beyond it.

A file measured before rounds existed has no round to pair: its ratio is one
of medians, shown with :data:`NO_ROUNDS` and never called faster or slower.

The bootstrap of a file's comparisons uses the seed its run recorded
(``.runinfo`` ``rounds.seed``), the one the runner's stopping rule used, so a
report's interval is the very one the run stopped on; without it, seed 0.
Either way the same input gives the same interval, byte for byte.  Each pair
is computed once per report (:class:`Judge` caches by file and benchmark).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, Literal

from .paired import Ratio, Verdict, paired_ratio, round_medians, unpaired_ratio, verdict
from .rerun import covering_rerun, shift_for
from .sample import S
from .text import format_ratio

#: The noise band of every verdict: a ratio within +-2% of 1 is no result.
BAND = 0.02
NO_ROUNDS = "no interval (measured before rounds)"
TOO_FEW = "no interval (fewer than 2 rounds in common)"
UNPAIRED_TOO_FEW = "no interval (fewer than 2 rounds on a side)"
#: What a compact cell says instead of an interval
NO_INTERVAL = "no interval"
#: After the verdict of two samples of two results files: they share no round to pair
UNPAIRED = ", unpaired"

Method = Literal["paired", "unpaired", "none"]


@dataclass(frozen=True)
class Versus(Generic[S]):
    """How sample ``a`` compares with ``b``: a's time / b's (below 1: a is faster)."""

    a: S
    b: S
    method: Method
    ratio: Ratio | None  # None: no interval (``why`` says why)
    verdict: Verdict | None
    why: str | None = None
    #: the interval covers a rerun on this machine (the shift between runs added), not this run only
    rerun: bool = False

    @property
    def estimate(self) -> float:
        """The paired (or unpaired) estimate; without rounds, the ratio of medians."""
        return self.ratio.estimate if self.ratio is not None else self.a.median / self.b.median

    @property
    def kind(self) -> str:
        """``faster``, ``slower``, ``no difference``, ``undecided`` or ``no interval``."""
        return self.verdict.kind if self.verdict is not None else NO_INTERVAL

    @property
    def decided(self) -> bool:
        return self.kind in ("faster", "slower")

    @property
    def bare_text(self) -> str:
        """``1.42x faster [1.37-1.47]``, ``undecided (1.03x [0.98-1.09])``, or why there is no interval."""
        return self.verdict.text if self.verdict is not None else str(self.why)

    @property
    def text(self) -> str:
        """:attr:`bare_text`, marked :data:`UNPAIRED` when the two samples come from two runs."""
        marked = self.method == "unpaired" and self.verdict is not None
        return self.bare_text + (UNPAIRED if marked else "")

    @property
    def short(self) -> str:
        """For a table cell: :attr:`text`, or the ratio of medians and ``(no interval)``."""
        if self.verdict is not None:
            return self.text
        return f"{format_ratio(self.estimate)} ({NO_INTERVAL})"

    def round_ratios(self) -> dict[int, float]:
        """Round -> a's median / b's median in that round, over their common rounds (paired only)."""
        if self.method != "paired":
            return {}
        mine, theirs = round_medians(self.a.by_round), round_medians(self.b.by_round)
        return {r: mine[r] / theirs[r] for r in mine if r in theirs}


def judge(a: S, b: S, *, same_run: bool, seed: int = 0, band: float = BAND,
          shift: float | None = None) -> Versus[S]:
    """a against b: paired when ``same_run`` and both have rounds, unpaired across runs, else none.

    ``shift``: the shift between runs of a's run (:mod:`benchmarks.stats.rerun`); given, a paired
    interval is widened to cover a rerun's estimate, and the verdict judges that interval."""
    if a.rounds is None or b.rounds is None:
        return Versus(a, b, "none", None, None, NO_ROUNDS)
    method: Method = "paired" if same_run else "unpaired"
    if same_run:
        ratio, why = paired_ratio(a.by_round, b.by_round, seed=seed), TOO_FEW
    else:
        ratio, why = unpaired_ratio(a.by_round, b.by_round, seed=seed), UNPAIRED_TOO_FEW
    if ratio is None:
        return Versus(a, b, method, None, None, why)
    if same_run and shift is not None:
        ratio = covering_rerun(ratio, shift)
        return Versus(a, b, method, ratio, verdict(ratio, band), rerun=True)
    return Versus(a, b, method, ratio, verdict(ratio, band))


class Judge(Generic[S]):
    """Judges pairs of one report's samples, each pair once; samples of two files go unpaired."""

    def __init__(self, seeds: Mapping[str, int] | None = None, band: float = BAND,
                 shifts: Mapping[str, Mapping[str, float]] | None = None) -> None:
        self.seeds = dict(seeds or {})
        self.band = band
        #: results file -> its run's shifts between runs by scenario (``""``: pooled)
        self.shifts = {file: dict(known) for file, known in (shifts or {}).items()}
        self._cache: dict[tuple[str, str, str, str], Versus[S]] = {}

    def __call__(self, a: S, b: S) -> Versus[S]:
        key = (a.file, a.benchmark, b.file, b.benchmark)
        found = self._cache.get(key)
        if found is None:
            same = a.file == b.file
            known = self.shifts.get(a.file) if same else None
            found = judge(a, b, same_run=same, seed=self.seeds.get(a.file, 0) if same else 0, band=self.band,
                          shift=shift_for(a.scenario, known) if known else None)
            self._cache[key] = found
        return found
