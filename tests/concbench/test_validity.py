"""tools/validity.py: the example `hashing` against the built-in cpu_hash, judged from results files.

No timing is asserted: the verdict logic on made-up intervals, bad input, and the judging of a
committed run (whatever ratios it holds, the printed lines and the exit status must follow them).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from benchmarks.stats.paired import Ratio
from tests.support.cli import REPO

DATA = REPO / "tests" / "data"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("validity", REPO / "tools" / "validity.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["validity"] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


validity = _load()


def judged(scenario: str, estimate: float, low: float, high: float) -> object:
    return validity.Judged(scenario, {"units": 32, "size_kib": 64}, Ratio(estimate, low, high, 5))


@pytest.mark.parametrize(("a", "b", "agree", "inside"), [
    ((0.60, 0.55, 0.65), (0.62, 0.58, 0.66), True, "yes; hashing's in cpu_hash's: yes"),
    ((0.60, 0.59, 0.61), (0.63, 0.60, 0.66), True, "yes; hashing's in cpu_hash's: no"),  # 0.60: a bound
    ((0.60, 0.55, 0.65), (0.70, 0.66, 0.74), False, "no; hashing's in cpu_hash's: no"),
    ((0.70, 0.66, 0.74), (0.60, 0.55, 0.65), False, "no; hashing's in cpu_hash's: no"),
    ((0.60, 0.50, 0.70), (0.68, 0.67, 0.69), True, "no; hashing's in cpu_hash's: yes"),
    ((0.60, 0.58, 0.62), (0.66, 0.62, 0.70), True, "no; hashing's in cpu_hash's: no"),  # touch at 0.62
])
def test_agree_when_the_intervals_overlap(a: tuple[float, float, float], b: tuple[float, float, float],
                                          agree: bool, inside: str) -> None:
    ok, lines = validity.verdict([judged("cpu_hash", *a), judged("hashing", *b)])
    assert ok is agree
    overlap = "yes" if agree else "no"
    assert f"intervals overlap: {overlap}; cpu_hash's estimate in hashing's interval: {inside}" in lines
    assert lines[-1].startswith("agree" if agree else "DISAGREE")
    assert f"{a[0]:.4f} [{a[1]:.4f}-{a[2]:.4f}]" in lines[0]


def test_a_run_without_the_example_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert validity.main(["--results", str(DATA / "gil311.json")]) == 2
    err = capsys.readouterr().err
    assert "expected one threads and one sequential benchmark of hashing, found 0 and 0" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--results", "no-such-file.json"], "no-such-file.json"),
    (["--size-kib", "0"], "invalid --size-kib 0: expected an integer >= 1"),
])
def test_bad_input(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert validity.main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_failed_run_is_not_judged(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(validity, "run", lambda size_kib, budget, out: 1)
    assert validity.main(["-o", str(tmp_path / "v.json")]) == 2
    assert "the run exited with status 1: nothing to judge" in capsys.readouterr().err


def test_judges_a_committed_run(capsys: pytest.CaptureFixture[str]) -> None:
    """tests/data/validity.json: a real run at 256 KiB (12 rounds); its seed makes the intervals exact."""
    assert validity.main(["--results", str(DATA / "validity.json")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        " cpu_hash: threads/sequential time 0.8281 [0.6982-0.9822] over 12 rounds, units=32, size_kib=256",
        "  hashing: threads/sequential time 0.9145 [0.7845-1.0660] over 12 rounds, units=32, size_kib=256",
        "intervals overlap: yes; cpu_hash's estimate in hashing's interval: yes; "
        "hashing's in cpu_hash's: yes",
        "agree: the example measures what cpu_hash measures",
    ]


@pytest.mark.pyperf
def test_a_tiny_real_run_is_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The tool's own command (both scenarios, --param units=32 and n=32 together), two rounds."""
    real_run = validity.run
    tiny = ("--rounds", "2", "-p", "1", "-n", "1", "-w", "0", "-l", "1", "--quiet")
    monkeypatch.setattr(validity, "run", lambda size_kib, budget, out: real_run(size_kib, budget, out, tiny))
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    status = validity.main(["--size-kib", "4", "--budget", "1m", "-o", str(tmp_path / "v.json")])
    lines = capsys.readouterr().out.splitlines()
    assert status == (0 if lines[-1].startswith("agree") else 1)
    assert [line.split(":")[0].strip() for line in lines[1:3]] == ["cpu_hash", "hashing"]
    assert all(line.endswith("over 2 rounds, units=32, size_kib=4") for line in lines[1:3])
