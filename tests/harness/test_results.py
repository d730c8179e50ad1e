"""Results files: never overwritten, never lost, published under one stem."""

from __future__ import annotations

import json
from pathlib import Path

import pyperf
import pytest

from benchmarks.core.params import BadInput
from benchmarks.core.runrecord import Failed, RunRecord
from benchmarks.harness.results import ResultsWriter


def bench(name: str) -> pyperf.Benchmark:
    return pyperf.Benchmark([pyperf.Run([0.1, 0.2], metadata={"name": name, "loops": 1},
                                        collect_metadata=False)])


def test_a_name_taken_while_timing_publishes_under_the_next_free_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    writer = ResultsWriter(tmp_path / "race.json")
    writer.save([bench("a")])
    (tmp_path / "race.json").write_text("someone else's")  # created while this run was timing
    published = writer.finish(RunRecord())
    assert published == tmp_path / "race-2.json"
    assert (tmp_path / "race.json").read_text() == "someone else's"
    assert [b.get_name() for b in pyperf.BenchmarkSuite.load(str(published))] == ["a"]
    assert json.loads((tmp_path / "race-2.runinfo").read_text())["results"] == "race-2.json"
    assert "published as" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["race-2.json", "race-2.runinfo", "race.json"]


def test_the_partial_file_holds_the_last_complete_save(tmp_path: Path) -> None:
    writer = ResultsWriter(tmp_path / "r.json")
    writer.save([bench("a")])
    writer.save([bench("a"), bench("b")])
    partial = pyperf.BenchmarkSuite.load(str(writer.partial))
    assert [b.get_name() for b in partial] == ["a", "b"]
    assert not list(tmp_path.glob("*.new"))  # written aside, then renamed over


def test_nothing_measured_publishes_only_the_run_info(tmp_path: Path) -> None:
    writer = ResultsWriter(tmp_path / "r.json")
    assert writer.finish(RunRecord()) is None
    assert json.loads((tmp_path / "r.runinfo").read_text())["results"] is None
    assert not (tmp_path / "r.json").exists()


def test_the_failures_log_is_published_under_the_stem_the_results_get(tmp_path: Path) -> None:
    """``-o race.json`` taken while timing: the log is race-2.failures.log, and the error that
    named race.failures.log in the .runinfo names race-2.failures.log."""
    writer = ResultsWriter(tmp_path / "race.json")
    writer.save([bench("a")])
    writer.failures_tmp.write_text('{"benchmark": "b", "error": "E"}\n')  # a worker failed
    (tmp_path / "race.json").write_text("someone else's")
    failed = Failed(name="b", stage="timing", error="stopped at round 2: E (traceback in race.failures.log)")
    writer.finish(RunRecord(failed=(failed,)))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "race-2.failures.log", "race-2.json", "race-2.runinfo", "race.json"]
    assert (tmp_path / "race-2.failures.log").read_text() == '{"benchmark": "b", "error": "E"}\n'
    (entry,) = json.loads((tmp_path / "race-2.runinfo").read_text())["failed"]
    assert entry["error"] == "stopped at round 2: E (traceback in race-2.failures.log)"


def test_a_name_whose_failures_log_is_taken_is_not_used(tmp_path: Path) -> None:
    writer = ResultsWriter(tmp_path / "r.json")
    writer.save([bench("a")])
    (tmp_path / "r.failures.log").write_text("another run's")
    assert writer.finish(RunRecord()) == tmp_path / "r-2.json"
    assert (tmp_path / "r.failures.log").read_text() == "another run's"


@pytest.mark.parametrize("existing", ["r.json", "r.runinfo", "r.metrics.jsonl", "r.failures.log"])
def test_an_existing_name_or_side_file_is_refused_up_front(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_text("precious")
    with pytest.raises(BadInput, match="already exists"):
        ResultsWriter(tmp_path / "r.json")
    assert (tmp_path / existing).read_text() == "precious"
