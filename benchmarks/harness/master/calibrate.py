"""Comparison groups and the scenarios' one-off calibration (a load generator's capacity, say).

A group is a scenario at one point of its own parameters: what its models are compared at.
Calibration runs once per group, not once per model, and its results go into the metadata
of every benchmark of the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from benchmarks.core.params import Value
from benchmarks.harness.plan import Case
from benchmarks.harness.progress import Console

Group = tuple[str, tuple[tuple[str, Value], ...]]


def group_of(case: Case) -> Group:
    """The comparison group of a benchmark: its scenario at one point of the scenario's own
    parameters (what the models are compared at)."""
    own = {p.name for p in case.scenario.params}
    return case.scenario.name, tuple((k, v) for k, v in case.params.items() if k in own)


def calibrate(cases: Sequence[Case], console: Console) -> dict[str, dict[str, Any]]:
    """Each scenario's one-off measurements, once per parameter point (not per model); then one
    line per scenario that measured anything, in its own words (``Scenario.calibrated``)."""
    by_point: dict[Group, dict[str, Any]] = {}
    result = {}
    for case in cases:
        key = group_of(case)
        if key not in by_point:
            by_point[key] = case.scenario.calibrate(dict(key[1]))
        result[case.name] = by_point[key]
    for line in calibration_lines(cases, by_point):
        console.say(line)
    return result


def calibration_lines(cases: Sequence[Case], by_point: dict[Group, dict[str, Any]]) -> list[str]:
    """``tcp_echo: the load generator drives up to 188k round trips/s here``: a scenario's points
    in plan order, said by the scenario; nothing for one that measured nothing."""
    scenarios = {case.scenario.name: case.scenario for case in cases}
    lines = []
    for name, scenario in scenarios.items():
        found = [(dict(params), values) for (s, params), values in by_point.items() if s == name and values]
        if found:
            lines.append(f"{name}: {scenario.calibrated(found)}")
    return lines
