"""Why a pyperf worker failed, in one line for the console and in full for a log.

A worker that raises would print its whole traceback (40-80 lines) between the master's
progress lines, and pyperf's master knows only its exit status.  Instead the worker appends
one JSON record to the failure log (``--failure-log``: a hidden file beside the results file,
published as ``<stem>.failures.log`` under the stem the results get): the error in
one line, the helper processes of its session that died (:mod:`benchmarks.runtimes.children`)
and the traceback; the master reads it back to say in its ``FAILED`` line what died.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from benchmarks.harness.worker import leaf
from benchmarks.runtimes.children import dead

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def one_line(exc: BaseException) -> str:
    exc = leaf(exc)
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def worker_hook(log: str, benchmark: str) -> Hook:
    """A ``sys.excepthook`` for a worker timing ``benchmark``: the record goes to ``log`` (the
    master prints the one line), or one line to stderr if ``log`` cannot be written."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        died = dead()
        record = {"benchmark": benchmark, "error": one_line(exc), "died": died,
                  "traceback": "".join(traceback.format_exception(kind, exc, tb))}
        try:
            with open(log, "a") as f:
                f.write(json.dumps(record) + "\n")
        except OSError:  # the master cannot say why: this worker does, in one line
            sys.stderr.write(f"worker: {'; '.join(died) + ': ' if died else ''}{one_line(exc)}\n")

    return hook


def reason(log: Path, since: int, benchmark: str) -> str | None:
    """What the log says of ``benchmark``'s failure after byte ``since``: what died and the error."""
    try:
        with open(log, "rb") as f:
            f.seek(since)
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("benchmark") == benchmark:
            died = "; ".join(record.get("died") or [])
            return f"{died}; then " + str(record.get("error")) if died else str(record.get("error"))
    return None


def size_of(log: Path) -> int:
    try:
        return log.stat().st_size
    except OSError:
        return 0
