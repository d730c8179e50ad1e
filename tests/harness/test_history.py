"""Earlier runs of one machine and interpreter: which count, what they give, where it is kept."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pyperf
import pytest

from benchmarks.core.runrecord import BetweenRuns, RunRecord
from benchmarks.harness import history
from benchmarks.stats.paired import paired_ratio

MACHINE = {"hostname": "box", "cpu_model_name": "CPU X", "cpu_count": 2, "python_implementation": "cpython",
           "python_version": "3.11.7 (64-bit)", "python_gil": "enabled", "profile": "default"}


def bench(name: str, times: list[float], **metadata: object) -> pyperf.Benchmark:
    runs = [pyperf.Run([t], warmups=None, collect_metadata=False,
                       metadata={"name": name, "round": r, "loops": 1, **MACHINE, **metadata})
            for r, t in enumerate(times)]
    return pyperf.Benchmark(runs)


def save(path: Path, ratio: float, **metadata: object) -> Path:
    """A results file of two benchmarks: ``a`` takes ``ratio`` times as long as ``b``."""
    b = [1.0, 1.1, 0.9, 1.05, 0.95]
    suite = pyperf.BenchmarkSuite([bench("a", [ratio * x for x in b], **metadata), bench("b", b, **metadata)])
    suite.dump(str(path))
    return path


def made(ratio: float) -> list[history.Made]:
    b = {r: [[x]] for r, x in enumerate([1.0, 1.02, 0.97, 1.01, 0.99])}
    a = {r: [[ratio * v[0][0]]] for r, v in b.items()}
    found = paired_ratio(a, b)
    assert found is not None
    return [history.Made("s", "a", "b", found)]


def test_only_runs_of_this_machine_and_interpreter_count_newest_first(tmp_path: Path) -> None:
    save(tmp_path / "20261201T000000Z_box.json", 1.5)
    save(tmp_path / "20261202T000000Z_box.json", 1.6)
    save(tmp_path / "20261203T000000Z_other.json", 1.5, cpu_model_name="CPU Y")
    save(tmp_path / "20261204T000000Z_box.json", 1.5, python_version="3.13.5 (64-bit)")
    (tmp_path / "20261205T000000Z_box.json").write_text("{not json")
    mine = tmp_path / "20261206T000000Z_box.json"
    save(mine, 1.5)
    found = history.earlier_runs(tmp_path, history.identity(MACHINE), skip=[mine])
    assert [s.filename for s in found] == ["20261202T000000Z_box.json", "20261201T000000Z_box.json"]


def test_the_shift_is_measured_against_earlier_runs_and_kept_in_the_run_info(tmp_path: Path) -> None:
    earlier = [pyperf.BenchmarkSuite.load(str(save(tmp_path / f"{n}.json", 1.5 * (1 + 0.1 * n))))
               for n in range(3)]
    for suite, n in zip(earlier, range(3), strict=True):
        suite.filename = f"{n}.json"
    found = history.between_runs(made(1.5), earlier)
    assert found is not None
    assert found.earlier == ("0.json", "1.json", "2.json")
    assert found.comparisons == 3
    assert found.shifts[""] > 0.01
    assert found.shifts["s"] == found.shifts[""]  # too few comparisons of its own
    record = RunRecord(between_runs=found)
    again = RunRecord.from_dict(json.loads(record.to_json()))
    assert again.between_runs == found


def test_runs_with_nothing_in_common_give_no_shift(tmp_path: Path) -> None:
    other = pyperf.BenchmarkSuite([bench("c", [1.0, 1.1]), bench("d", [1.0, 1.2])])
    other.filename = "other.json"
    assert history.between_runs(made(1.5), [other]) is None
    assert history.between_runs(made(1.5), []) is None


def test_a_first_run_records_no_shift() -> None:
    assert RunRecord().between_runs is None
    assert BetweenRuns().shifts == {}
    assert math.isclose(BetweenRuns().confidence, 0.95)


@pytest.mark.parametrize("shifts", [{"": -1.0}, {"": "wide"}, {"s": 0.01}])
def test_a_report_ignores_a_shift_it_cannot_trust(shifts: dict[str, object]) -> None:
    from analysis.data.bundle import run_shifts
    from analysis.data.load import RunInfo

    between = {"earlier": ["x.json"], "comparisons": 3, "shifts": shifts}
    record = RunRecord.from_dict({"between_runs": between}, lenient=True)
    assert run_shifts([RunInfo(Path("r.runinfo"), "r.json", record)]) == {}
