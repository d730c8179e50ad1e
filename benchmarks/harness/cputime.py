"""CPU time (user + system) of a worker and every process under it, beside each wall-clock value.

Wall time on a shared VM moves with the machine (a vCPU slowed down, another guest's steal);
CPU time moves with the work, mostly.  A benchmark whose wall time drifts between rounds while
its CPU time does not was slowed by the machine, not by the model: the report says so.

What is counted, around the timed loop of each value (not the session's start-up and shutdown,
which the wall value leaves out too): the worker's own user + system time and its reaped
children's (``getrusage``, microseconds), plus every live descendant's, its own and its reaped
children's (``/proc/<pid>/stat``, in clock ticks of 10 ms: a pool's workers live for the whole
session).  Divided by the value's loops, as pyperf divides the wall time.  Where ``/proc`` is
missing only the worker and its reaped children count.

It reaches the results through a pyperf hook (:class:`CpuTimeHook`, given to the Runner and
forwarded to every worker with ``--hook``): after a worker's values, the hook writes their CPU
times into the run's metadata, :data:`CPU_TIMES` (one per value, comma-separated, in the order of
the values) and :data:`CPU_TIME` (their mean), keys of :mod:`benchmarks.core.formats`.
"""

from __future__ import annotations

import os
import resource
import statistics
from types import TracebackType
from typing import Any

from benchmarks.core.formats import CPU_TIME, CPU_TIMES

#: the name of the pyperf hook (``--hook``)
HOOK_NAME = "concbench-cpu-time"

#: CPU seconds per loop of each timed value since the hook last wrote them out (this process)
_recorded: list[float] = []


def _tick() -> float:
    try:
        return 1.0 / os.sysconf("SC_CLK_TCK")
    except (ValueError, OSError, AttributeError):
        return 0.01


TICK_S = _tick()


def _descendants_s(root: int) -> float:
    """CPU seconds of every live process under ``root`` (each one's own and its reaped children's)."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0.0
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                text = f.read()
        except OSError:
            continue  # it ended meanwhile
        fields = text[text.rindex(")") + 2:].split()
        pid = int(name)
        parent[pid] = int(fields[1])
        ticks[pid] = sum(int(field) for field in fields[11:15])  # utime, stime, cutime, cstime
    under: set[int] = {root}
    total = 0
    grew = True
    while grew:
        grew = False
        for pid, ppid in parent.items():
            if ppid in under and pid not in under:
                under.add(pid)
                total += ticks[pid]
                grew = True
    return total * TICK_S


def cpu_seconds() -> float:
    """User + system seconds of this process, its reaped children and its live descendants so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime + _descendants_s(os.getpid())


def record(cpu_s: float, loops: int) -> None:
    """Keep one timed value's CPU seconds (of ``loops`` loops) for the hook to write out."""
    _recorded.append(cpu_s / loops)


class CpuTimeHook:
    """A pyperf hook: at the end of a worker's warm-ups, then of its values, writes the CPU times
    :func:`record` kept into the run's metadata (the values' overwrite the warm-ups')."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def teardown(self, metadata: dict[str, Any]) -> None:
        if _recorded:
            metadata[CPU_TIMES] = ",".join(f"{v:.6g}" for v in _recorded)
            metadata[CPU_TIME] = float(f"{statistics.fmean(_recorded):.6g}")
        _recorded.clear()


class HookEntry:
    """What pyperf's ``Runner(hooks=...)`` takes: a name and ``load()`` giving the hook's class."""

    name = HOOK_NAME

    @staticmethod
    def load() -> type[CpuTimeHook]:
        return CpuTimeHook

