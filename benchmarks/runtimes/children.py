"""The helper processes a session starts (a reference server, a load generator), by what they
are: when a pyperf worker fails, it names the helper that died and how (:func:`dead`)."""

from __future__ import annotations

import signal
import subprocess
from typing import Any

#: what each helper started in this process is, and its process
_STARTED: list[tuple[str, subprocess.Popen[Any]]] = []


def started(what: str, proc: subprocess.Popen[Any]) -> subprocess.Popen[Any]:
    """Remember ``proc`` as ``what`` ("the reference server"); ``proc`` itself."""
    _STARTED[:] = [(w, p) for w, p in _STARTED if p.returncode is None]  # forget those ended
    _STARTED.append((what, proc))
    return proc


def how(returncode: int) -> str:
    """A return code as a sentence's end: "was killed by SIGKILL", "exited with status 3"."""
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with status {returncode}"


def dead() -> list[str]:
    """The helpers that ended other than by a clean exit, each as one phrase."""
    return [f"{what} (pid {proc.pid}) {how(code)}" for what, proc in _STARTED
            if (code := proc.poll()) is not None and code != 0]
