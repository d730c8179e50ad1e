"""``concbench list|run FILE.py``: loading errors on one line (exit 2), and a real run through pyperf
whose workers take the master's checksums instead of running the workload again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from concbench.cli import expand_files, main
from tests.concbench.conftest import DATA
from tests.support.cli import env


def cli(*args: str, cwd: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "concbench", *args], cwd=cwd, env={**env(), **extra_env},
                          capture_output=True, text=True, timeout=240, check=False)


@pytest.mark.parametrize(("source", "message"), [
    ("def f(:\n", r"^concbench: error: syntax error in .*bad\.py, line 2: invalid syntax$"),
    ("import no_such_module_here\n", r"^concbench: error: cannot load .*bad\.py: ModuleNotFoundError: "
                                     r"No module named 'no_such_module_here'$"),
    ("x = 1\n", r"^concbench: error: .*bad\.py defines no workload: assign concbench.workload"),
    ("w = concbench.workload()\n@w.unit\ndef f(i, nope):\n    return i\n",
     r"^concbench: error: .*bad\.py: unit 'f' of workload 'w' asks for 'nope': choose from i, units, "
     r"concurrency$"),
    ("w = concbench.workload(name='cpu_hash')\n@w.unit\ndef f(i):\n    return i\n",
     r"^concbench: error: .*bad\.py: workload 'cpu_hash' has the name of a registered scenario: give it "
     r"another name= \(taken: sleep_fanout, "),
])
def test_a_file_that_cannot_be_loaded_is_one_line_and_exit_2(
        write: Any, capsys: pytest.CaptureFixture[str], source: str, message: str) -> None:
    path = write("bad.py", source)
    assert main(["list", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert __import__("re").match(message, err.replace("python -m benchmarks", "concbench")), err


def test_a_file_argument_becomes_plugin_and_scenarios_but_not_after_plugin(write: Any) -> None:
    path = str(DATA / "sleepy.py")
    assert expand_files(["run", path, "--model", "threads"]) == [
        "run", "--plugin", path, "--scenario", "sleepy", "--scenario", "given_answer", "--model", "threads"]
    assert expand_files(["run", f"{path}:given_answer"]) == ["run", "--plugin", path, "--scenario",
                                                              "given_answer"]
    assert expand_files(["list", "--plugin", path]) == ["list", "--plugin", path]


def test_an_unknown_workload_of_a_file_names_those_it_has(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", f"{DATA / 'sleepy.py'}:nope"]) == 2
    assert capsys.readouterr().err.endswith("has no workload 'nope': choose from sleepy, given_answer\n")


@pytest.mark.pyperf
def test_run_a_file_through_pyperf_publishes_results_and_workers_reuse_the_checksums(
        tmp_path: Path) -> None:
    shutil.copy(DATA / "sleepy.py", tmp_path)
    out = tmp_path / "out" / "run.json"
    out.parent.mkdir()
    calls = tmp_path / "sleepy.calls"
    # pyperf hands its workers only the variables it is told to: a worker that computed the
    # expected answer would write here too
    proc = cli("run", "sleepy.py:given_answer", "--profile", "quick", "--model", "sequential",
               "--model", "threads", "-o", str(out), "--inherit-environ", "SLEEPY_CALLS", cwd=tmp_path,
               SLEEPY_CALLS=str(calls))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    names = [b["metadata"]["name"] for b in data["benchmarks"]]
    assert sorted(names) == ["given_answer/sequential[units=5,concurrency=unbounded,scale=4]",
                             "given_answer/threads[units=5,concurrency=unbounded,scale=4,workers=0]"]
    checksums = {{**data["metadata"], **b["metadata"]}["expected_checksum"] for b in data["benchmarks"]}
    assert len(checksums) == 1
    assert checksums.pop().startswith("5:")  # five units
    # the expected answer was computed once, by the master (its function leaves the caller's pid)
    assert len(calls.read_text().split()) == 1


@pytest.mark.pyperf
def test_a_wrong_pair_fails_verification_naming_model_and_unit(write: Any, tmp_path: Path) -> None:
    write("wrong.py", """
        import threading
        w = concbench.workload(units=12)
        @w.unit
        def f(i):
            if i == 5 and threading.current_thread() is not threading.main_thread():
                return -i
            return i
    """)
    proc = cli("run", "wrong.py", "--profile", "quick", "--model", "sequential", "--model", "threads",
               "-o", str(tmp_path / "run.json"), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert ("FAILED verification: w/threads[units=12,concurrency=unbounded,workers=0]: VerificationError: "
            "unit 5 returned a different result than sequential (digest") in proc.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["frob"], "concbench: error: unknown command 'frob': choose from ask, run, list, report, compare, csv"),
    (["run", "--scenario", "nope"], "concbench: error: unknown scenario 'nope': choose from sleep_fanout"),
    (["report", "nope.json"], "concbench: error: results file 'nope.json' does not exist"),
])
def test_errors_name_the_concbench_command_and_the_valid_choices(
        argv: list[str], message: str, tmp_path: Path) -> None:
    proc = cli(*argv, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(message)
    assert proc.stderr.count("\n") == 1
