"""granularity: every point of the sweep does the same total work, whatever the unit size."""

from __future__ import annotations

import pytest

from benchmarks import MODELS, PROFILES, SCENARIOS, checksum, plan
from benchmarks.runtimes.loops import PackagedLoopModel
from benchmarks.scenarios import granularity
from tests.support.tiny import available_models

SCENARIO = SCENARIOS["granularity"]


@pytest.mark.parametrize("profile", ["quick", "default"])
def test_every_point_of_a_sweep_does_the_same_total_work(profile: str) -> None:
    cases, _ = plan(["granularity"], ["sequential"], profile=PROFILES[profile])
    totals = {}
    for case in cases:
        kind = case.params["unit_kind"]
        work = case.work.n * granularity.unit_size(str(kind), int(case.params["unit_us"]))
        totals.setdefault(kind, set()).add(work)
    assert set(totals) == set(SCENARIO.params[0].sweep(profile == "quick"))
    assert all(len(works) == 1 for works in totals.values()), totals


def test_unit_sizes_span_the_sweep() -> None:
    cases, _ = plan(["granularity"], ["processes"])
    sizes = sorted({int(c.params["unit_us"]) for c in cases})
    assert sizes[0] <= 10
    assert sizes[-1] >= 10_000
    # the largest unit still leaves one unit for each of two CPUs
    assert min(c.work.n for c in cases) >= 2


def test_a_unit_larger_than_the_total_is_one_unit() -> None:
    assert granularity.units({"total_ms": 1, "unit_us": 5000}) == 1


@pytest.mark.parametrize("kind", granularity.UNIT_KINDS)
def test_expected_does_not_come_from_the_models(kind: str) -> None:
    params = {"unit_kind": kind, "unit_us": 20, "total_ms": 1}
    work = SCENARIO.work(params)
    assert work.n == 50
    assert checksum(work.call(i) for i in range(work.n)) == SCENARIO.expected(params)


def test_calibration_measures_a_unit() -> None:
    measured = SCENARIO.calibrate({"unit_kind": "pure", "unit_us": 100, "total_ms": 1})
    assert measured["unit_us_measured"] > 0


def test_only_models_that_can_use_more_cpus_take_part() -> None:
    _, unsupported = plan(["granularity"], profile=PROFILES["quick"])
    by_design = {c.model.name for c, _ in unsupported if c.model.name in available_models()}
    # the fast loops from PyPI (veloxloop, talyn, ...) run CPU units inline, as asyncio does; dask
    # takes part: from which unit a cluster pays
    fast_loops = {name for name in available_models() if isinstance(MODELS[name], PackagedLoopModel)}
    assert by_design == {
        "asyncio", "uvloop", "rloop", "to_thread", "executor-thread", "trio", "trio-to_thread", "anyio",
        "anyio-to_thread", "anyio-to_process", "gevent", *fast_loops}
