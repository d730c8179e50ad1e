"""Proof of extension: a new plain scenario of N units is one class, and every model runs it.

``SCENARIOS`` makes this module a plugin (``--plugin tests.harness.test_extension_scenarios``), so the
scenario reaches pyperf's worker processes (and, through pickling by reference, the process
pools' children) in the run below.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path

import pyperf
import pytest

from benchmarks import MODELS as REGISTERED_MODELS
from benchmarks import PROFILES, Checksum, Param, Scenario, Work, checksum, plan, register
from benchmarks import SCENARIOS as REGISTERED_SCENARIOS
from benchmarks.core.params import Value
from benchmarks.core.work import MODULUS, inline_async
from benchmarks.harness.worker import run_apart
from tests.support.cli import MINIMAL_PYPERF, run_cli
from tests.support.tiny import available_models

PLUGIN = __name__


def power(i: int, *, exponent: int) -> int:
    """Module level, so that process pools can ship it."""
    return pow(i + 1, exponent, MODULUS)


class Powers(Scenario):
    name = "powers"
    summary = "N units computing (i + 1) ** e mod a prime (extension test)"
    kind = "cpu"
    params = (
        Param("n", int, (12,), "number of units", quick=(5,), minimum=1),
        Param("exponent", int, (1000,), "the power", minimum=1),
    )

    def work(self, params: Mapping[str, Value]) -> Work:
        call = partial(power, exponent=int(params["exponent"]))
        return Work(n=int(params["n"]), kind=self.kind, call=call, acall=inline_async(call))

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        exponent = int(params["exponent"])
        return checksum(pow(i + 1, exponent, MODULUS) for i in range(int(params["n"])))


SCENARIOS = [Powers()]


@pytest.fixture
def registered() -> Iterator[None]:
    register(scenarios=SCENARIOS)
    yield
    del REGISTERED_SCENARIOS[Powers.name]


@pytest.mark.usefixtures("registered", "no_leaks")
def test_every_model_computes_the_new_scenario() -> None:
    cases, unsupported = plan(scenarios=[Powers.name], profile=PROFILES["quick"])
    # nobody declines plain units, but for what this interpreter lacks (subinterpreters before 3.13)
    assert {c.model.name for c in cases} == set(available_models())
    assert {c.model.name for c, _ in unsupported} == set(REGISTERED_MODELS) - set(available_models())
    for case in cases:
        if case.model.capability.apart:  # gevent, dask, rloop: in a child, as the master does
            assert checksum(run_apart(case)[0]) == case.expected, case.name
        else:
            with case.session() as session:
                assert checksum(session.run()) == case.expected, case.name
        assert case.metadata()["scenario"] == Powers.name


@pytest.mark.usefixtures("registered")
def test_list_shows_the_new_scenario_and_its_row() -> None:
    proc = run_cli("list", "--plugin", PLUGIN, cwd=Path.cwd())
    assert proc.returncode == 0, proc.stderr
    assert f"  {Powers.name} [cpu]: {Powers.summary}" in proc.stdout
    assert "--param exponent=1000" in proc.stdout
    assert any(line.startswith(f"  {Powers.name} ") and "1 run" in line for line in proc.stdout.splitlines())


@pytest.mark.pyperf
def test_a_quick_run_of_the_new_scenario(tmp_path: Path) -> None:
    out = tmp_path / "powers.json"
    proc = run_cli("run", "--plugin", PLUGIN, "--scenario", Powers.name, "--profile", "quick",
                   "--param", "exponent=50", *MINIMAL_PYPERF, "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    benches = pyperf.BenchmarkSuite.load(str(out)).get_benchmarks()
    assert {b.get_metadata()["model"] for b in benches} == set(available_models())
    assert {b.get_metadata()["param_exponent"] for b in benches} == {50}
