"""The interpreter matrix: names to interpreters, skipped missing ones, measuring virtualenvs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyperf
import pytest

from benchmarks.core import packages
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
    pins = {p: "1.0" for p in (*matrix.REQUIRED, *(p for group in matrix.OPTIONAL for p in group))}
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


#: what pip 26 printed here for a package with no wheel for the interpreter and no compiler to
#: build one (hdrhistogram on Debian's 3.15.0), and for a pin with no release for it
PIP_BUILD_FAILED = """WARNING: Location '/opt/wheels' is ignored: it is either a non-existing path or ...
  error: subprocess-exited-with-error
  \N{MULTIPLICATION SIGN} Building wheel for hdrhistogram (pyproject.toml) did not run successfully.
  note: This error originates from a subprocess, and is likely not a problem with pip.
  ERROR: Failed building wheel for hdrhistogram
\N{MULTIPLICATION SIGN} Failed to build installable wheels for some pyproject.toml based projects
\N{BOX DRAWINGS LIGHT ARC UP AND RIGHT}\N{BOX DRAWINGS LIGHT HORIZONTAL}> hdrhistogram
"""
PIP_NO_RELEASE = """ERROR: Could not find a version that satisfies the requirement zuvloop==0.0.17 (from ...)
ERROR: No matching distribution found for zuvloop==0.0.17
"""


BUILD_FAILED = "Failed to build installable wheels for some pyproject.toml based projects: hdrhistogram"


def test_pips_reason_is_the_last_line_of_its_error() -> None:
    assert matrix.pip_reason(PIP_BUILD_FAILED) == BUILD_FAILED
    assert matrix.pip_reason(PIP_NO_RELEASE) == "No matching distribution found for zuvloop==0.0.17"
    assert matrix.pip_reason("") == "pip failed and said nothing"


def _fake_pip(fails: set[str], calls: list[list[str]]) -> Any:
    """subprocess.run for venv_for: venv creation succeeds; a pip call naming a package of
    ``fails`` fails as pip does when nothing installs."""
    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        if "pip" in cmd and any(arg.split("==")[0] in fails for arg in cmd):
            return subprocess.CompletedProcess(cmd, 1, "", PIP_BUILD_FAILED)
        return subprocess.CompletedProcess(cmd, 0, "", "")
    return run


def test_a_library_that_does_not_install_leaves_its_models_unsupported_with_pips_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(matrix, "REPO", tmp_path)
    (tmp_path / "constraints.txt").write_text("".join(f"{p}==1.0\n" for p in (
        *matrix.REQUIRED, *(p for group in matrix.OPTIONAL for p in group))))
    monkeypatch.setattr(matrix.subprocess, "run", _fake_pip({"gevent", "dask"}, calls))
    (tmp_path / ".venv-py3.15.0").mkdir()
    made = matrix.venv_for(Path("/usr/bin/python3.15"), "3.15.0")
    assert made == tmp_path / ".venv-py3.15.0" / "bin" / "python"
    reason = BUILD_FAILED
    written = json.loads((tmp_path / ".venv-py3.15.0" / packages.NOT_INSTALLED).read_text())
    assert written == {"gevent": reason, "dask": reason, "distributed": reason}
    installed = [arg for cmd in calls if "pip" in cmd for arg in cmd if "==" in arg]
    assert {"trio==1.0", "anyio==1.0", "uvloop==1.0", "rloop==1.0", "pyperf==1.0"} <= set(installed)
    assert all("-c" in cmd for cmd in calls if "pip" in cmd)  # their own dependencies pinned too
    assert "gevent do not install for 3.15.0" in capsys.readouterr().err


def test_a_required_package_that_does_not_install_is_pips_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matrix, "REPO", tmp_path)
    monkeypatch.setattr(matrix, "pins", lambda: dict.fromkeys(
        (*matrix.REQUIRED, *(p for group in matrix.OPTIONAL for p in group)), "1.0"))
    monkeypatch.setattr(matrix.subprocess, "run", _fake_pip({"hdrhistogram"}, []))
    (tmp_path / ".venv-py3.15.0").mkdir()
    assert matrix.venv_for(Path("/usr/bin/python3.15"), "3.15.0") == BUILD_FAILED
    assert not (tmp_path / ".venv-py3.15.0" / ".concbench-measuring").exists()  # tried again next time


def test_a_model_whose_library_did_not_install_says_pips_reason(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / packages.NOT_INSTALLED).write_text(json.dumps({"nosuchlib": "No matching distribution"}))
    monkeypatch.setattr(packages.sys, "prefix", str(tmp_path))
    packages.missing.cache_clear()
    packages._not_installed.cache_clear()
    try:
        assert packages.missing("nosuchlib") == ("nosuchlib does not install on this interpreter: "
                                                 "No matching distribution")
        assert packages.missing("otherlib") == "otherlib is not installed for this interpreter"
        assert packages.missing("json") is None
    finally:
        packages.missing.cache_clear()
        packages._not_installed.cache_clear()


def _fake_root(roots: Path) -> Path:
    root = roots / "forky"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / "python3.14").write_text("")
    (root / ".concbench-complete").write_text("python3.14\n")
    return root


def test_3_14_means_the_debootstrap_roots_and_runs_inside_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CACHE", "PYENV", "UV"):
        monkeypatch.setattr(matrix, name, tmp_path / name)
    monkeypatch.setattr(matrix.shutil, "which", lambda name: None)
    monkeypatch.setattr(matrix, "ROOTS", tmp_path / "roots")
    assert matrix.find_python("3.14") is None  # the root not made yet
    root = _fake_root(tmp_path / "roots")
    python = root / "usr" / "bin" / "python3.14"
    assert matrix.find_python("3.14") == python
    assert matrix.find_python("3.14t") is None  # Debian has no free-threaded build
    assert matrix.command(python) == [str(matrix.ROOT_TOOL), "run", "/usr/bin/python3.14"]
    venv_python = tmp_path / ".venv-py3.14.8" / "bin" / "python"
    assert matrix.command(python, venv_python) == [str(matrix.ROOT_TOOL), "run", str(venv_python)]
    assert matrix.command(Path(sys.executable)) == [sys.executable]
    assert matrix.command(Path(sys.executable), venv_python) == [str(venv_python)]


def test_uvs_pythons_are_found_free_threaded_or_not(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CACHE", "PYENV", "ROOTS"):
        monkeypatch.setattr(matrix, name, tmp_path / name)
    monkeypatch.setattr(matrix, "UV", tmp_path / "uv")
    made = {}
    for folder, exe in [("cpython-3.14.0-linux-x86_64-gnu", "python3.14"),
                        ("cpython-3.14.0+freethreaded-linux-x86_64-gnu", "python3.14t"),
                        ("cpython-3.14.0+freethreaded-linux-x86_64-gnu", "python3.14")]:
        path = tmp_path / "uv" / folder / "bin" / exe
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
        made[folder, exe] = path
    assert matrix.find_python("3.14") == made["cpython-3.14.0-linux-x86_64-gnu", "python3.14"]
    assert matrix.find_python("3.14t") == made["cpython-3.14.0+freethreaded-linux-x86_64-gnu", "python3.14t"]
    free = made["cpython-3.14.0+freethreaded-linux-x86_64-gnu", "python3.14t"]
    assert matrix.find_python("3.14.0t") == free


def test_a_missing_interpreter_names_those_that_are_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("CACHE", "PYENV", "UV"):
        monkeypatch.setattr(matrix, name, tmp_path / name)
    monkeypatch.setattr(matrix, "ROOTS", tmp_path / "roots")
    _fake_root(tmp_path / "roots")
    (tmp_path / "CACHE" / "3.13.5t" / "bin").mkdir(parents=True)
    assert matrix.main(["3.14t", "--", "--profile", "quick"]) == 1
    (line,) = [line for line in capsys.readouterr().err.splitlines() if "3.14t" in line]
    assert line.startswith("matrix: WARNING: no interpreter '3.14t' here")
    assert "found: 3.13.5t (tools/build-python.sh), 3.14 (make python-root)" in line
