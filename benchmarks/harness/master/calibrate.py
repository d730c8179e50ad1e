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
    """Each scenario's one-off measurements, once per parameter point (not per model)."""
    by_point: dict[Group, dict[str, Any]] = {}
    result = {}
    for case in cases:
        key = group_of(case)
        if key not in by_point:
            by_point[key] = case.scenario.calibrate(dict(key[1]))
            for name, value in by_point[key].items():
                console.say(f"{case.scenario.name} {dict(key[1])}: {name} = {value}")
        result[case.name] = by_point[key]
    return result
