"""``concbench ask``: the answer rendered from a committed run, a real run through pyperf, bad input.

The fixture ``tests/data/ask.json`` (with its ``.runinfo``) is a real run of three models
(tests/data/README.md); its rendering is asserted exactly.  No assertion here is on a timing.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.core.params import BadInput
from benchmarks.core.runrecord import Failed
from benchmarks.harness.registry import SCENARIOS
from concbench import ask
from concbench._answer import (
    MAX_MARKDOWN,
    Answer,
    Request,
    markdown,
    missing_lines,
    read_answer,
    verdict_line,
)
from tests.support.cli import REPO, default_sigint, env

DATA = REPO / "tests" / "data"
#: the three shapes of an answer's line (its numbers are whatever the machine measured)
LINE = re.compile(
    r"[\w-]+ is [\d.]+x faster than [\w-]+ \[[\d.]+-[\d.]+\] on this machine "
    r"\(\d+ rounds, \w+(, interrupted)?\)"
    r"|no difference between [\w-]+ and [\w-]+ \([\d.]+x \[[\d.]+-[\d.]+\], within \+-2%\) on this machine "
    r"\(\d+ rounds, \w+(, interrupted)?\)"
    r"|undecided: [\w-]+ vs [\w-]+ [\d.]+x (\[[\d.]+-[\d.]+\] )?\(why: .+\)")


def ask_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "concbench", "ask", *args], cwd=cwd, env=env(),
                          capture_output=True, text=True, timeout=120, check=False)


# -- rendering, from the committed run

FIXTURE_REQUEST = Request("cpu_hash", ("sequential", "threads", "processes"),
                          ("n=8", "size_kib=256"), rounds=6)
FIXTURE_LINES = [
    "undecided: threads vs sequential 1.01x [0.924-1.09] "
    "(why: the interval crosses +-2% after --rounds 6; 6 rounds, 48s)",
    "sequential is 1.34x faster than processes [1.31-1.37] on this machine (6 rounds, 48s)",
]
#: the block, as a pull request would show it
FIXTURE_MARKDOWN = DATA / "ask.md"


def fixture_answer() -> Answer:
    return read_answer(DATA / "ask.json", DATA / "ask.runinfo")


def test_the_fixture_renders_the_exact_lines_and_block() -> None:
    found = fixture_answer()
    assert [verdict_line(found, v, FIXTURE_REQUEST, 48.0) for v in found.versus] == FIXTURE_LINES
    block = markdown(found, FIXTURE_REQUEST, 48.0)
    assert block == FIXTURE_MARKDOWN.read_text()
    assert len(block.encode()) < MAX_MARKDOWN


def test_every_line_has_an_answer_shape() -> None:
    found = fixture_answer()
    for v in found.versus:
        assert LINE.fullmatch(verdict_line(found, v, FIXTURE_REQUEST, 48.0))


def test_a_failed_model_is_one_line_with_its_reason_in_the_block_too() -> None:
    found = fixture_answer()
    failed = Failed(name="cpu_hash/dask[n=8]", scenario="cpu_hash", model="dask", params={},
                    stage="verification", error="VerificationError: computed checksum 1, expected 2 " * 20)
    found = dataclasses.replace(found, record=dataclasses.replace(found.record, failed=(failed,)))
    assert missing_lines(found.record) == [f"not measured: dask: failed verification: {failed.error}"]
    block = markdown(found, FIXTURE_REQUEST, 48.0)
    assert "- Not measured: dask: failed verification: VerificationError: computed checksum 1" in block
    assert len(block.encode()) < MAX_MARKDOWN  # a long reason is cut


# -- a real run through pyperf


def test_a_real_ask_through_pyperf(tmp_path: Path) -> None:
    out = tmp_path / "asked.json"
    proc = ask_cli("cpu_hash", "--model", "sequential", "--model", "threads", "--param", "n=4",
                   "--param", "size_kib=4", "--rounds", "2", "--no-report", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert LINE.fullmatch(lines[0]), lines[0]
    assert lines[1] == ""  # one comparison, then the block
    assert "- Reproduce: `concbench ask cpu_hash --model sequential --model threads --param n=4 " \
           "--param size_kib=4 --param workers=0 --rounds 2`" in proc.stdout
    assert f"results: {out}" in lines
    assert lines[-1].startswith("report: not written (--no-report)")
    assert out.exists()
    assert out.with_suffix(".runinfo").exists()
    assert "verifying" in proc.stderr  # the run's progress went to stderr


def test_ctrl_c_answers_what_was_measured(tmp_path: Path) -> None:
    """A terminal's Ctrl-C: SIGINT to the whole process group, the run's workers included."""
    out = tmp_path / "stopped.json"
    argv = ["cpu_hash", "--model", "sequential", "--model", "threads", "--param", "n=4",
            "--param", "size_kib=4", "--rounds", "500", "--no-report", "-o", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "concbench", "ask", *argv], cwd=tmp_path, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=default_sigint)
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if line.startswith("round 4 "):
                break
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:  # a run that outlives the test must not load the tests that come after it
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()  # and close its pipes
    assert proc.returncode == 130, stderr
    first = stdout.splitlines()[0]
    assert LINE.fullmatch(first), stdout
    assert ", interrupted)" in first or "when interrupted" in first
    assert "; stopped: interrupted" in stdout
    assert out.exists()


#: ``concbench ask`` taking a plugin module as TARGET, until user files (FILE.py) load as plugins
MODULE_TARGET = ("import re, sys; from concbench import ask; "
                 r"ask.FILE_TARGET = re.compile(r'(?P<path>tests\.concbench\.\w+)(?::(?P<name>\w+))?'); "
                 "sys.exit(ask.main(sys.argv[1:]))")


def test_a_model_that_fails_verification_is_one_line_and_the_rest_is_answered(tmp_path: Path) -> None:
    out = tmp_path / "failed.json"
    proc = subprocess.run([sys.executable, "-c", MODULE_TARGET, "tests.concbench.plugin_main",
                           "--model", "sequential", "--model", "threads", "--model", "asyncio",
                           "--rounds", "2", "--no-report", "-o", str(out)],
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert LINE.fullmatch(lines[0]), lines[0]
    assert {"sequential", "asyncio"} <= set(re.findall(r"[\w-]+", lines[0]))
    assert lines[1] == "not measured: threads: failed verification: RuntimeError: this unit runs in the " \
                       "main thread only"
    assert "- Not measured: threads: failed verification: RuntimeError" in proc.stdout


# -- what to measure


@pytest.fixture
def forget_plugins() -> Iterator[None]:
    before = set(SCENARIOS)
    yield
    for name in set(SCENARIOS) - before:
        del SCENARIOS[name]


@pytest.mark.usefixtures("forget_plugins")
def test_a_plugin_of_two_scenarios_needs_a_name() -> None:
    with pytest.raises(BadInput, match=r"registers several scenarios: choose one as "
                                       r"tests.concbench.plugin_two:NAME, NAME one of ask_cubes, ask_fifths"):
        ask.scenario_of_plugin("tests.concbench.plugin_two", None)


@pytest.mark.usefixtures("forget_plugins")
def test_a_plugin_scenario_by_name() -> None:
    assert ask.scenario_of_plugin("tests.concbench.plugin_two", "ask_fifths") == "ask_fifths"


@pytest.mark.usefixtures("forget_plugins")
def test_a_plugin_without_that_name() -> None:
    with pytest.raises(BadInput, match="registers no scenario 'nope': choose from ask_cubes, ask_fifths"):
        ask.scenario_of_plugin("tests.concbench.plugin_two", "nope")


@pytest.mark.usefixtures("forget_plugins")
def test_a_plugin_of_one_scenario_is_that_scenario() -> None:
    assert ask.scenario_of_plugin("tests.harness.test_extension_scenarios", None) == "powers"


def test_a_file_target_becomes_plugin_and_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str | None]] = []
    monkeypatch.setattr(ask, "scenario_of_plugin", lambda plugin, name: asked.append((plugin, name)) or "x")
    assert ask.resolve_target("work/mine.py:fetch") == ("x", "work/mine.py")
    assert ask.resolve_target("mine.py") == ("x", "mine.py")
    assert asked == [("work/mine.py", "fetch"), ("mine.py", None)]
    assert ask.resolve_target("cpu_hash") == ("cpu_hash", None)


def test_one_point_is_pinned_from_default_sweeps() -> None:
    # spawn sweeps lifecycle=warm,cold, and asyncio its api and (in spawn) its task factory
    point, pinned = ask.pin_point("spawn", ["threads", "asyncio"], ["n=10"])
    assert point == {"n": "10", "lifecycle": "warm", "api": "gather", "task_factory": "default"}
    assert pinned == ["lifecycle=warm", "api=gather", "task_factory=default"]
    point, pinned = ask.pin_point("spawn", ["threads", "asyncio"], ["lifecycle=cold", "api=taskgroup"])
    assert point == {"lifecycle": "cold", "api": "taskgroup", "task_factory": "default"}
    assert pinned == ["task_factory=default"]


@pytest.mark.parametrize(("args", "expected"), [
    (["cpu_hash", "--model", "threads"],
     "ask compares 2 or 3 models (--model M, repeated), 1 given: choose from sequential, asyncio,"),
    (["cpu_hash", "--model", "threads", "--model", "nope"], "unknown model 'nope': choose from sequential,"),
    (["cpu_hash", "--model", "threads", "--model", "threads"], "a model is given twice"),
    (["cpu_hash", "--model", "a", "--model", "b", "--model", "c", "--model", "d"], "unknown model 'a'"),
    (["cpu_hash", *("--model sequential --model threads --model processes --model asyncio".split())],
     "ask compares 2 or 3 models (--model M, repeated), 4 given: choose from"),
    (["nope", "--model", "threads", "--model", "sequential"],
     "unknown scenario 'nope': choose from sleep_fanout, cpu_pure, cpu_hash,"),
    (["cpu_hash", "--model", "threads", "--model", "sequential", "--param", "n=1,2"],
     "ask measures one parameter point: give one value of 'n', not 1,2"),
    (["cpu_hash", "--model", "threads", "--model", "sequential", "--param", "n=1", "--param", "n=2"],
     "ask measures one parameter point: give one value of 'n', not 1,2"),
    (["cpu_hash", "--model", "threads", "--model", "sequential", "--param", "latency_ms=1"],
     "unknown parameter 'latency_ms' for the selected benchmarks: choose from n, size_kib, workers"),
    (["cpu_hash", "--model", "threads", "--model", "sequential", "--budget", "soon"],
     "--budget: invalid duration 'soon': expected e.g. 90s, 10m, 1h30m"),
    (["cpu_hash", "--model", "threads", "--model", "sequential", "--rounds", "0"],
     "--rounds must be an integer >= 1, not 0"),
    (["cpu_hash", "--model", "threads", "--model", "sequential", "--color"],
     "unrecognized arguments: --color"),
])
def test_bad_input_is_one_line_and_status_2(args: list[str], expected: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) if "--color" in args else _no_raise():
        status = ask.main(args)
        assert status == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert expected in err


class _no_raise:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_models_that_cannot_run_give_no_answer_and_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    # executor-process declines tcp_echo by design: one model is left, nothing is measured
    assert ask.main(["tcp_echo", "--model", "sequential", "--model", "executor-process"]) == 1
    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[-1] == "no answer: fewer than two of sequential, executor-process can run tcp_echo here"
    assert lines[0].startswith("not measured: executor-process: unsupported: a socket cannot be handed")


def test_the_console_script_routes_ask(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "concbench", "ask", "--help"], cwd=tmp_path, env=env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0
    assert "FILE.py[:NAME]" in proc.stdout
