"""The run record (``.runinfo``) reads every file the suite ever committed and writes it back
unchanged; a new record carries its version; the module stands alone."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

import pytest

from benchmarks.core.runrecord import (
    UNVERSIONED,
    VERSION,
    Failed,
    Loops,
    Part,
    Rounds,
    RunRecord,
    RunRecordError,
    Undecided,
    Warmups,
)
from tests.support.cli import REPO

COMMITTED = sorted([*(REPO / "results").glob("*.runinfo"), *(REPO / "tests" / "data").glob("*.runinfo")])


def test_there_are_committed_run_records() -> None:
    assert len(COMMITTED) >= 16
    assert {p.name for p in COMMITTED} >= {"exact.runinfo", "granularity.runinfo", "rounds.runinfo"}


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_a_committed_record_round_trips_byte_for_byte(path: Path, tmp_path: Path) -> None:
    data = json.loads(path.read_text())
    record = RunRecord.from_dict(data)
    assert record.to_dict() == data
    copy = tmp_path / path.name
    record.write(copy)
    assert copy.read_bytes() == path.read_bytes()
    assert RunRecord.read(path) == record
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing left aside


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_a_committed_record_reads_typed(path: Path) -> None:
    data = json.loads(path.read_text())
    record = RunRecord.read(path)
    assert record.version == data.get("version", UNVERSIONED)
    assert record.extra == {}  # every key in the wild is a field
    assert record.command == tuple(data["command"])
    assert [u.reason for u in record.unsupported] == [u["reason"] for u in data["unsupported"]]
    assert [(f.name, f.stage, f.error) for f in record.failed] == [
        (f["name"], f["stage"], f["error"]) for f in data["failed"]]
    assert (record.registry is None) == ("registry" not in data)
    if record.registry is not None:
        written = data["registry"]
        assert [s.name for s in record.registry.scenarios] == [s["name"] for s in written["scenarios"]]
        assert [m.name for m in record.registry.models] == [m["name"] for m in written["models"]]
    rounds = data.get("rounds")
    assert record.seed == (rounds["seed"] if rounds else None)
    if record.rounds is not None:
        assert [u.benchmark for u in record.rounds.undecided] == [u["benchmark"] for u in rounds["undecided"]]
    assert {kind: list(details) for kind, details in record.warnings.items()} == data.get("warnings", {})
    assert record.slow_cpu == tuple(data.get("slow_cpu", ()))


def test_an_older_record_gets_defaults_for_what_it_lacks() -> None:
    record = RunRecord.read(REPO / "tests" / "data" / "granularity.runinfo")  # before registry and rounds
    assert (record.version, record.registry, record.rounds, record.loops, record.warmups) == (
        UNVERSIONED, None, None, None, None)
    assert (record.resumed_from, record.slow_cpu, record.warnings, record.seed) == (None, (), {}, None)
    rounds = Rounds.from_dict({"seed": 7})  # a run before blocks and the budget's notes
    assert (rounds.seed, rounds.order, rounds.budget_notes, rounds.undecided) == (7, "", (), ())


def test_unknown_keys_are_kept() -> None:
    data = {"command": ["python"], "from_the_future": {"a": [1, 2]},
            "rounds": {"seed": 3, "new_rule": "x"}, "failed": [{"name": "n", "stage": "timing", "why": 1}]}
    record = RunRecord.from_dict(data)
    assert record.extra == {"from_the_future": {"a": (1, 2)}}
    assert record.rounds is not None
    assert record.rounds.extra == {"new_rule": "x"}
    assert record.failed[0].extra == {"why": 1}
    assert record.to_dict() == data


def test_a_new_record_writes_every_key_and_its_version(tmp_path: Path) -> None:
    record = RunRecord(
        command=("python", "-m", "benchmarks", "run"), profile="quick", pyperf_args=("-p", "1"),
        planned=2, completed=1,
        rounds=Rounds(completed=1, seed=5, undecided=(Undecided("a", "b", None, 1),)),
        failed=(Failed(name="s/m[n=1]", scenario="s", model="m", params={"n": 1}, stage="timing",
                       error="boom"),),
        loops=Loops(cache=None, sources={"pilot": 1}), warmups=Warmups(per_process=1),
        warnings={"affinity": ("x",)}, results="r.json")
    path = tmp_path / "r.runinfo"
    record.write(path)
    data = json.loads(path.read_text())
    assert data["version"] == VERSION == 2
    assert set(data) == {f.metadata.get("key", f.name) for f in dataclasses.fields(RunRecord)} - {
        "missing", "extra", "left_out"}
    assert data["loops"] == {"cache": None, "from": {"pilot": 1}}
    assert data["failed"] == [{"name": "s/m[n=1]", "scenario": "s", "model": "m", "params": {"n": 1},
                               "stage": "timing", "error": "boom"}]
    assert data["rounds"]["undecided"] == [
        {"benchmark": "a", "against": "b", "half_width": None, "rounds": 1}]
    assert RunRecord.read(path) == record
    with pytest.raises(FileExistsError):  # never over an earlier run's record
        record.write(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.runinfo"]


@pytest.mark.parametrize("data", [[], {"rounds": 3}, {"failed": {"name": "x"}}, {"failed": ["x"]},
                                  {"registry": {"models": "sequential"}}])
def test_a_misshapen_record_is_refused(data: object) -> None:
    with pytest.raises(RunRecordError):
        RunRecord.from_dict(data)


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.name)
def test_a_committed_record_reads_the_same_leniently(path: Path) -> None:
    record = RunRecord.from_dict(json.loads(path.read_text()), lenient=True)
    assert record == RunRecord.read(path)
    assert record.left_out == ()
    assert all(part.extra == {} for part in _parts(record))  # every key of every part is a field


def _parts(value: object) -> list[Part]:
    """``value`` and every part inside it."""
    if isinstance(value, tuple):
        return [p for item in value for p in _parts(item)]
    if not isinstance(value, Part):
        return []
    return [value, *(p for f in dataclasses.fields(value) for p in _parts(getattr(value, f.name)))]


def test_a_lenient_read_drops_only_what_is_misshapen() -> None:
    data = {"command": "python", "planned": 3, "rounds": {"seed": 4, "undecided": [1, {"benchmark": "a"}],
                                                          "budget_notes": None},
            "registry": {"scenarios": [{"summary": "no name"}, {"name": "s", "params": "x"}], "models": [1]},
            "warmups": [], "warnings": {"affinity": ["x"], "s": "not a list"}, "failed": {"name": "x"},
            "unsupported": [{"name": "u", "params": [1]}], "slow_cpu": ["b"]}
    with pytest.raises(RunRecordError):  # the harness's read
        RunRecord.from_dict(data)
    record = RunRecord.from_dict(data, lenient=True)
    assert (record.command, record.planned, record.seed, record.slow_cpu) == ((), 3, 4, ("b",))
    assert record.rounds is not None
    assert [u.benchmark for u in record.rounds.undecided] == ["a"]
    assert record.registry is not None
    assert ([s.name for s in record.registry.scenarios], record.registry.models) == (["s"], ())
    assert (record.registry.scenarios[0].params, record.warmups, record.failed) == ((), None, ())
    assert record.warnings == {"affinity": ("x",)}
    assert record.unsupported[0].params == {}
    assert record.left_out == (
        "command", "registry.scenarios[0]", "registry.scenarios[1].params", "registry.models[0]",
        "rounds.budget_notes", "rounds.undecided[0]", "unsupported[0].params", "failed", "warmups",
        "warnings.s")
    with pytest.raises(RunRecordError):  # the record itself must still be an object
        RunRecord.from_dict([], lenient=True)


def test_the_record_imports_nothing_of_the_project_but_the_core() -> None:
    tree = ast.parse((REPO / "benchmarks" / "core" / "runrecord.py").read_text())
    names = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    ours = {name for name in names if name.split(".")[0] in ("benchmarks", "analysis", "tests")}
    assert all(name.startswith("benchmarks.core") for name in ours), ours
