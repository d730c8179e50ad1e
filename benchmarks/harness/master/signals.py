"""Signals of the master: SIGTERM handled as Ctrl-C, and the per-pair time limit of verification.

A run that is stopped, by Ctrl-C or by SIGTERM, publishes what it measured; the exit
statuses say which stopped it, as a shell reports them.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

#: exit statuses: Ctrl-C, SIGTERM (128 + the signal, as a shell reports them)
INTERRUPTED = 130
TERMINATED = 143


class Signals:
    """SIGTERM (what ``timeout``, CI runners and ``kill`` send) is handled as Ctrl-C is: the
    measurements that finished are published with the run info, then the run exits 143."""

    def __init__(self) -> None:
        self.terminated = False

    def __enter__(self) -> Signals:
        self._pid = os.getpid()
        self._previous = signal.signal(signal.SIGTERM, self._on_term)
        return self

    def _on_term(self, signum: int, frame: object) -> None:
        if os.getpid() != self._pid:  # a child forked before it reset the handler: just die
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        self.terminated = True
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # one is enough: let the run publish
        raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGTERM, self._previous)


class PairTimeout(Exception):
    """A pair's untimed verification ran past the run's per-pair limit (pyperf's --timeout)."""


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise PairTimeout in the main thread after ``seconds`` (SIGALRM; a scenario that arms its
    own timer, as cancel_timeout's alarm deadline does, puts this one back when it is done)."""
    if not seconds:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise PairTimeout(f"verification took more than {seconds:g} s (--timeout)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
