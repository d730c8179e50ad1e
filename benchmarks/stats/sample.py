"""What the statistics need of a benchmark's measurements, whoever holds them.

The report's samples (``analysis``) and the planner's tracks (``benchmarks.harness.rounds``)
both present their values round by round; the statistics read only these
fields, so both sides rank, pair and judge through the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

#: round number -> the worker processes of one benchmark in that round -> that process's values (seconds)
Rounds = Mapping[int, Sequence[Sequence[float]]]


class Measured(Protocol):
    """A benchmark's values in one results file (or one running run)."""

    @property
    def file(self) -> str: ...  # the results file: samples of one file share rounds

    @property
    def benchmark(self) -> str: ...

    @property
    def scenario(self) -> str: ...  # what the shift between runs is looked up by

    @property
    def rounds(self) -> object | None: ...  # None: measured before rounds existed (no pairing)

    @property
    def by_round(self) -> Rounds: ...

    @property
    def median(self) -> float: ...


S = TypeVar("S", bound=Measured)


@dataclass(frozen=True)
class RoundValues:
    """A :class:`Measured` made from round-by-round values alone (what the planner has mid-run)."""

    benchmark: str
    by_round: Rounds
    file: str = ""
    scenario: str = ""

    @property
    def rounds(self) -> object | None:
        return self.by_round

    @property
    def median(self) -> float:
        values = sorted(v for processes in self.by_round.values() for values in processes for v in values)
        if not values:
            return float("inf")
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
