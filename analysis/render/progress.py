"""A long report's progress on a terminal: one line per phase, and only once it has taken a while.

A report of a few benchmarks takes a second and should print nothing but
where it wrote.  A full run's takes about 10 s, nearly all of it drawing
charts: long enough to wonder whether anything is happening.  So a phase is
announced, one line on stderr, only if the report has already been running
for :data:`AFTER` seconds when the phase starts or at one of its later steps
(each chart drawn is a step), and only when stderr is a terminal: a pipe, a
log or a test sees nothing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

#: Seconds a report runs before its phases are announced.
AFTER = 1.0
PREFIX = "python -m analysis: "


class Progress:
    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None,
                 clock: Callable[[], float] = time.monotonic, after: float = AFTER) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.clock = clock
        self.after = after
        self.started = clock()
        self._current: str | None = None
        self._said: str | None = None

    def phase(self, text: str) -> None:
        """A new phase begins: announced now if the report has already taken a while."""
        self._current = text
        self.step()

    def step(self) -> None:
        """Some work of the current phase is done: announce the phase if it is time and not yet done."""
        if (self.enabled and self._current is not None and self._current != self._said
                and self.clock() - self.started >= self.after):
            print(PREFIX + self._current, file=self.stream, flush=True)
            self._said = self._current


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


#: Prints nothing, whatever happens.
QUIET = Progress(enabled=False)
