"""CPU steal and probe per measurement, CPU time beside wall time (analysis.data.machine,
benchmarks.harness.cputime, benchmarks.harness.cpuprobe's steal): from made-up inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from analysis.data.machine import cpu_drift, machine_noise
from analysis.data.samples import Sample
from benchmarks.core.formats import CPU_TIME, CPU_TIMES
from benchmarks.harness.cpuprobe import cpu_ticks, steal_fraction
from benchmarks.harness.cputime import CpuTimeHook, cpu_seconds, record


def _frame(steals: list[float], probes: list[float]) -> pd.DataFrame:
    return pd.DataFrame({
        "file": "f.json", "benchmark": [f"b{i % 2}" for i in range(len(steals))],
        "round": [i // 2 for i in range(len(steals))], "cpu_steal": steals,
        "cpu_probe_us": [f"0:1000,1:{p:g}" for p in probes]})


def test_measurements_far_outside_the_runs_range_are_listed() -> None:
    steals = [0.0, 0.01, 0.0, 0.09, 0.01, 0.0]  # round 2, b1: 8 points above the median
    probes = [1000, 1010, 1400, 1000, 990, 1005]  # round 2, b0: 1.40x the median (1002.5)
    (noise,) = machine_noise(_frame(steals, probes))
    assert noise.count == 6
    assert noise.steal == (0.005, 0.09)
    assert noise.worst_steal is not None
    assert (noise.worst_steal.benchmark, noise.worst_steal.round) == ("b1", 1)
    assert [(m.benchmark, m.round, why) for m, why in noise.outside] == [
        ("b0", 1, "probe 1.40x the median"), ("b1", 1, "steal 9.0%")]


def test_a_quiet_run_has_nothing_outside() -> None:
    (noise,) = machine_noise(_frame([0.0] * 4, [1000, 1010, 1020, 1000]))
    assert noise.outside == ()


def _sample(wall: list[float], cpu: list[float]) -> Sample:
    rounds = tuple((r, ((w,),)) for r, w in enumerate(wall))
    return Sample("f", "b", "s", "cpu", "m", (), tuple(wall), rounds=rounds,
                  cpu_median=cpu[0], cpu_rounds=tuple(enumerate(cpu)))


def test_wall_drift_without_cpu_drift_is_the_machines() -> None:
    found = cpu_drift(_sample([1.0, 1.3, 1.0], [0.9, 0.92, 0.9]))
    assert found is not None
    assert found.short == "wall drift 1.30x, CPU 1.02x"
    assert cpu_drift(_sample([1.0, 1.3, 1.0], [0.9, 1.17, 0.9])) is None  # the work itself took longer
    assert cpu_drift(_sample([1.0, 1.1, 1.0], [0.9, 0.9, 0.9])) is None  # within 15%


def test_steal_from_proc_stat(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  10 0 10 70 0 0 0 10 0 0\ncpu0 5 0 5 35 0 0 0 5 0 0\ncpu1 5 0 5 35 0 0 0 5 0 0\n")
    before = cpu_ticks([0, 1], str(stat))
    assert before == (10, 100)
    stat.write_text("cpu  0\ncpu0 15 0 5 35 0 0 0 25 0 0\ncpu1 5 0 5 115 0 0 0 5 0 0\n")
    assert steal_fraction(before, cpu_ticks([0, 1], str(stat))) == 0.1818  # 20 of 110 ticks
    assert cpu_ticks([2], str(stat)) is None  # no such CPU
    assert steal_fraction(None, before) is None


def test_the_hook_writes_each_values_cpu_time_per_loop() -> None:
    for seconds in (0.2, 0.4):
        record(seconds, loops=2)
    metadata: dict[str, object] = {}
    CpuTimeHook().teardown(metadata)
    assert metadata == {CPU_TIMES: "0.1,0.2", CPU_TIME: 0.15}
    CpuTimeHook().teardown(metadata)  # consumed: the values' list is not the warm-ups' again
    assert metadata[CPU_TIMES] == "0.1,0.2"


def test_cpu_time_counts_a_live_child() -> None:
    """A child that burns 0.3 s of CPU and then waits, still alive: its CPU time is counted."""
    burn = ("import sys, time\nwhile time.process_time() < 0.3: pass\nprint('done', flush=True)\n"
            "sys.stdin.read()")
    before = cpu_seconds()
    child = subprocess.Popen([sys.executable, "-c", burn], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "done\n"
        assert cpu_seconds() - before >= 0.28  # clock ticks of 10 ms
    finally:
        child.communicate("")
