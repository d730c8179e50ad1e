"""The interpreter matrix: names to interpreters, skipped missing ones, measuring virtualenvs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pyperf
import pytest

from benchmarks.harness import matrix
from tests.support.cli import MINIMAL_PYPERF


def test_names_that_mean_no_interpreter_here_find_none(tmp_path: Path) -> None:
    assert matrix.find_python("9.9") is None
    assert matrix.find_python("9.9t") is None
    assert matrix.find_python(str(tmp_path / "no" / "python")) is None
    assert matrix.find_python(sys.executable) == Path(sys.executable)


def test_only_missing_interpreters_run_nothing_and_say_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert matrix.main(["9.8 9.9t", "--", "--profile", "quick"]) == 1
    err = capsys.readouterr().err
    assert "matrix: WARNING: no interpreter '9.8' here" in err
    assert "matrix: WARNING: no interpreter '9.9t' here" in err
    assert "matrix: no interpreter ran: nothing to report" in err


def test_a_missing_interpreter_is_skipped_and_the_others_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(matrix, "REPO", tmp_path)
    (tmp_path / "results").mkdir()
    # this test's interpreter measures (its environment has every dependency): no virtualenv made
    monkeypatch.setattr(matrix, "venv_for", lambda python, tag: Path(sys.executable))
    status = matrix.main(["9.9 " + sys.executable, "--", "--profile", "quick", "--scenario", "cpu_pure",
                          "--model", "sequential", "--param", "n=2", "--param", "size=100", *MINIMAL_PYPERF])
    assert status == 0
    assert "no interpreter '9.9' here" in capsys.readouterr().err
    (results,) = sorted((tmp_path / "results").glob("*_matrix_py*.json"))
    (bench,) = pyperf.BenchmarkSuite.load(str(results)).get_benchmarks()
    assert bench.get_metadata()["python_gil"].startswith("enabled")
    assert (next((tmp_path / "results").glob("*_matrix.report")) / "report.md").exists()


def test_a_measuring_virtualenv_is_remade_when_its_requirements_change(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(matrix, "REPO", tmp_path)
    monkeypatch.setattr(matrix.subprocess, "run", run)
    pins = {p: "1.0" for p in (*matrix.REQUIRED, *matrix.OPTIONAL)}
    monkeypatch.setattr(matrix, "pins", lambda: pins)
    python = Path("/usr/bin/python3.13")
    (tmp_path / ".venv-py3.13.5").mkdir()  # as `python -m venv` would have made it
    matrix.venv_for(python, "3.13.5")
    made = len(calls)
    assert made >= 2  # the venv, then pip
    matrix.venv_for(python, "3.13.5")
    assert len(calls) == made  # reused
    pins["hdrhistogram"] = "2.0"  # a pin changed (or a requirement was added)
    matrix.venv_for(python, "3.13.5")
    assert len(calls) == 2 * made
    assert any("hdrhistogram==2.0" in cmd for cmd in calls[made:])


def _no_virtualenv(python: Path, tag: str) -> Path:
    raise AssertionError(f"a virtualenv was built for {python} before the input was checked")


@pytest.mark.parametrize("content", ["#!/bin/sh\nexit 3\n", "not a program at all\n", ""])
def test_a_pythons_entry_that_is_not_a_python_is_one_line_before_any_virtualenv(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        content: str) -> None:
    """Such an entry ended in a traceback."""
    fake = tmp_path / "python-not"
    fake.write_text(content)
    fake.chmod(0o755)
    monkeypatch.setattr(matrix, "REPO", tmp_path)
    monkeypatch.setattr(matrix, "venv_for", _no_virtualenv)
    with pytest.raises(SystemExit) as exited:
        matrix.main([f"{sys.executable} {fake}", "--", "--profile", "quick"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"PYTHONS: {str(fake)!r} ({fake}) is not a Python that runs here" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["python-not"]


@pytest.mark.parametrize(("args", "expected"), [
    (["--param", "n=ten"], "invalid value 'ten' for parameter 'n'"),
    (["--scenario", "nope"], "unknown scenario 'nope'"),
    (["--affinity", "abc"], "invalid --affinity 'abc'"),
    (["--rounds", "0"], "expected an integer >= 1, got '0'"),
])
def test_bad_args_are_refused_before_any_virtualenv(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        args: list[str], expected: str) -> None:
    """A bad ARGS was found only after a virtualenv had been built for the first interpreter."""
    monkeypatch.setattr(matrix, "REPO", tmp_path)
    monkeypatch.setattr(matrix, "venv_for", _no_virtualenv)
    assert matrix.main([sys.executable, "--", "--profile", "quick", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("python -m benchmarks")
    assert expected in err
    assert list(tmp_path.iterdir()) == []
