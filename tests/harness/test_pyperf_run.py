"""Every registered pair through real pyperf runs; failures and Ctrl-C handled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pyperf
import pytest

from benchmarks import PROFILES, SCENARIOS, Case, plan
from benchmarks.core.formats import CPU_STEAL, CPU_TIMES, parse_cpu_times
from benchmarks.core.params import parse_assignments
from benchmarks.core.runrecord import VERSION, RunRecord
from benchmarks.harness.master import group_of
from benchmarks.harness.schedule import round_order
from tests.support.cli import MINIMAL_PYPERF, REPO, default_sigint, env, living_in_session, run_cli
from tests.support.tiny import TINY_ARGS, available_models, tiny, tiny_args

pytestmark = pytest.mark.pyperf

COMMON_METADATA = ("scenario", "scenario_kind", "model", "params", "expected_checksum", "parallelism",
                   "concurrency_limit", "python_gil", "python_pgo", "python_lto", "pyperf_version",
                   "uvloop_version", "worker_cpu_affinity", "worker_cpus", "profile")


def load(path: Path) -> pyperf.BenchmarkSuite:
    return pyperf.BenchmarkSuite.load(str(path))


# Scenarios whose sessions record more than time (the run's .metrics.jsonl side file).
METRIC_SCENARIOS = {"tcp_echo", "primitives", "pipeline", "cancel_timeout", "retry_ratelimit"}


def records_metrics(meta: dict[str, object]) -> bool:
    if meta["model"] == "dask":
        return True  # the worker process's cluster start-up, once (cluster_start_s)
    if meta["scenario"] == "cancel_timeout":
        return meta["param_op"] == "shutdown"  # deadline calls record nothing but time
    if meta["scenario"] == "retry_ratelimit":
        return meta["param_pattern"] != "retry"  # retries record nothing but time
    return meta["scenario"] in METRIC_SCENARIOS


def quick_plan(scenarios: list[str] | None = None) -> tuple[list[Case], list[tuple[Case, str]]]:
    """The quick profile's plan over the tiny sweep, of ``scenarios`` (None: all)."""
    return plan(scenarios or (), overrides=tiny(scenarios), profile=PROFILES["quick"])


def test_the_runs_of_one_scenario_each_make_the_whole_quick_plan() -> None:
    """test_every_pair_runs_through_pyperf runs one scenario at a time, so that its runs share
    the CPUs: together they are the whole quick run, every scenario and every model here."""
    whole, declined = quick_plan()
    parts = [quick_plan([name]) for name in SCENARIOS]
    assert sorted(c.name for runnable, _ in parts for c in runnable) == sorted(c.name for c in whole)
    assert sorted((c.name, why) for _, unsupported in parts for c, why in unsupported) == sorted(
        (c.name, why) for c, why in declined)
    assert {c.scenario.name for c in whole} == set(SCENARIOS)
    assert {c.model.name for c in whole} == set(available_models())


# One quick run per scenario (about 0.5 s a pair): parallel test processes share them out.
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_pair_runs_through_pyperf(tmp_path: Path, scenario: str) -> None:
    out = tmp_path / "all.json"
    proc = run_cli("run", "--profile", "quick", "--scenario", scenario, *tiny_args(scenario), *MINIMAL_PYPERF,
                   "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    benches = load(out).get_benchmarks()
    pairs = {(b.get_metadata()["scenario"], b.get_metadata()["model"]) for b in benches}
    # the run's own selection: a reason may depend on the parameters (granularity declines a
    # cluster above 1000 tasks per value, which the tiny sweep never reaches)
    runnable, unsupported = quick_plan([scenario])
    assert pairs == {(c.scenario.name, c.model.name) for c in runnable}
    assert {s for s, _ in pairs} == {scenario}
    for bench in benches:
        meta = bench.get_metadata()
        for key in COMMON_METADATA:
            assert key in meta, (bench.get_name(), key)
        for name in meta["params"].split(","):
            assert f"param_{name}" in meta
        assert meta["name"].startswith(f"{meta['scenario']}/{meta['model']}[")
        assert bench.get_nvalue() == 1
        if hasattr(os, "sched_setaffinity"):  # every CPU the workers may use was probed before
            probed = {int(entry.split(":")[0]) for entry in meta["cpu_probe_us"].split(",")}
            assert probed == set(os.sched_getaffinity(0))
            assert meta["cpu_probe_spread"] >= 1.0
        for run in bench.get_runs():  # CPU time beside every value, the steal of its measurement
            if run.values:
                cpu = parse_cpu_times(run.get_metadata().get(CPU_TIMES))
                assert cpu is not None, bench.get_name()
                assert len(cpu) == len(run.values), (bench.get_name(), cpu)
                if Path("/proc/stat").exists():
                    assert 0 <= run.get_metadata()[CPU_STEAL] <= 1
        if meta["model"] in ("asyncio", "uvloop", "to_thread", "executor-thread", "executor-process"):
            assert meta["loop"] == ("uvloop" if meta["model"] == "uvloop" else "asyncio")
        if meta["model"] in ("processes", "executor-process"):
            assert meta["start_method"] == meta.get("param_start_method", "fork")  # tcp_echo pre-forks
            assert meta["pool_size"] >= 1
    info = json.loads(out.with_suffix(".runinfo").read_text())
    assert info["version"] == VERSION
    assert RunRecord.read(out.with_suffix(".runinfo")).to_dict() == info
    assert info["completed"] == info["planned"] == len(benches)
    assert info["failed"] == []
    assert set(info["slow_cpu"]) <= {b.get_name() for b in benches}  # drift is the machine's, not ours
    assert {(u["scenario"], u["model"], u["reason"]) for u in info["unsupported"]} == {
        (c.scenario.name, c.model.name, reason) for c, reason in unsupported}
    with_metrics = any(records_metrics(b.get_metadata()) for b in benches)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "all.json", *(["all.metrics.jsonl"] if with_metrics else []), "all.runinfo"]
    metrics_file = out.with_suffix(".metrics.jsonl")
    metrics = [json.loads(line) for line in metrics_file.read_text().splitlines()] if with_metrics else []
    by_scenario = {b.get_name(): b.get_metadata()["scenario"] for b in benches}
    assert {m["benchmark"] for m in metrics} == {
        b.get_name() for b in benches if records_metrics(b.get_metadata())}
    assert all(m["run"] == "value" for m in metrics)
    assert all(m["latency_samples"] == 2 * 3 for m in metrics if by_scenario[m["benchmark"]] == "tcp_echo")
    assert all(1 <= m["inflight_peak"] <= m["inflight_bound"]
               for m in metrics if by_scenario[m["benchmark"]] == "pipeline")
    assert all(m["shutdown_us"] > 0 for m in metrics if by_scenario[m["benchmark"]] == "cancel_timeout")
    pattern = {b.get_name(): b.get_metadata().get("param_pattern") for b in benches}
    assert all(0 < m["achieved_rate_per_s"] <= m["target_rate_per_s"] * (1 + 1e-9)
               for m in metrics if pattern[m["benchmark"]] == "ratelimit")
    assert all(m["acquires_per_s"] > 0 for m in metrics if pattern[m["benchmark"]] == "unlimited")
    # pyperf's own tools read the file
    for tool in (["stats"], ["compare_to", str(out)]):
        check = subprocess.run([sys.executable, "-m", "pyperf", *tool, str(out)],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr


def test_default_results_name_has_time_host_and_python(tmp_path: Path) -> None:
    proc = run_cli("run", "--scenario", "cpu_pure", "--model", "sequential", *TINY_ARGS[4:6],
                   "--param", "n=2", *MINIMAL_PYPERF, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (result,) = (tmp_path / "results").glob("*.json")
    stamp, host, python = result.stem.split("_")
    assert len(stamp) == len("20261126T010203Z")
    assert python == "py" + load(result).get_metadata()["python_version"].split()[0]
    assert host


WRONG_EXPECTED = """
import sys
from benchmarks.scenarios import cpu_pure
cpu_pure.closed_form = lambda i, size: 0   # the master now expects a wrong answer
from benchmarks.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_pair_that_fails_verification_is_not_timed_and_others_run(tmp_path: Path) -> None:
    script = tmp_path / "wrong_expected.py"
    script.write_text(WRONG_EXPECTED)
    out = tmp_path / "r.json"
    proc = subprocess.run(
        [sys.executable, str(script), "run", "--scenario", "cpu_pure", "--scenario", "cpu_hash",
         "--model", "sequential", "--model", "threads", "--param", "n=3", "--param", "size=100",
         "--param", "size_kib=4", *MINIMAL_PYPERF, "-o", str(out)],
        cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1
    assert "FAILED verification: cpu_pure/sequential[n=3,size=100]: VerificationError" in proc.stderr
    timed = {b.get_name() for b in load(out).get_benchmarks()}
    assert timed == {"cpu_hash/sequential[n=3,size_kib=4]", "cpu_hash/threads[n=3,size_kib=4,workers=0]"}
    failed = json.loads(out.with_suffix(".runinfo").read_text())["failed"]
    assert [(f["name"], f["stage"]) for f in failed] == [
        ("cpu_pure/sequential[n=3,size=100]", "verification"),
        ("cpu_pure/threads[n=3,size=100,workers=0]", "verification"),
    ]


def test_a_worker_that_times_out_fails_alone(tmp_path: Path) -> None:
    """The next benchmark still runs, and runs the right task (positions stay aligned)."""
    out = tmp_path / "r.json"
    # verification (one run, 1.5 s) fits in the limit; the worker's three values (4.5 s) do not
    proc = run_cli("run", "--scenario", "sleep_fanout", "--scenario", "cpu_pure", "--model", "sequential",
                   "--param", "n=1", "--param", "latency_ms=1500", "--param", "size=100",
                   *MINIMAL_PYPERF, "-n", "3", "--timeout", "3", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (bench,) = load(out).get_benchmarks()
    assert bench.get_name() == "cpu_pure/sequential[n=1,size=100]"
    assert bench.get_metadata()["scenario"] == "cpu_pure"
    (failed,) = json.loads(out.with_suffix(".runinfo").read_text())["failed"]
    assert failed["scenario"] == "sleep_fanout"
    assert failed["stage"] == "timing"
    assert "FAILED: sleep_fanout/sequential" in proc.stderr


def test_the_time_limit_covers_verification(tmp_path: Path) -> None:
    """A pair whose untimed check alone outlasts --timeout fails there, and the run goes on."""
    out = tmp_path / "r.json"
    proc = run_cli("run", "--scenario", "sleep_fanout", "--scenario", "cpu_pure", "--model", "sequential",
                   "--param", "n=50", "--param", "latency_ms=2000", "--param", "size=100",
                   *MINIMAL_PYPERF, "--timeout", "1", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "verifying [1/2]" in proc.stderr  # progress shows during verification
    (failed,) = json.loads(out.with_suffix(".runinfo").read_text())["failed"]
    assert failed["stage"] == "verification"
    assert failed["error"] == "PairTimeout: verification took more than 1 s (--timeout)"
    assert [b.get_metadata()["scenario"] for b in load(out).get_benchmarks()] == ["cpu_pure"]


# A pair whose units block in threads of a pool: no exception can stop them in the process
# that runs them, and the pool's shutdown (or interpreter exit) would wait for them.
BLOCKED = ["--scenario", "sleep_fanout", "--model", "threads", "--param", "latency_ms=1e9", "--param", "n=4"]
#: the seconds a test gives a run that must end: far past its own limit plus the child's grace
MUST_END_S = 60


def test_a_pair_blocked_in_threads_fails_at_its_limit_and_leaves_no_thread_or_process(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "benchmarks", "run", *BLOCKED, "--scenario", "cpu_pure",
           "--model", "sequential", "--param", "size=100", *MINIMAL_PYPERF, "--timeout", "2", "-o", str(out)]
    with subprocess.Popen(cmd, cwd=tmp_path, env=env(), stderr=subprocess.PIPE, text=True,
                          stdout=subprocess.DEVNULL, start_new_session=True) as proc:
        try:
            _, stderr = proc.communicate(timeout=MUST_END_S)
        finally:
            alive = living_in_session(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL) if alive else None
        assert alive == []
    assert proc.returncode == 1, stderr
    blocked = ["sleep_fanout/sequential[n=4,latency_ms=1000000000.0,concurrency=unbounded]",
               "sleep_fanout/threads[n=4,latency_ms=1000000000.0,concurrency=unbounded,workers=0]"]
    assert [line for line in stderr.splitlines() if line.startswith("FAILED")] == [
        f"FAILED verification: {name}: PairTimeout: verification took more than 2 s (--timeout)"
        for name in blocked]
    failed = json.loads(out.with_suffix(".runinfo").read_text())["failed"]
    assert [(f["name"], f["stage"]) for f in failed] == [(name, "verification") for name in blocked]
    assert {b.get_metadata()["scenario"] for b in load(out).get_benchmarks()} == {"cpu_pure"}


def test_sigterm_while_a_verification_blocks_in_threads_ends_the_run(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "benchmarks", "run", *BLOCKED, *MINIMAL_PYPERF, "--timeout", "600",
           "-o", str(out)]
    with subprocess.Popen(cmd, cwd=tmp_path, env=env(), stderr=subprocess.PIPE, text=True,
                          stdout=subprocess.DEVNULL, start_new_session=True) as proc:
        assert proc.stderr is not None
        seen = []
        try:
            for line in proc.stderr:
                seen.append(line)
                if line.startswith("verifying [1/1]"):
                    break
            time.sleep(0.5)  # the units have started (a signal before would also do)
            proc.terminate()
            status = proc.wait(timeout=MUST_END_S)  # not the units' 1e6 s
        finally:
            alive = living_in_session(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL) if alive else None
        assert alive == []
        seen.append(proc.stderr.read())
    assert status == 143, "".join(seen)
    assert "Traceback" not in "".join(seen)
    info = json.loads(out.with_suffix(".runinfo").read_text())
    assert (info["interrupted"], info["completed"]) == (True, 0)


# The second benchmark of each selection runs for over half a second: long enough to be interrupted
# while its pool, reference server or load generator and pre-forked workers are alive.
INTERRUPTED_RUNS = {
    "pool": ["--scenario", "sleep_fanout", "--model", "sequential", "--model", "processes",
             "--param", "n=1", "--param", "latency_ms=600"],
    "reference-server": ["--scenario", "rpc_fanout", "--model", "sequential", "--model", "processes",
                         "--param", "n=2", "--param", "latency_ms=600"],
    "load-generator": ["--scenario", "tcp_echo", "--model", "sequential", "--model", "processes",
                       "--param", "connections=2", "--param", "round_trips=4000",
                       "--param", "message_bytes=65536"],
}


@pytest.mark.parametrize("selection", list(INTERRUPTED_RUNS))
def test_ctrl_c_keeps_finished_benchmarks_and_leaves_no_process(tmp_path: Path, selection: str) -> None:
    out = tmp_path / "r.json"
    proc, seen = _start_and_wait_for_second(selection, out, tmp_path)
    with proc:
        assert proc.stderr is not None
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        status = proc.wait(timeout=60)
        alive = living_in_session(proc.pid)
        if alive:  # clean up before failing, or they would hold the pipe open forever
            os.killpg(proc.pid, signal.SIGKILL)
        assert alive == []
        seen.append(proc.stderr.read())
        assert status == 130, "".join(seen)
    (bench,) = load(out).get_benchmarks()
    assert bench.get_metadata()["model"] == "sequential"
    info = json.loads(out.with_suffix(".runinfo").read_text())
    assert info["interrupted"] is True
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["r.json", *(["r.metrics.jsonl"] if selection == "load-generator" else []), "r.runinfo"]


def _start_and_wait_for_second(selection: str, out: Path,
                               cwd: Path) -> tuple[subprocess.Popen[str], list[str]]:
    """Start a run of ``selection``; return once its second benchmark's worker is running."""
    cmd = [sys.executable, "-m", "benchmarks", "run", *INTERRUPTED_RUNS[selection], *MINIMAL_PYPERF,
           "--seed", str(seed_timing_last("processes", INTERRUPTED_RUNS[selection])), "-o", str(out)]
    proc = subprocess.Popen(cmd, cwd=cwd, env=env(), stderr=subprocess.PIPE, text=True,
                            stdout=subprocess.DEVNULL, start_new_session=True, preexec_fn=default_sigint)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("round 1 [2/2]"):
            _wait_for_workers_child(proc.pid)
            break
    return proc, seen


def _wait_for_workers_child(master: int) -> None:
    """Until the second benchmark's pyperf worker has started its pool, reference server or load
    generator: a fixed sleep raced the benchmark's end (a flake seen on this machine)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            workers = [p for p in psutil.Process(master).children()
                       if "--worker" in (p.cmdline() or [])]
            if any(worker.children() for worker in workers):
                return
        except psutil.Error:
            pass  # a worker that has just exited
        time.sleep(0.02)
    raise AssertionError("the worker started no child within 30 s")


@pytest.mark.parametrize("selection", list(INTERRUPTED_RUNS))
def test_sigterm_publishes_what_finished_and_leaves_no_process(tmp_path: Path, selection: str) -> None:
    out = tmp_path / "r.json"
    proc, seen = _start_and_wait_for_second(selection, out, tmp_path)
    with proc:
        proc.terminate()  # SIGTERM to the master alone, as timeout(1) and CI runners send it
        status = proc.wait(timeout=60)
        alive = living_in_session(proc.pid)
        if alive:
            os.killpg(proc.pid, signal.SIGKILL)
        assert alive == []
        assert proc.stderr is not None
        seen.append(proc.stderr.read())
        assert status == 143, "".join(seen)
    (bench,) = load(out).get_benchmarks()
    assert bench.get_metadata()["model"] == "sequential"
    assert json.loads(out.with_suffix(".runinfo").read_text())["interrupted"] is True


@pytest.mark.parametrize("selection", list(INTERRUPTED_RUNS))
def test_sigkill_of_the_master_leaves_no_survivor(tmp_path: Path, selection: str) -> None:
    out = tmp_path / "r.json"
    proc, _ = _start_and_wait_for_second(selection, out, tmp_path)
    with proc:
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children  # a worker and its pool, reference server or generator and servers
        proc.kill()
        proc.wait(timeout=10)
        _, alive = psutil.wait_procs(children, timeout=2)
        for survivor in alive:
            survivor.kill()
        assert [p.pid for p in alive] == []


def seed_timing_last(model: str, selection: list[str]) -> int:
    """A round-order seed under which ``model``'s benchmark of the selection is timed last."""
    pick = {"--scenario": [], "--model": [], "--param": []}  # type: dict[str, list[str]]
    for flag, value in zip(selection[::2], selection[1::2], strict=True):
        pick[flag].append(value)
    cases, _ = plan(pick["--scenario"], pick["--model"], parse_assignments(pick["--param"]))
    model_of = {case.name: case.model.name for case in cases}
    groups = [group_of(case) for case in cases]  # the master's blocks
    return next(seed for seed in range(100)
                if model_of[round_order(list(model_of), 0, seed, groups)[-1]] == model)


def test_checkout_is_importable_from_anywhere() -> None:
    assert (REPO / "benchmarks" / "__main__.py").exists()


def test_pinned_workers_are_recorded_and_warned_about(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = run_cli("run", "--scenario", "cpu_pure", "--model", "processes", "--param", "n=2",
                   "--param", "size=100", "--param", "workers=2", "--param", "start_method=fork",
                   *MINIMAL_PYPERF, "--affinity", "0",
                   "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "WARNING: affinity: 1 (details in the .runinfo file, 'warnings')" in proc.stderr
    assert json.loads(out.with_suffix(".runinfo").read_text())["warnings"]["affinity"] == [
        "cpu_pure/processes[n=2,size=100,workers=2,start_method=fork,chunksize=1]: "
        "2 workers share 1 CPU(s) (0): at most 1 run in parallel"]
    meta = load(out).get_benchmarks()[0].get_metadata()
    assert meta["worker_cpu_affinity"] == "0"
    assert meta["worker_cpus"] == 1
    assert meta["pool_size"] == 2


POOL_RUN = ["--scenario", "sleep_fanout", "--model", "sequential", "--model", "threads",
            "--param", "n=1", "--param", "latency_ms=600"]


def _interrupt_at(line_start: str, args: list[str], cwd: Path, sig: int) -> list[str]:
    cmd = [sys.executable, "-m", "benchmarks", "run", *args]
    with subprocess.Popen(cmd, cwd=cwd, env=env(), stderr=subprocess.PIPE, text=True,
                          stdout=subprocess.DEVNULL, start_new_session=True,
                          preexec_fn=default_sigint) as proc:
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if line.startswith(line_start):
                time.sleep(0.3)
                os.killpg(proc.pid, sig)
                break
        proc.wait(timeout=60)
        seen.append(proc.stderr.read())
    return seen


def _rounds_of(path: Path) -> dict[str, list[int]]:
    return {b.get_name(): sorted(int(r.get_metadata()["round"]) for r in b.get_runs() if r.values)
            for b in load(path).get_benchmarks()}


def test_resume_measures_only_what_an_interrupted_run_missed(tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    _interrupt_at("round 2 [2/2]", [*POOL_RUN, *MINIMAL_PYPERF, "--rounds", "2", "-o", str(first)],
                  tmp_path, signal.SIGINT)
    before = _rounds_of(first)
    assert sorted(len(r) for r in before.values()) == [1, 2]  # one benchmark missed round 2
    second = tmp_path / "second.json"
    proc = run_cli("run", *POOL_RUN, *MINIMAL_PYPERF, "--rounds", "2", "--resume", str(first),
                   "-o", str(second), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "round 2 [1/1]" in proc.stderr
    assert "round 1 [" not in proc.stderr
    assert _rounds_of(second) == {name: [0, 1] for name in before}
    assert first.exists()  # a published file is never touched
    assert json.loads(second.with_suffix(".runinfo").read_text())["resumed_from"] == str(first)


def test_resume_from_the_partial_file_of_a_killed_run(tmp_path: Path) -> None:
    out = tmp_path / "killed.json"
    _interrupt_at("round 2 [1/2]", [*POOL_RUN, *MINIMAL_PYPERF, "--rounds", "2", "-o", str(out)],
                  tmp_path, signal.SIGKILL)
    (partial,) = tmp_path.glob(".killed.json.*.partial")  # round 1 was saved when it ended
    assert not out.exists()
    done = tmp_path / "done.json"
    proc = run_cli("run", *POOL_RUN, *MINIMAL_PYPERF, "--rounds", "2", "--resume", str(partial),
                   "-o", str(done), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert all(rounds == [0, 1] for rounds in _rounds_of(done).values())
    assert len(_rounds_of(done)) == 2
    assert not partial.exists()  # its runs are in done.json now


@pytest.mark.parametrize(("args", "message"), [
    (["--profile", "quick"], "profile is 'default' there, 'quick' now"),
    (["--scenario", "cpu_pure", "--model", "sequential", "--param", "size=100"],
     "which this command does not plan"),
])
def test_resume_refuses_a_run_of_another_kind(tmp_path: Path, args: list[str], message: str) -> None:
    first = tmp_path / "first.json"
    proc = run_cli("run", *POOL_RUN, *MINIMAL_PYPERF, "-o", str(first), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    if args[0] == "--profile":
        args = [*POOL_RUN, *args]
    proc = run_cli("run", *args, *MINIMAL_PYPERF, "--resume", str(first), "-o", str(tmp_path / "x.json"),
                   cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "x.json").exists()


def test_loops_are_chosen_once_before_the_rounds(tmp_path: Path) -> None:
    """Without --loops, the verification's pilot picks them: no calibration process of pyperf's,
    every run of every round has values, at the same power of two."""
    out = tmp_path / "r.json"
    proc = run_cli("run", "--scenario", "cpu_pure", "--model", "sequential", "--model", "threads",
                   "--param", "n=6", "--param", "size=300", "--rounds", "2", "-p", "1", "-n", "1", "-w", "0",
                   "--min-time", "0.01", "--quiet", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for bench in load(out).get_benchmarks():
        runs = bench.get_runs()
        assert all(run.values for run in runs), bench.get_name()
        (loops,) = {run.get_loops() for run in runs}
        assert loops > 1
        assert loops & (loops - 1) == 0
        assert sorted(int(run.get_metadata()["round"]) for run in runs) == [0, 1]
        assert bench.get_metadata()["loops_from"] == "pilot"


def test_a_later_run_reuses_the_loops_an_earlier_one_kept(tmp_path: Path) -> None:
    """The loops are part of what a benchmark measures: a second run on this machine takes the first
    one's from .loops.json beside the results (no pilot), --fresh-loops picks them again."""
    args = ["run", "--scenario", "cpu_pure", "--model", "sequential", "--param", "n=6", "--param", "size=300",
            "--rounds", "1", "-p", "1", "-n", "1", "-w", "0", "--min-time", "0.01", "--quiet"]
    loops = {}
    for name, extra in (("first", []), ("second", []), ("fresh", ["--fresh-loops"])):
        proc = run_cli(*args, *extra, "-o", str(tmp_path / f"{name}.json"), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        (bench,) = load(tmp_path / f"{name}.json").get_benchmarks()
        loops[name] = (bench.get_runs()[0].get_loops(), bench.get_metadata()["loops_from"])
    kept = json.loads((tmp_path / ".loops.json").read_text())
    (entry,) = kept.values()
    (name, cached), = entry.items()
    assert name == bench.get_name()
    assert loops["first"] == (loops["first"][0], "pilot")
    assert loops["second"] == (loops["first"][0], "an earlier run (.loops.json)")
    assert loops["fresh"][1] == "pilot"
    assert cached == loops["fresh"][0]  # the fresh pilot's loops replace the kept ones


@pytest.mark.parametrize("explicit", [False, True])
def test_the_default_profile_warms_up_by_what_a_benchmark_needs(tmp_path: Path, explicit: bool) -> None:
    """A benchmark of several loops warms up with one untimed run (run metadata ``warmup_runs``)
    instead of pyperf's warm-up of a whole value; a one-loop run of 0.2 s or more whose warm-up
    matched its value loses the warm-up from round 2 on; a short one-loop run keeps it; a
    --warmups of the user's keeps pyperf's warm-up everywhere."""
    out = tmp_path / "r.json"
    proc = run_cli("run", "--profile", "default", "--scenario", "sleep_fanout", "--scenario", "cpu_pure",
                   "--model", "sequential", "--model", "asyncio", "--param", "n=5",
                   "--param", "latency_ms=50", "--param", "size=300", "--rounds", "2",
                   *(["--warmups", "1"] if explicit else []), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    warmups, names = {}, {}
    for bench in load(out).get_benchmarks():
        runs = sorted(bench.get_runs(), key=lambda run: int(run.get_metadata()["round"]))
        key = (bench.get_metadata()["scenario"], bench.get_metadata()["model"])
        warmups[key] = [(len(run.warmups or ()), run.get_metadata().get("warmup_runs", 0)) for run in runs]
        names[key] = bench.get_name()
        (loops,) = {run.get_loops() for run in runs}
        assert (loops == 1) is (key[0] == "sleep_fanout")
    assert warmups["sleep_fanout", "asyncio"] == [(1, 0), (1, 0)]  # 50 ms a run: shorter than 0.2 s
    assert warmups["sleep_fanout", "sequential"] == ([(1, 0), (1, 0)] if explicit else [(1, 0), (0, 0)])
    for model in ("sequential", "asyncio"):  # well under a millisecond a run: many loops
        assert warmups["cpu_pure", model] == ([(1, 0), (1, 0)] if explicit else [(0, 1), (0, 1)])
    info = json.loads(out.with_suffix(".runinfo").read_text())["warmups"]
    assert info["dropped"] == ([] if explicit else [names["sleep_fanout", "sequential"]])
    assert info["one_run"] == (0 if explicit else 2)


# Two quick benchmarks: the second is paused before (CONCBENCH_PAUSE_AT=between) and signalled.
TWO_QUICK = ["--scenario", "cpu_pure", "--model", "sequential", "--model", "threads",
             "--param", "n=2", "--param", "size=100", *MINIMAL_PYPERF]


@pytest.mark.parametrize(("signals", "status"), [
    ([signal.SIGTERM], 143),
    ([signal.SIGINT], 130),
    ([signal.SIGHUP], 129),
    ([signal.SIGINT, signal.SIGINT], 130),  # Ctrl-C pressed twice, 40 ms apart
    ([signal.SIGTERM, signal.SIGINT], 143),
])
def test_a_signal_between_two_benchmarks_publishes_the_first(tmp_path: Path, signals: list[int],
                                                            status: int) -> None:
    out = tmp_path / "r.json"
    got, stderr = _signal_when(["run", *TWO_QUICK, "-o", str(out)], tmp_path, signals,
                               lambda line, pid: line.startswith("paused at between"), pause_at="between")
    assert got == status, stderr
    assert "Traceback" not in stderr
    # the closing line says which signal stopped the run
    said = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGHUP: "SIGHUP"}[signals[0]]
    assert (f"stopped by {said} after 0 full round(s): every measurement that finished is kept\n"
            in stderr), stderr
    (bench,) = load(out).get_benchmarks()
    info = json.loads(out.with_suffix(".runinfo").read_text())
    assert (info["interrupted"], info["completed"], info["results"]) == (True, 1, "r.json")
    assert bench.get_metadata()["scenario"] == "cpu_pure"  # whichever the round put first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "r.runinfo"]


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_tcp_echos_calibration_writes_the_run_info(tmp_path: Path, sig: int,
                                                                   status: int) -> None:
    """Signalled while the calibration's native peer runs (a child of the master itself)."""
    out = tmp_path / "r.json"
    args = ["run", "--scenario", "tcp_echo", "--model", "sequential", "--param", "connections=2",
            "--param", "round_trips=4000", "--param", "message_bytes=65536", *MINIMAL_PYPERF, "-o", str(out)]
    got, stderr = _signal_when(args, tmp_path, [sig], lambda line, pid: False, child="echo_peer")
    assert got == status, stderr
    assert "Traceback" not in stderr
    info = json.loads(out.with_suffix(".runinfo").read_text())
    assert (info["interrupted"], info["completed"], info["results"], info["failed"]) == (True, 0, None, [])
    assert not out.exists()


def _signal_when(args: list[str], cwd: Path, signals: list[int], ready: Any, pause_at: str | None = None,
                 child: str | None = None) -> tuple[int, str]:
    """Run ``args``; once a stderr line is ``ready`` (or the master has a child named ``child``),
    send ``signals`` to the master's process group 40 ms apart: its exit status and stderr.  No
    process of the run may be left."""
    def send(master: int) -> None:
        if child is not None:
            _wait_for_child_named(master, child)
        for index, sig in enumerate(signals):
            if index:
                time.sleep(0.04)
            os.killpg(master, sig)

    environ = {**env(), **({"CONCBENCH_PAUSE_AT": pause_at} if pause_at else {})}
    return _run_acting(args, cwd, send, None if child is not None else ready, environ)


def _run_acting(args: list[str], cwd: Path, act: Callable[[int], None], ready: Any = None,
                environ: dict[str, str] | None = None) -> tuple[int, str]:
    """Run ``python -m benchmarks ARGS`` in a session of its own; read its stderr until a line is
    ``ready`` (None: read none first), then ``act(master's pid)``: its exit status and stderr.  No
    process of the run may be left."""
    with subprocess.Popen([sys.executable, "-m", "benchmarks", *args], cwd=cwd, env=environ or env(),
                          stderr=subprocess.PIPE, text=True, stdout=subprocess.DEVNULL,
                          start_new_session=True, preexec_fn=default_sigint) as proc:
        assert proc.stderr is not None
        seen: list[str] = []
        try:
            if ready is not None:
                for line in proc.stderr:
                    seen.append(line)
                    if ready(line, proc.pid):
                        break
            act(proc.pid)
            status = proc.wait(timeout=MUST_END_S)
        finally:
            alive = living_in_session(proc.pid)
            os.killpg(proc.pid, signal.SIGKILL) if alive else None
        assert alive == []
        seen.append(proc.stderr.read())
    return status, "".join(seen)


def _wait_for_child_named(master: int, name: str, recursive: bool = False, kill: bool = False) -> None:
    """Until the master has a child (or descendant) whose command line holds ``name``; kill it."""
    deadline = time.monotonic() + MUST_END_S
    while time.monotonic() < deadline:
        try:
            for child in psutil.Process(master).children(recursive=recursive):
                if name in " ".join(child.cmdline()):
                    if kill:
                        time.sleep(0.3)  # in the middle of a value (2 s), not at its start
                        child.kill()
                    return
        except psutil.Error:
            pass
        time.sleep(0.005)
    raise AssertionError(f"the master started no {name} within {MUST_END_S} s")


# A helper of a session, its command line, and a selection whose values last a second or more.
HELPERS = {
    "the reference server": ("rpc_fanout.refserver", ["--scenario", "rpc_fanout", "--model", "sequential",
                                                      "--param", "n=20", "--param", "latency_ms=100"]),
    "the load generator": ("echo_loadgen", ["--scenario", "tcp_echo", "--model", "sequential",
                                            "--param", "connections=2", "--param", "round_trips=40000",
                                            "--param", "message_bytes=65536"]),
}


@pytest.mark.parametrize("helper", list(HELPERS))
def test_a_killed_helper_fails_its_pair_in_one_line_keeping_earlier_rounds(tmp_path: Path,
                                                                           helper: str) -> None:
    """The helper is killed in round 2: the FAILED line names it and its signal, the worker's
    traceback goes to the failure log, and round 1's values stay in the results."""
    out = tmp_path / "r.json"
    needle, selection = HELPERS[helper]
    args = ["run", *selection, "--rounds", "3", "-p", "1", "-n", "3", "-w", "0", "-l", "1", "-o", str(out)]
    def kill_helper(master: int) -> None:
        _wait_for_child_named(master, needle, recursive=True, kill=True)

    status, stderr = _run_acting(args, tmp_path, kill_helper,
                                 ready=lambda line, pid: line.startswith("round 2 "))
    assert status == 1, stderr
    assert "Traceback" not in stderr
    (failed_line,) = [line for line in stderr.splitlines() if "FAILED" in line or "Error" in line]
    assert failed_line.startswith(f"FAILED: {selection[1]}/sequential[")
    assert f": stopped at round 2, round 1 kept: {helper} (pid " in failed_line
    assert ") was killed by SIGKILL; then " in failed_line  # and the error it caused
    assert failed_line.endswith("(traceback in r.failures.log)")
    (failed,) = json.loads(out.with_suffix(".runinfo").read_text())["failed"]
    assert failed["error"] == failed_line.split("]: ", 1)[1]
    assert "Traceback" in (tmp_path / "r.failures.log").read_text()
    assert _rounds_of(out) == {failed["name"]: [0]}
    (bench,) = load(out).get_benchmarks()
    assert bench.get_metadata()["incomplete_pair"] == "stopped at round 2, round 1 kept"
