"""The dask model against a real cluster: a ``dask scheduler`` and two ``dask worker`` processes
started with the virtualenv's CLIs on loopback, ephemeral ports, nothing listening beyond it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pyperf
import pytest

from tests.support.cli import MINIMAL_PYPERF, REPO, run_cli
from tests.support.tiny import tiny_args

START_TIMEOUT_S = 60.0
DASK = Path(sys.executable).with_name("dask")


def listening(pids: set[int]) -> set[str]:
    """``ss -ltnp``'s local addresses of the sockets these processes listen on."""
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found = set()
    for line in out.splitlines():
        owners = {int(pid) for pid in re.findall(r"pid=(\d+)", line)}
        if owners & pids:
            found.add(line.split()[3])
    return found


def tree(procs: list[subprocess.Popen[bytes]]) -> set[int]:
    pids = set()
    for proc in procs:
        pids.add(proc.pid)
        try:
            pids |= {child.pid for child in psutil.Process(proc.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            pass
    return pids


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """The workers first, while their scheduler is there to say goodbye to (workers whose
    scheduler went first keep trying to reach it for seconds), then the scheduler."""
    for group in (procs[1:], procs[:1]):
        for proc in group:
            if proc.poll() is None:
                proc.terminate()
        for proc in group:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler on 127.0.0.1 (port 0: its address comes from the scheduler file) and two
    workers of one thread; HTTP servers off or on 127.0.0.1:0; all stopped afterwards."""
    if not DASK.exists():
        pytest.skip("the dask CLI is not installed in this virtualenv")
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # the workers unpickle the scenarios' units
    scheduler_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert procs[0].poll() is None, "dask scheduler exited"
            assert time.monotonic() < deadline, "dask scheduler did not start"
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for k in range(2):
            procs.append(subprocess.Popen(
                [str(DASK), "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--nworkers", "1",
                 "--dashboard-address", "127.0.0.1:0", "--name", f"concbench-test-{k}",
                 "--local-directory", str(tmp_path / f"worker-{k}")],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        waiter = ("import sys; from distributed import Client\n"
                  "with Client(sys.argv[1], timeout=60) as c: c.wait_for_workers(2, timeout=60)\n")
        subprocess.run([sys.executable, "-c", waiter, address], check=True, timeout=START_TIMEOUT_S + 30,
                       capture_output=True)
        yield address, procs
    finally:
        stop(procs)


@pytest.mark.pyperf
def test_the_dask_model_runs_on_a_real_cluster_that_listens_on_loopback_only(
        cluster: tuple[str, list[subprocess.Popen[bytes]]], tmp_path: Path) -> None:
    address, procs = cluster
    out = tmp_path / "dask.json"
    scenarios = ("cpu_pure", "spawn", "file_io")
    proc = run_cli("run", "--model", "dask", *(arg for s in scenarios for arg in ("--scenario", s)),
                   "--dask-scheduler", address, "--profile", "quick", *tiny_args(*scenarios),
                   "--param", "lifecycle=warm", *MINIMAL_PYPERF, "-o", str(out), cwd=tmp_path, timeout=180)
    assert proc.returncode == 0, proc.stderr
    benches = pyperf.BenchmarkSuite.load(str(out)).get_benchmarks()
    assert {b.get_metadata()["scenario"] for b in benches} == {"cpu_pure", "spawn"}
    for bench in benches:  # recorded by the master and by the pyperf worker, which got the option
        meta = bench.get_metadata()
        assert meta["dask_scheduler"] == address
        assert meta["dask_workers"] == meta["dask_threads"] == 2
        assert "checked on every worker" in meta["dask_worker_versions"]
    unsupported = json.loads(out.with_suffix(".runinfo").read_text())["unsupported"]
    assert [u["scenario"] for u in unsupported] == ["file_io"]  # its files are on this machine only
    assert "remote cluster" in unsupported[0]["reason"]
    addresses = listening(tree(procs))
    assert addresses, "the cluster listens somewhere"
    assert all(a.startswith("127.0.0.1:") for a in addresses), addresses  # no 0.0.0.0, no [::]


def test_the_local_cluster_listens_on_loopback_only() -> None:
    """The default LocalCluster, started as a pyperf worker would (in a process of its own)."""
    script = (
        "import json, os, re, subprocess, psutil\n"
        "from benchmarks.runtimes import cluster\n"
        "if __name__ == '__main__':\n"
        "    c = cluster.connect()\n"
        "    pids = {os.getpid()} | {p.pid for p in psutil.Process().children(recursive=True)}\n"
        "    ss = subprocess.run(['ss', '-ltnpH'], capture_output=True, text=True).stdout\n"
        "    ours = [line.split()[3] for line in ss.splitlines()\n"
        "            if {int(p) for p in re.findall(r'pid=(\\d+)', line)} & pids]\n"
        "    print(json.dumps({'listening': ours, 'workers': c.workers, 'threads': c.threads}))\n"
        "    cluster.disconnect()\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=False)
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout.splitlines()[-1])
    assert (answer["workers"], answer["threads"]) == (2, 2)
    # the child and its cluster are gone; what they listened on was in ss's output then
    ours = answer["listening"]
    assert ours, "the cluster listens somewhere"
    assert all(a.startswith("127.0.0.1:") for a in ours), ours  # no 0.0.0.0, no [::], no 8787
