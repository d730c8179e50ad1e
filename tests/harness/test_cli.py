"""The command line: listing, and one-line errors for bad input."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import MODELS, PROFILES, SCENARIOS, plan
from benchmarks.cli import run_parser
from benchmarks.harness.runner import prepare
from tests.support.cli import env, run_cli


def test_list_shows_every_scenario_model_and_parameter(tmp_path: Path) -> None:
    proc = run_cli("list", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in (*SCENARIOS, *MODELS):
        assert name in proc.stdout
    for owner in (*SCENARIOS.values(), *MODELS.values()):
        for param in owner.params:
            assert f"--param {param.name}=" in proc.stdout
    cases, unsupported = plan()
    assert f"Matrix: {len(cases)} benchmark(s), {len(unsupported)} unsupported" in proc.stdout


def test_list_declined_prints_the_declined_pairs_alone_sorted(tmp_path: Path) -> None:
    proc = run_cli("list", "--declined", "--profile", "quick", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if not line.startswith("#")]
    assert lines == sorted(lines)
    assert lines
    _, unsupported = plan(profile=PROFILES["quick"])
    assert {line.partition(" [")[0] for line in lines} == {
        f"{case.scenario.name}/{case.model.name}" for case, _ in unsupported
        if case.model.capability.unsupported({}) is None}


def test_run_help_describes_every_profile(tmp_path: Path) -> None:
    """A profile's help with a percent sign once crashed argparse's formatting."""
    from benchmarks.harness.profiles import PROFILES

    proc = run_cli("run", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    flat = "".join(proc.stdout.split())  # argparse wraps lines, and may break them at a hyphen
    for profile in PROFILES.values():
        assert f"{profile.name}:{''.join(profile.help.split())}" in flat


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "--scenario", "nope"],
         "unknown scenario 'nope': choose from sleep_fanout, cpu_pure, cpu_hash, file_io, rpc_fanout, "
         "tcp_echo, spawn"),
        (["run", "--model", "nope"], "unknown model 'nope': choose from sequential, asyncio, uvloop"),
        (["run", "--scenario", "cpu_pure", "--param", "latency_ms=1"], "unknown parameter 'latency_ms'"),
        (["run", "--param", "n=0"], "invalid value 0 for parameter 'n': expected an integer >= 1"),
        (["run", "--param", "n=ten"], "invalid value 'ten' for parameter 'n': expected an integer >= 1"),
        (["run", "--param", "concurrency=0"],
         "invalid value 0 for parameter 'concurrency': expected an integer >= 1 or 'unbounded'"),
        (["run", "--param", "latency_ms=-1"], "invalid value -1.0 for parameter 'latency_ms'"),
        (["run", "--param", "start_method=bogus"],
         "invalid value 'bogus' for parameter 'start_method': expected one of fork"),
        (["run", "--param", "n"], "invalid --param 'n': expected NAME=VALUE"),
        (["run", "--param", "latency_ms=nan"],
         "invalid value nan for parameter 'latency_ms': expected a finite number >= 0"),
        (["run", "--param", "latency_ms=inf"],
         "invalid value inf for parameter 'latency_ms': expected a finite number >= 0"),
        (["run", "--scenario", "cpu_pure", "-o", "/proc/x.json"], "cannot write results into '/proc'"),
        (["run", "--scenario", "cpu_pure", "-o", "/proc/sub/x.json"],
         "cannot write results into '/proc/sub'"),
        (["run", "--budget", "soon"], "invalid duration 'soon': expected e.g. 90s, 10m, 1h30m"),
        (["run", "--rounds", "0"], "expected an integer >= 1, got '0'"),
        (["run", "--plugin", "no.such.module"], "cannot import plugin 'no.such.module'"),
        (["run", "--param", "n=,"], "invalid --param 'n=,': expected NAME=VALUE[,VALUE...]"),
        (["run", "--plugin", ""], "invalid --plugin '': expected a module name"),
        (["run", "--affinity", "abc"], "invalid --affinity 'abc': expected a CPU list such as 0 or 0,2-3"),
        (["run", "--affinity", "4096"], "invalid --affinity '4096': no CPU 4096 here; choose from "),
        (["run", "--profile", "fast"],
         ("invalid choice: 'fast' (choose from", "quick", "default", "rigorous")),
        (["list", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], ("invalid choice: 'frobnicate'", "list", "run")),
    ],
)
def test_bad_input_is_one_line_naming_valid_choices(
    tmp_path: Path, args: list[str], expected: str | tuple[str, ...]
) -> None:
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("python -m benchmarks: error: ")
    for fragment in (expected,) if isinstance(expected, str) else expected:
        assert fragment in lines[0]
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_existing_results_file_is_never_overwritten(tmp_path: Path) -> None:
    existing = tmp_path / "old.json"
    existing.write_text("precious")
    proc = run_cli("run", "--scenario", "cpu_pure", "-o", str(existing), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"python -m benchmarks: error: results file {str(existing)!r} "
                                   "already exists: choose another name")
    assert existing.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]


def test_more_connections_than_open_files_allow_is_one_line_before_any_work(tmp_path: Path) -> None:
    """tcp_echo with more connections than a process may open would fail only at --timeout."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = min(1024, soft)

    def lower_the_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

    proc = subprocess.run([sys.executable, "-m", "benchmarks", "run", "--scenario", "tcp_echo", "--param",
                           f"connections={limit}", "--timeout", "600", "-o", str(tmp_path / "r.json")],
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60, check=False,
                          preexec_fn=lower_the_limit)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line == (f"python -m benchmarks: error: invalid value {limit} for parameter 'connections': "
                    f"expected an integer >= 1 and <= {limit - 256} (open files per process here: {limit} "
                    "(ulimit -n), 256 kept aside)")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_planning_is_one_line_and_status_130(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Before the master handles its own signals (it starts after planning), Ctrl-C is one line."""
    from benchmarks import cli
    from benchmarks.harness import runner

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "plan", interrupted)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--scenario", "cpu_pure", "--model", "sequential", "-o", "r.json"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "python -m benchmarks: interrupted\n"
    assert list(tmp_path.iterdir()) == []


def test_run_help_shows_the_suites_groups_first_and_hides_pyperfs_worker_options() -> None:
    parser = run_parser()  # as `run --help` prints it (a checking Runner: one process, many tests)
    prepare(parser, ["--scenario", "cpu_pure"], check_only=True)
    text = parser.format_help()
    listed = text[text.index("\noptions:\n"):]  # after the usage line and the description
    headings = [line[:-1] for line in listed.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert headings == ["options", "selection", "profile and budget", "output",
                        "pyperf's options (each overrides the profile's setting)"]
    for hidden in ("--worker", "--pipe", "--worker-task", "--compare-to", "--rigorous", "--fast",
                   "--calibrate-loops", "--in-process", "--python-names", "--append", "--metrics-file"):
        assert f"{hidden} " not in text, hidden
        assert f"{hidden}]" not in text, hidden
    assert "(default: 20)" not in text  # pyperf's own default, which every profile overrides
    assert "(default: the profile's: quick 1, default 1, ask 1, rigorous 2)" in " ".join(text.split())
    assert text.index("--scenario S") < text.index("-p PROCESSES, --processes")
    assert "Verify every selected pair" in " ".join(text.split())


def test_hidden_pyperf_options_are_still_accepted() -> None:
    parser = run_parser()
    ready = prepare(parser, ["--scenario", "cpu_pure", "--model", "sequential", "--worker",
                             "--worker-task", "0", "--pipe", "5", "--loops", "1"], check_only=True)
    assert (ready.args.worker, ready.args.worker_task, ready.args.pipe) == (True, 0, 5)


def test_list_filters_by_scenario_and_model_and_prints_json(tmp_path: Path) -> None:
    proc = run_cli("list", "--scenario", "cpu_pure", "--model", "threads", "--model", "sequential",
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "  threads: " in proc.stdout
    assert "  asyncio: " not in proc.stdout
    assert "sleep_fanout" not in proc.stdout
    whole = run_cli("list", "--json", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    document = json.loads(whole.stdout)
    assert list(document) == ["version", "profile", "scenarios", "models", "pairs", "unsupported"]
    assert document["version"] == 1
    assert [s["name"] for s in document["scenarios"]] == list(SCENARIOS)
    cases, unsupported = plan()
    assert [p["benchmark"] for p in document["pairs"]] == [c.name for c in cases]
    assert [p["reason"] for p in document["unsupported"]] == [reason for _, reason in unsupported]
    some = json.loads(run_cli("list", "--json", "--scenario", "cpu_pure", "--model", "threads",
                              cwd=tmp_path).stdout)
    assert [(p["scenario"], p["model"]) for p in some["pairs"]] == [("cpu_pure", "threads")]
    assert [m["name"] for m in some["models"]] == ["threads"]
    bad = run_cli("list", "--model", "thread", cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1
    assert "unknown model 'thread': choose from sequential, " in bad.stderr
