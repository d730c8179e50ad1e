"""The contract lists every extension point it offers, and pyperf still has what the bridge uses."""

from __future__ import annotations

import argparse
import inspect
import json
import re
from pathlib import Path

import pyperf
import pytest

from benchmarks import pyperf_bridge
from benchmarks.core import contract

CLASSES = (contract.Session, contract.Capability, contract.Model, contract.Scenario, contract.SessionKind,
           contract.Command)


def test_the_docstring_lists_every_extension_point_and_nothing_else() -> None:
    listed = set(re.findall(r"^``(\w+\.\w+)``", contract.__doc__ or "", flags=re.MULTILINE))
    defined = {f"{cls.__name__}.{name}" for cls in CLASSES for name, _ in inspect.getmembers(cls)
               if not name.startswith("_") and name in vars(cls)
               and name not in ("name", "summary", "kind", "label", "capability", "own_params", "help")}
    assert listed == defined


def test_the_contract_imports_no_harness_scenario_or_model() -> None:
    source = inspect.getsource(contract)
    assert re.findall(r"^from (benchmarks\.\S+) import", source, flags=re.MULTILINE) == [
        "benchmarks.core.params", "benchmarks.core.work"]


def test_pyperf_still_has_the_privates_the_bridge_relies_on() -> None:
    """If this fails after a pyperf upgrade, benchmarks/pyperf_bridge.py needs a look."""
    assert "_argparser" in inspect.signature(pyperf.Runner).parameters

    class Probe(pyperf.Runner):  # pyperf allows one Runner per class and process
        pass

    parser = argparse.ArgumentParser()
    runner = Probe(program_args=("-m", "x"), _argparser=parser)
    assert runner.argparser is parser
    assert runner._worker_task == 0
    assert isinstance(runner._bench_names, set)
    runner.parse_args(["--loops", "1", "--warmups", "0"])
    from pyperf._manager import Manager

    runner._worker_task = 7  # what pyperf_bridge.measure sets
    cmd = Manager(runner).worker_cmd(0, 0, 3)
    assert "--worker-task=7" in cmd
    assert pyperf_bridge.measure.__doc__


def test_pyperf_still_has_its_t_test_and_cpu_helpers() -> None:
    assert pyperf_bridge.pyperf_t_test([1.0, 1.01, 0.99] * 5, [2.0, 2.01, 1.99] * 5) is True
    assert pyperf_bridge.pyperf_t_test([1.0, 1.01, 0.99] * 5, [1.0, 0.99, 1.01] * 5) is False
    assert pyperf_bridge.pinned_cpus("0,1") == [0, 1]
    assert pyperf_bridge.pinned_cpus("0-1") == [0, 1]
    assert pyperf_bridge.parse_cpus("0,2-3") == [0, 2, 3]
    with pytest.raises(ValueError, match="invalid literal"):
        pyperf_bridge.parse_cpus("abc")


def test_runners_that_only_check_may_be_made_again_and_again() -> None:
    """pyperf refuses a second Runner of one class (``Runner._created``); a checking Runner's
    entry is dropped as it is made."""
    for _ in range(3):
        runner = pyperf_bridge.new_runner(argparse.ArgumentParser(), {}, ("-m", "x"), lambda cmd, args: None,
                                          check_only=True)
        assert isinstance(runner, pyperf.Runner)
    assert isinstance(pyperf.Runner._created, set)


def test_pyperf_still_loads_a_suite_from_parsed_json(tmp_path: Path) -> None:
    bench = pyperf.Benchmark([pyperf.Run([1.0, 2.0], metadata={"name": "b", "loops": 1},
                                         collect_metadata=False)])
    path = tmp_path / "s.json"
    pyperf.BenchmarkSuite([bench]).dump(str(path))
    suite = pyperf_bridge.suite_from_json(str(path), json.loads(path.read_text()))
    assert [b.get_name() for b in suite] == ["b"]
    assert suite.get_benchmark("b").get_values() == (1.0, 2.0)
