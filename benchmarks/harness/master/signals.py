"""Signals of the master: SIGTERM and SIGHUP handled as Ctrl-C, and the per-pair time limit of
verification.

A run that is stopped, by Ctrl-C or by SIGTERM, publishes what it measured; the exit
statuses say which stopped it, as a shell reports them.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.core.stopping import PAUSE_AT, STATUS, Stopped, pause_at

#: exit statuses: Ctrl-C, SIGTERM, SIGHUP (128 + the signal, as a shell reports them)
INTERRUPTED = 130
TERMINATED = 143
HUNG_UP = 129
#: the signals that stop a run, and its exit status for each
STOPPING = STATUS

__all__ = ["HUNG_UP", "INTERRUPTED", "PAUSE_AT", "STOPPING", "TERMINATED", "PairTimeout", "Signals",
           "pause_at", "time_limit"]


class Signals:
    """Ctrl-C, SIGTERM (what ``timeout``, CI runners and ``kill`` send) and SIGHUP stop a run the
    same way: the first raises KeyboardInterrupt where the master is, and the measurements that
    finished are published with the run info; any later one is only noted, so that a second
    Ctrl-C cannot break the publishing.  While :meth:`shielded` (a save, the publishing) the
    first is only noted too.  The exit status is the first signal's (:data:`STOPPING`).  A signal
    ignored on entry (``nohup``, a shell's background job) stays ignored."""

    def __init__(self) -> None:
        #: the first stopping signal received (None: none yet)
        self.received: int | None = None
        self._shield = 0

    @property
    def terminated(self) -> bool:
        return self.received == signal.SIGTERM

    @property
    def status(self) -> int | None:
        """The exit status the first signal asks for (None: no signal)."""
        return STOPPING[signal.Signals(self.received)] if self.received is not None else None

    def __enter__(self) -> Signals:
        self._pid = os.getpid()
        self._previous = {signum: signal.signal(signum, self._on_signal) for signum in STOPPING
                          if signal.getsignal(signum) is not signal.SIG_IGN}
        return self

    def _on_signal(self, signum: int, frame: object) -> None:
        if os.getpid() != self._pid:  # a child forked before it reset the handler: just die
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if self.received is not None:
            return  # one is enough: let the run publish
        self.received = signum
        if not self._shield:
            raise Stopped(signum)  # a KeyboardInterrupt that keeps its signal's exit status

    @contextmanager
    def shielded(self) -> Iterator[None]:
        """A stopping signal inside is noted, not raised: what is inside runs to its end."""
        self._shield += 1
        try:
            yield
        finally:
            self._shield -= 1

    def __exit__(self, *exc: object) -> None:
        # After a stopping signal the process is on its way out with that signal's status: a
        # later one is ignored to the end (a handler put back, or the interpreter's own shutdown,
        # which resets handlers to the default, would let a second Ctrl-C kill it with -2)
        for signum, previous in self._previous.items():
            signal.signal(signum, signal.SIG_IGN if self.received is not None else previous)


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
