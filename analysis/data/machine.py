"""What the machine did per measurement, and where wall time moved while CPU time did not.

**Steal and probe.**  Every measurement (one benchmark's worker processes in one round) records
the CPU probe taken just before it (``cpu_probe_us``: the slowest CPU's microseconds) and the CPU
steal while it ran (``cpu_steal``: the fraction of the workers' CPUs' time the hypervisor gave
to other guests).  A measurement lies **far outside** its run's typical range when its steal is
more than :data:`STEAL_POINTS` above the run's median steal, or its probe more than
:data:`PROBE_FACTOR` times the run's median probe (the runner's slow-CPU threshold).  Such
measurements are listed; they are not measured again (yet).

**CPU time beside wall time.**  A benchmark's wall time per round that spreads by
:data:`WALL_DRIFT` or more (largest per-round median / smallest) while its CPU time per round
spreads by at most a third as much was slowed by the machine (steal, a slow vCPU, a neighbour),
not by its own work: :func:`cpu_drift` says so.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import pandas as pd

from benchmarks.core.formats import CPU_STEAL
from benchmarks.stats.paired import round_medians
from benchmarks.stats.text import format_factor

from .samples import Sample

#: steal this many points (of the CPUs' time) above the run's median is far outside its range
STEAL_POINTS = 0.05
#: a probe this many times the run's median is far outside its range (the runner's WARN_SPREAD)
PROBE_FACTOR = 1.25
#: wall time per round spreading this much (max / min of per-round medians) is a drift
WALL_DRIFT = 1.15


@dataclass(frozen=True)
class Measurement:
    file: str
    benchmark: str
    round: int
    steal: float | None
    probe_us: float | None  # the slowest CPU of the probe before it


def _slowest(probe: object) -> float | None:
    """``"0:1339.7,1:1456.4"`` -> 1456.4; None where absent or unreadable."""
    if not isinstance(probe, str) or not probe:
        return None
    try:
        return max(float(part.partition(":")[2]) for part in probe.split(","))
    except ValueError:
        return None


def measurements(frame: pd.DataFrame) -> list[Measurement]:
    """One per (file, benchmark, round): its steal and probe, where recorded."""
    found: list[Measurement] = []
    if "round" not in frame.columns:
        return found
    for (file, bench, number), group in frame.groupby(["file", "benchmark", "round"], sort=False):
        first = group.iloc[0]
        steal = first.get(CPU_STEAL)
        found.append(Measurement(
            str(file), str(bench), int(number),
            float(steal) if isinstance(steal, int | float) and math.isfinite(steal) else None,
            _slowest(first.get("cpu_probe_us"))))
    return found


@dataclass(frozen=True)
class MachineNoise:
    file: str
    count: int
    steal: tuple[float, float] | None  # (median, highest) steal; None: not recorded
    worst_steal: Measurement | None
    probe: tuple[float, float] | None  # (median, slowest) probe, us
    outside: tuple[tuple[Measurement, str], ...]  # far outside the run's range, and why


def machine_noise(frame: pd.DataFrame) -> list[MachineNoise]:
    """Per results file, its measurements' steal and probe, and those far outside the typical range."""
    by_file: dict[str, list[Measurement]] = {}
    for m in measurements(frame):
        by_file.setdefault(m.file, []).append(m)
    out = []
    for file, found in by_file.items():
        steals = [m.steal for m in found if m.steal is not None]
        probes = [m.probe_us for m in found if m.probe_us is not None]
        steal_median = statistics.median(steals) if steals else None
        probe_median = statistics.median(probes) if probes else None
        outside = []
        for m in found:
            why = []
            if m.steal is not None and steal_median is not None and m.steal > steal_median + STEAL_POINTS:
                why.append(f"steal {m.steal:.1%}")
            times = m.probe_us / probe_median if m.probe_us is not None and probe_median else None
            if times is not None and times > PROBE_FACTOR:
                why.append(f"probe {format_factor(times)}x the median")
            if why:
                outside.append((m, ", ".join(why)))
        worst = max((m for m in found if m.steal is not None), key=lambda m: m.steal or 0.0, default=None)
        out.append(MachineNoise(
            file, len(found),
            (steal_median, max(steals)) if steal_median is not None else None, worst,
            (probe_median, max(probes)) if probe_median is not None else None, tuple(outside)))
    return out


@dataclass(frozen=True)
class CpuDrift:
    wall: float  # max / min of the per-round wall medians
    cpu: float  # the same of the per-round CPU medians, over the same rounds

    @property
    def short(self) -> str:
        return f"wall drift {format_factor(self.wall)}x, CPU {format_factor(self.cpu)}x"


def cpu_drift(sample: Sample) -> CpuDrift | None:
    """Where the wall time per round drifted (by :data:`WALL_DRIFT` or more) and the CPU time did not
    (its spread at most a third of the wall's, over the same rounds, at least 2 of them)."""
    wall = round_medians(sample.by_round) if sample.rounds is not None else {}
    cpu = {r: c for r, c in sample.cpu_rounds if c > 0 and r in wall}
    if len(cpu) < 2:
        return None
    wall_spread = max(wall[r] for r in cpu) / min(wall[r] for r in cpu)
    cpu_spread = max(cpu.values()) / min(cpu.values())
    if wall_spread < WALL_DRIFT or cpu_spread - 1 > (wall_spread - 1) / 3:
        return None
    return CpuDrift(wall_spread, cpu_spread)
