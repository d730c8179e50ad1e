"""CPU accounting of a tcp_echo session's processes, from Linux's /proc.

Two numbers per process over a window: the CPU time it used (user and kernel)
and the time its threads were runnable but waited for a CPU (``schedstat``'s
second field).  A server that used 60% of a CPU and waited 40% of the window
for one wanted the CPU all along: on a shared machine another process had it.
Utilisation alone would read that as a server waiting for its clients.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path


def _schedstat(path: Path) -> tuple[int, int]:
    """(ns on a CPU, ns waiting for one) of one thread."""
    run, wait, *_ = path.read_text().split()
    return int(run), int(wait)


def process_cpu(pid: int) -> tuple[float, float]:
    """User and kernel CPU seconds of another, single-threaded process.

    The total is the scheduler's nanosecond count (``schedstat``, the main thread's);
    ``stat``'s clock ticks (10 ms) only split it into user and kernel time.  A
    process that has gone (a killed worker) counts as zero: the run fails anyway.
    """
    try:
        ticks = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13]
        total = _schedstat(Path(f"/proc/{pid}/schedstat"))[0] / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0, 0.0
    user, kernel = int(ticks[0]), int(ticks[1])
    share = user / (user + kernel) if user + kernel else 0.5
    return total * share, total * (1 - share)


def own_cpu() -> tuple[float, float]:
    """User and kernel CPU seconds of this process, every thread, finished ones included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime, usage.ru_stime


def runqueue_wait(pid: int | None = None) -> float:
    """Seconds the live threads of ``pid`` (default: this process) waited for a CPU so far."""
    tasks = Path(f"/proc/{os.getpid() if pid is None else pid}/task")
    total = 0
    try:
        entries = list(tasks.iterdir())
    except OSError:
        return 0.0
    for task in entries:
        try:
            total += _schedstat(task / "schedstat")[1]
        except (OSError, ValueError):
            continue  # a thread that ended meanwhile
    return total / 1e9
