"""What a run tells its user while it runs: one status line, rewritten in place on a terminal.

On a terminal the status line (phase, position, elapsed, ETA, benchmark) is rewritten in
place, and permanent lines (a failure, the summary) are printed above it; when the output is
not a terminal (CI, a log file) every status is a plain line of its own.

The ETA weighs each remaining benchmark by its predicted cost (from how long
its verification run took and pyperf's settings), scaled by how long the
finished benchmarks actually took per unit of predicted cost.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Sequence
from typing import TextIO


def format_duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Console:
    """The run's messages: a status line (in place on a terminal) and permanent lines."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._open = False

    def status(self, text: str) -> None:
        if not self.live:
            print(text, file=self.stream, flush=True)
            return
        width = shutil.get_terminal_size().columns
        self.stream.write("\r\x1b[K" + text[: max(width - 1, 20)])
        self.stream.flush()
        self._open = True

    def say(self, text: str) -> None:
        """A permanent line, above the status line."""
        if self._open:
            self.stream.write("\r\x1b[K")
            self._open = False
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False


class Progress:
    def __init__(self, weights: Sequence[float], console: Console | None = None, label: str = "") -> None:
        self._weights = list(weights)
        self._label = f"{label} " if label else ""
        self._console = console or Console()
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
        self._console.status(f"{self._label}[{index + 1}/{total}] elapsed {format_duration(elapsed)}, "
                             f"{eta_text}: {name}")

    def finish(self, index: int) -> None:
        self._done_weight += self._weights[index]

    def elapsed(self) -> float:
        return time.monotonic() - self._start
