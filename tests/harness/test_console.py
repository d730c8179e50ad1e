"""What a run prints (issue 23, part 7): one line in words per calibrated scenario, no parameter
dicts, nothing from child-process bookkeeping, and a closing line that says why the run stopped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.harness.master import group_of
from benchmarks.harness.master.calibrate import calibration_lines
from benchmarks.harness.plan import plan
from benchmarks.harness.profiles import PROFILES
from benchmarks.harness.registry import SCENARIOS
from benchmarks.scenarios.granularity import SCENARIO as GRANULARITY
from tests.support.cli import MINIMAL_PYPERF, run_cli

CAPACITY = "load_generator_capacity_rtps"


@pytest.mark.pyperf
def test_a_quick_tcp_echo_run_says_its_calibration_in_words(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = run_cli("run", "--scenario", "tcp_echo", "--model", "asyncio", "--param", "connections=2",
                   "--param", "round_trips=2000", "--param", "message_bytes=100", *MINIMAL_PYPERF,
                   "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith(("verifying", "round 1"))]
    calibration = [line for line in lines if line.startswith("tcp_echo:")]
    assert len(calibration) == 1, lines
    assert re.fullmatch(r"tcp_echo: the load generator drives up to (\d+k|[\d,]+) round trips/s here",
                        calibration[0]), calibration
    assert not [line for line in lines if "{" in line or "Unknown child process" in line], lines
    # the rounds' end, in words, then (after any warnings) where the results are
    stop = lines.index("stopped after 1 round(s): all 1 round(s) asked for are done")
    assert lines.index(calibration[0]) < stop
    assert lines[-1].startswith(f"wrote {out}")


def test_one_line_per_scenario_in_plan_order() -> None:
    cases, _ = plan(["tcp_echo", "granularity", "cpu_pure"], ["sequential"], profile=PROFILES["quick"])
    by_point = {}
    for case in cases:
        key = group_of(case)
        if case.scenario.name == "tcp_echo":
            by_point[key] = {CAPACITY: 188382.4 if len(by_point) % 2 else 23456.0, "peer": "native"}
        elif case.scenario.name == "granularity":
            by_point[key] = {"unit_us_measured": float(dict(key[1])["unit_us"]) * 1.1}
        else:
            by_point[key] = {}  # a scenario that measured nothing says nothing
    lines = calibration_lines(cases, by_point)
    assert [line.split(":")[0] for line in lines] == [
        name for name in dict.fromkeys(c.scenario.name for c in cases) if name != "cpu_pure"]
    tcp = next(line for line in lines if line.startswith("tcp_echo"))
    points = sum(1 for key in by_point if key[0] == "tcp_echo")
    assert tcp == ("tcp_echo: the load generator drives up to 188k round trips/s here"
                   + (f" (23k at the slowest of {points} parameter points)" if points > 1 else ""))
    assert lines[1] == "granularity: pure units of 100, 1000 us (nominal) take 110, 1,100 us here"


def test_granularity_names_each_kind_of_unit() -> None:
    found = [({"unit_kind": "pure", "unit_us": 10, "total_ms": 5}, {"unit_us_measured": 12.345}),
             ({"unit_kind": "pure", "unit_us": 100, "total_ms": 5}, {"unit_us_measured": 98.7}),
             ({"unit_kind": "hash", "unit_us": 10, "total_ms": 5}, {"unit_us_measured": 9.1})]
    assert GRANULARITY.calibrated(found) == ("pure units of 10, 100 us (nominal) take 12.3, 98.7 us here; "
                                             "hash units of 10 us (nominal) take 9.1 us here")


def test_the_default_words_name_each_measurement_and_its_range() -> None:
    scenario = SCENARIOS["cpu_pure"]  # no calibration of its own: the contract's default words
    found = [({}, {"probe_us": 3, "source": "a file"}), ({}, {"probe_us": 5.5, "source": "a file"})]
    assert scenario.calibrated(found) == "probe us 3 to 5.5; source a file"
    assert scenario.calibrated(found[:1]) == "probe us 3; source a file"
