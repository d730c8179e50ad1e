"""How fast each CPU runs right now: a fixed pure-Python loop, pinned to one CPU at a time.

On a shared VM a vCPU's speed can change on its own within seconds (on the
reference machine the same unit, pinned, took 27 ms on one CPU and 44 ms on
the other at the same moment).  pyperf measures one benchmark after another,
so such drift turns into wrong ratios between models, and a pool of 2 runs at
the speed of its slower CPU.  The master probes every CPU the workers may use
before each benchmark and records the result in its metadata
(``cpu_probe_us``, ``cpu_probe_spread``); the runner warns when the CPUs
disagree, or when one runs well below its best speed of the run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

from benchmarks.core.work import MODULUS

#: LCG steps of one probe: about 2 ms on the reference machine
PROBE_STEPS = 10_000
PROBE_REPEATS = 3
#: slowest / fastest probe beyond which the runner warns
WARN_SPREAD = 1.25


def _loop(steps: int) -> int:
    x = 1
    for _ in range(steps):
        x = (6364136223846793005 * x + 1442695040888963407) % MODULUS
    return x


def _best_us(work: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return round(best * 1e6, 1)


def probe(cpus: Sequence[int] | None, steps: int = PROBE_STEPS,
          repeats: int = PROBE_REPEATS) -> dict[int, float]:
    """Best-of-``repeats`` microseconds of the loop on each CPU; {} where threads cannot be pinned."""
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return {}
    before = os.sched_getaffinity(0)
    result = {}
    try:
        for cpu in cpus:
            os.sched_setaffinity(0, {cpu})
            result[cpu] = _best_us(lambda: _loop(steps), repeats)
    finally:
        os.sched_setaffinity(0, before)
    return result


def format_probe(speeds: dict[int, float]) -> str:
    return ",".join(f"{cpu}:{us:g}" for cpu, us in sorted(speeds.items()))


def spread(speeds: dict[int, float]) -> float:
    """Slowest / fastest CPU of one probe (1.0: they agree)."""
    return round(max(speeds.values()) / min(speeds.values()), 3) if speeds else 1.0


class SpeedWatch:
    """Each CPU's best probe so far in a run, to tell when one has slowed down."""

    def __init__(self) -> None:
        self.best: dict[int, float] = {}

    def check(self, speeds: dict[int, float]) -> str | None:
        """A warning when this probe's CPUs disagree, or run slower than their best of the run."""
        for cpu, us in speeds.items():
            self.best[cpu] = min(us, self.best.get(cpu, us))
        if not speeds:
            return None
        fastest = min(self.best.values())
        slowest_cpu = max(speeds, key=lambda cpu: speeds[cpu])
        slowdown = speeds[slowest_cpu] / fastest
        if slowdown <= WARN_SPREAD:
            return None
        return (f"CPU {slowest_cpu} ran {slowdown:.2f}x slower than the fastest CPU's best of the run "
                f"just before it (probe, us: {format_probe(speeds)}): ratios against benchmarks "
                f"measured at another time are suspect, and a pool is as slow as its slowest CPU")


def cpu_ticks(cpus: Sequence[int] | None, stat: str = "/proc/stat") -> tuple[int, int] | None:
    """(steal, total) clock ticks so far of ``cpus`` (None: of all CPUs), from ``stat``; None
    where it cannot be read (no /proc, a kernel without the steal column)."""
    try:
        with open(stat) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    wanted = {"cpu"} if not cpus else {f"cpu{cpu}" for cpu in cpus}
    steal = total = 0
    found = 0
    for line in lines:
        fields = line.split()
        if fields and fields[0] in wanted and len(fields) >= 9:
            # user nice system idle iowait irq softirq steal (guest time is already in user, nice)
            ticks = [int(x) for x in fields[1:9]]
            steal += ticks[7]
            total += sum(ticks)
            found += 1
    return (steal, total) if found == len(wanted) else None


def steal_fraction(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The fraction of the CPUs' time the hypervisor gave to others between two :func:`cpu_ticks`."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return round((after[0] - before[0]) / (after[1] - before[1]), 4)

