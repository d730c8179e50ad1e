"""One progress line per benchmark: position, elapsed time and an ETA.

The ETA weighs each remaining benchmark by its predicted cost (from how long
its verification run took and pyperf's settings), scaled by how long the
finished benchmarks actually took per unit of predicted cost.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TextIO


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    def __init__(self, weights: Sequence[float], stream: TextIO = sys.stderr, label: str = "") -> None:
        self._weights = list(weights)
        self._label = f"{label} " if label else ""
        self._stream = stream
        self._start = time.monotonic()
        self._done_weight = 0.0

    def eta(self, index: int) -> float | None:
        """Seconds left before benchmark ``index`` starts running to the end."""
        if self._done_weight <= 0:
            return None
        rate = (time.monotonic() - self._start) / self._done_weight
        return rate * sum(self._weights[index:])

    def start(self, index: int, name: str) -> None:
        elapsed = time.monotonic() - self._start
        eta = self.eta(index)
        eta_text = "ETA --:--" if eta is None else f"ETA {format_duration(eta)}"
        total = len(self._weights)
        print(f"{self._label}[{index + 1}/{total}] elapsed {format_duration(elapsed)}, {eta_text}: {name}",
              file=self._stream, flush=True)

    def finish(self, index: int) -> None:
        self._done_weight += self._weights[index]

    def elapsed(self) -> float:
        return time.monotonic() - self._start
