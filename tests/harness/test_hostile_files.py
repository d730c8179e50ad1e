"""Results files with values that are not numbers or metadata of the wrong type: ``report``,
``compare``, ``csv`` and ``run --resume`` each say one line naming the file and what is wrong, and
exit 2 with nothing written (benchmarks/core/formats.py::check_results)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from analysis import cli as analysis_cli
from tests.support.cli import run_cli

DATA = Path(__file__).resolve().parent.parent / "data"


def _infinite_value(doc: dict) -> str:
    doc["benchmarks"][0]["runs"][-1]["values"][0] = math.inf
    return "a value is inf"


def _string_round(doc: dict) -> str:
    for run in doc["benchmarks"][0]["runs"]:
        run["metadata"]["round"] = str(run["metadata"]["round"])
    return "metadata 'round' is '0' (str), expected an integer >= 0"


def _nan_probe(doc: dict) -> str:
    doc["benchmarks"][0]["runs"][-1]["metadata"]["cpu_probe_spread"] = math.nan
    return "metadata 'cpu_probe_spread' is nan, expected a finite number"


SPOIL = {"infinite value": _infinite_value, "string round": _string_round, "nan metadata": _nan_probe}


def _spoilt(tmp_path: Path, how: str) -> tuple[Path, str]:
    doc = json.loads((DATA / "rounds.json").read_text())
    expected = SPOIL[how](doc)
    path = tmp_path / "in" / "bad.json"
    path.parent.mkdir()
    path.write_text(json.dumps(doc))  # Infinity and NaN, as JSON from Python allows them
    return path, expected


@pytest.mark.parametrize("how", sorted(SPOIL))
@pytest.mark.parametrize("command", ["report", "compare-base", "compare-new", "csv"])
def test_analysis_refuses_in_one_line_naming_the_file(tmp_path: Path, how: str, command: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bad, expected = _spoilt(tmp_path, how)
    out = tmp_path / "out"
    argv = {"report": ["report", str(bad), "-o", str(out)],
            "compare-base": ["compare", str(bad), str(DATA / "rounds.json"), "-o", str(out)],
            "compare-new": ["compare", str(DATA / "rounds.json"), str(bad), "-o", str(out)],
            "csv": ["csv", str(bad), "-o", str(out)]}[command]
    assert analysis_cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"python -m analysis: error: {str(bad)!r}: benchmark ")
    assert expected in err
    assert not out.exists()


@pytest.mark.parametrize("how", sorted(SPOIL))
def test_resume_refuses_in_one_line_naming_the_file(tmp_path: Path, how: str) -> None:
    bad, expected = _spoilt(tmp_path, how)
    proc = run_cli("run", "--scenario", "sleep_fanout", "--model", "sequential", "--resume", str(bad),
                   "-o", str(tmp_path / "new.json"), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"python -m benchmarks: error: cannot resume from {str(bad)!r}: benchmark ")
    assert expected in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]
