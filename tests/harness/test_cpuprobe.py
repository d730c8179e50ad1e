"""The CPU speed probe: per-CPU numbers, pinning restored, warnings from fake speeds."""

from __future__ import annotations

import os

import pytest

from benchmarks.harness.cpuprobe import WARN_SPREAD, SpeedWatch, format_probe, probe, spread


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU pinning")
def test_probe_times_every_cpu_and_restores_the_pinning() -> None:
    before = os.sched_getaffinity(0)
    cpus = sorted(before)
    speeds = probe(cpus, steps=200, repeats=2)
    assert sorted(speeds) == cpus
    assert all(us > 0 for us in speeds.values())
    assert os.sched_getaffinity(0) == before


def test_no_cpus_no_probe() -> None:
    assert probe(None) == {}
    assert probe([]) == {}
    assert spread({}) == 1.0


def test_format_and_spread() -> None:
    speeds = {1: 3000.0, 0: 2000.0}
    assert format_probe(speeds) == "0:2000,1:3000"
    assert spread(speeds) == 1.5


def test_watch_warns_when_cpus_disagree() -> None:
    watch = SpeedWatch()
    note = watch.check({0: 2000.0, 1: 2000.0 * (WARN_SPREAD + 0.3)})
    assert note is not None
    assert note.startswith("CPU 1 ran 1.55x slower")


def test_watch_warns_when_a_cpu_slows_down_later_in_the_run() -> None:
    watch = SpeedWatch()
    assert watch.check({0: 2000.0, 1: 2100.0}) is None
    assert watch.check({0: 2050.0, 1: 2000.0}) is None  # within the allowed spread
    note = watch.check({0: 3000.0, 1: 3100.0})  # both slowed down together
    assert note is not None
    assert "CPU 1 ran 1.55x slower" in note


def test_watch_is_silent_without_probes() -> None:
    assert SpeedWatch().check({}) is None
