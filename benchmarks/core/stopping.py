"""How a command of the suite ends on SIGINT, SIGTERM or SIGHUP: one line, the status a shell
reports for the signal (130, 143, 129), never a traceback, whatever the command was doing.

:func:`stoppable` runs a command's body with the three signals raising :class:`Stopped` (a
KeyboardInterrupt, so the clean-up of every ``finally`` and ``with`` runs on the way out); the
body's callers catch it, say one line and return :func:`status_of`.  A run's master puts its
own handlers in place while it measures (:mod:`benchmarks.harness.master.signals`: it
publishes what finished), and this module's are back once it returns.  A signal the command
was started with ignored (``nohup``, a shell's background job) stays ignored.

Imports nothing of the project (the analysis uses it too) and nothing heavy: the entry points
install it before they import the rest.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

#: the signals that stop a command, and its exit status for each (128 + the signal, as a shell)
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
#: set to a point's name (``calibration``, ``between``, ``report``), the command says "paused at
#: NAME" on stderr and waits there up to :data:`PAUSE_S`: how tests signal it at that moment
PAUSE_AT = "CONCBENCH_PAUSE_AT"
PAUSE_S = 30.0


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (or SIGINT) stopped the command: a KeyboardInterrupt with its signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def status_of(exc: KeyboardInterrupt) -> int:
    """The exit status for a stop: the signal's (a plain KeyboardInterrupt is Ctrl-C's, 130)."""
    return STATUS[signal.Signals(exc.signum)] if isinstance(exc, Stopped) else STATUS[signal.SIGINT]


def stopped_line(prog: str, exc: KeyboardInterrupt) -> str:
    """The one line a stopped command says."""
    if isinstance(exc, Stopped) and exc.signum != signal.SIGINT:
        return f"{prog}: stopped by {signal.Signals(exc.signum).name}"
    return f"{prog}: interrupted"


def command(prog: str, body: Callable[[], int], argv: Sequence[str], for_good: bool = False) -> int:
    """``body()``, a command's whole work, :func:`stoppable`: its exit status, or a stop's (one
    line said).  ``for_good``: the process exits next (see :func:`stoppable`).  A pyperf worker
    (``--worker`` in ``argv``) keeps the default handlers: its master decides how a run ends."""
    worker = "--worker" in argv
    with nullcontext() if worker else stoppable(for_good):
        try:
            return body()
        except KeyboardInterrupt as exc:
            print(stopped_line(prog, exc), file=sys.stderr)
            return status_of(exc)


@contextmanager
def stoppable(for_good: bool = False) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise :class:`Stopped` inside, unless ignored on entry.

    On leaving, the previous handlers come back; with ``for_good`` (a process's entry point,
    which exits next) the three are ignored instead: a signal during the interpreter's own exit
    (its atexit handlers, the modules' teardown) would otherwise be a traceback or a death by
    signal after the command had finished."""
    pid = os.getpid()
    stopped: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        if os.getpid() != pid:  # a child forked before it set its own handlers: die as asked
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if stopped:
            return  # one is enough: a second Ctrl-C must not cut the clean-up of the first short
        stopped.append(signum)
        if _Held.depth:
            _Held.first = signum  # raised when the deferred block is left
            return
        raise Stopped(signum)

    previous: dict[int, Any] = {}
    for signum in STATUS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, on_signal)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, signal.SIG_IGN if for_good else handler)


class _Held:
    """Signals that came while :func:`deferred` held them: how deep, and which came first."""

    depth = 0
    first: int | None = None


@contextmanager
def deferred() -> Iterator[None]:
    """The three signals wait at the door while inside (a publication that must not be cut in
    half); the first that came meanwhile stops the command when the block is left.  Both ways
    are needed: the handlers of :func:`stoppable` run in the main thread whatever thread the
    kernel chose, so they hold the signal themselves; the mask keeps a default action (no
    handler set) from cutting in."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STATUS)
    _Held.depth += 1
    try:
        yield
    finally:
        _Held.depth -= 1
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        if not _Held.depth and _Held.first is not None:
            signum, _Held.first = _Held.first, None
            raise Stopped(signum)


def pause_at(point: str, say: Callable[[str], None]) -> None:
    """Wait at ``point`` when :data:`PAUSE_AT` names it (tests signal the command there)."""
    if os.environ.get(PAUSE_AT) == point:
        say(f"paused at {point}")
        time.sleep(PAUSE_S)
