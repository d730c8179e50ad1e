"""The example workloads of examples/: their units are right, their set-ups clean up, and each runs
through the real pyperf path (``concbench run``) with every pair verified.

The unit-level tests call the example's functions directly, arguments by name as the engine passes
them; the pyperf test runs every file of examples/, and its module's teardown fails if one went
untested.
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil
import pyperf
import pytest

from benchmarks.core.runrecord import RunRecord
from benchmarks.scenarios import cpu_hash
from concbench import Workload
from tests.support.cli import MINIMAL_PYPERF, REPO, env

EXAMPLES = REPO / "examples"
DEADLINE_S = 10.0  # for a process to be gone


def load(name: str) -> tuple[ModuleType, Workload]:
    """An example by path, as a user's file is loaded, with its workload (named as its file)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    workload = getattr(module, name)
    assert isinstance(workload, Workload)
    return module, workload


def call(func: Callable[..., Any], available: dict[str, Any], *first: int) -> Any:
    """``func`` with ``first`` (a unit's i), then every other argument it names from ``available``."""
    names = list(inspect.signature(func).parameters)[len(first):]
    return func(*first, **{n: available[n] for n in names})


@contextmanager
def prepared(workload: Workload, **params: Any) -> Iterator[dict[str, Any]]:
    """The workload's parameters (defaults, then ``params``) and its set-ups' values; torn down after."""
    available = {"units": workload.units, "concurrency": workload.concurrency,
                 **{k: v[0] for k, v in workload.params.items()}, **params}
    generators = []
    try:
        for name, func in workload.setups.items():
            value = call(func, available)
            if inspect.isgenerator(value):
                generators.append(value)
                value = next(value)
            available[name] = value
        yield available
    finally:
        for gen in reversed(generators):
            with pytest.raises(StopIteration):
                next(gen)


def blocking(workload: Workload, available: dict[str, Any]) -> list[Any]:
    assert workload.blocking is not None
    return [call(workload.blocking, available, i) for i in range(available["units"])]


def gone(pid: int, deadline_s: float = DEADLINE_S) -> bool:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.02)
    return False


# -- fetch_parse ------------------------------------------------------------------------------------

def server_pids() -> set[int]:
    """This process's children running the example's HTTP server."""
    return {p.pid for p in psutil.Process().children() if "fetch_parse.py" in " ".join(p.cmdline())}


def test_fetch_parse_forms_agree_with_expected() -> None:
    _, workload = load("fetch_parse")
    assert workload.asyncio_form is not None
    assert callable(workload.expected)
    with prepared(workload, units=12, delay_ms=1) as available:
        assert len(server_pids()) == 1
        results = blocking(workload, available)

        async def gathered() -> list[Any]:
            assert workload.asyncio_form is not None
            return await asyncio.gather(*(call(workload.asyncio_form, available, i) for i in range(12)))

        assert asyncio.run(gathered()) == results
    assert results == list(workload.expected(units=12))
    assert len(set(results)) == 12  # the index reaches the server: no two units got one answer
    assert server_pids() == set()


def test_fetch_parse_server_waits_delay_ms() -> None:
    _, workload = load("fetch_parse")
    with prepared(workload, units=1, delay_ms=300) as available:
        start = time.perf_counter()
        blocking(workload, available)
        assert time.perf_counter() - start >= 0.3  # a lower bound, not a timing: the delay is applied


def test_fetch_parse_server_stopped_when_its_set_up_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that never reports its port: the set-up fails, and the process it started is ended."""
    module, workload = load("fetch_parse")
    monkeypatch.setattr(module, "START_TIMEOUT_S", 0.2)
    started: list[int] = []
    real_popen = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        # a process that prints nothing: however loaded the machine, no port comes in time
        proc = real_popen([sys.executable, "-c", "import time; time.sleep(60)"], **kwargs)
        started.append(proc.pid)
        return proc

    monkeypatch.setattr(module.subprocess, "Popen", popen)
    with pytest.raises(RuntimeError, match="reported no port"), prepared(workload):
        pass
    assert len(started) == 1
    assert gone(started[0])


def test_fetch_parse_server_dies_with_its_parent(tmp_path: Path) -> None:
    """A parent killed outright (SIGKILL: no teardown) takes its server with it."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent(f"""
        import importlib.util, os, signal, sys
        spec = importlib.util.spec_from_file_location("fp", {str(EXAMPLES / "fetch_parse.py")!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        running = module.server(delay_ms=1)  # kept: a generator collected would stop the server
        address = next(running)
        print(address[1], flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """))
    errors = tmp_path / "stderr"  # a file: a server left alive would hold a pipe open
    with errors.open("w") as stderr:
        proc = subprocess.run([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=stderr, text=True,
                              timeout=30, check=False, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == -signal.SIGKILL, errors.read_text()
    port = int(proc.stdout)
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end and listeners(port):
        time.sleep(0.02)
    left = listeners(port)
    for pid in left:  # so that a failure leaves nothing behind either
        psutil.Process(pid).kill()
    assert left == set()


def listeners(port: int) -> set[int]:
    """The processes listening on TCP ``port`` of 127.0.0.1."""
    return {c.pid for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN
            and c.laddr.port == port and c.pid is not None}


# -- parse_records ------------------------------------------------------------------------------------

def test_parse_records_slices_cover_the_log_once() -> None:
    """Summed over units, the failed requests equal a count over the whole log by another method."""
    _, workload = load("parse_records")
    with prepared(workload, units=5, records=300) as available:
        results = blocking(workload, available)
        folder = Path(available["log"])
        log = [line for i in range(5) for line in (folder / f"{i}.log").read_text().splitlines()]
    assert not folder.exists()
    assert len(log) == len(set(log)) == 5 * 300  # no line twice (each has its own ts)
    failed = [line for line in log if re.search(r"status=5\d\d|level=ERROR", line)]
    assert sum(r % 1_000_003 for r in results) == len(failed) > 0
    latency = sum(round(float(re.findall(r"latency_ms=([\d.]+)", line)[0]) * 1000) for line in failed)
    assert sum(r // 1_000_003 for r in results) == latency


def test_parse_records_data_is_deterministic() -> None:
    _, workload = load("parse_records")
    with prepared(workload, units=3, records=50) as first, prepared(workload, units=3, records=50) as again:
        assert first["log"] != again["log"]
        assert [(Path(first["log"]) / f"{i}.log").read_text() for i in range(3)] == [
            (Path(again["log"]) / f"{i}.log").read_text() for i in range(3)]
        assert blocking(workload, first) == blocking(workload, again)


# -- hashing ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("i", "size_kib"), [(0, 1), (1, 4), (250, 3), (251, 3), (300, 64), (31, 1024)])
def test_hashing_is_cpu_hash(i: int, size_kib: int) -> None:
    _, workload = load("hashing")
    assert workload.blocking is not None
    assert workload.blocking(i, size_kib=size_kib) == cpu_hash.unit(i, size=size_kib * 1024)


def test_hashing_has_cpu_hash_defaults() -> None:
    _, workload = load("hashing")
    scenario = {p.name: p.default for p in cpu_hash.SCENARIO.params}
    assert ((workload.units,), workload.params["size_kib"], workload.kind) == (scenario["n"],
                                                                              scenario["size_kib"], "cpu")


# -- sqlite_query -------------------------------------------------------------------------------------

def test_sqlite_query_answers_and_cleans_up() -> None:
    module, workload = load("sqlite_query")
    with prepared(workload, units=9, rows=2000) as available:
        path = Path(available["database"])
        results = blocking(workload, available)
        assert path.exists()
    assert not path.parent.exists()
    # the same sums in Python, from the rows the set-up wrote
    rows = [(n, n * 7919 % module.REGIONS, n * 104_729 % 100_000) for n in range(2000)]
    for i, result in enumerate(results):
        chosen = [c for _, region, c in rows if region == i % module.REGIONS and c > i * 1_000 % 50_000]
        assert result == sum(chosen) * 1_000_003 + len(chosen)
    assert len(set(results)) == 9


def test_sqlite_query_directory_removed_when_its_set_up_fails() -> None:
    _, workload = load("sqlite_query")
    before = set(Path(tempfile.gettempdir()).glob("concbench-sqlite-*"))
    with pytest.raises(TypeError), prepared(workload, rows="many"):
        pass
    assert set(Path(tempfile.gettempdir()).glob("concbench-sqlite-*")) == before


# -- through pyperf -----------------------------------------------------------------------------------

#: Every example with its tiny parameters (besides ``units``): one run measures them all, under
#: sequential, threads and asyncio (which only examples with an async form can take).
THROUGH_PYPERF = {
    "fetch_parse": ("delay_ms=1", "concurrency=3"),
    "parse_records": ("records=50",),
    "hashing": ("size_kib=4",),
    "sqlite_query": ("rows=500",),
    "sleepy": (),
}
PYPERF_MODELS = ("sequential", "threads", "asyncio")
TESTED: set[str] = set()


@pytest.fixture(scope="module", autouse=True)
def every_example_tested() -> Iterator[None]:
    """Fails the module if the pyperf test ran but an example file of examples/ was not in it."""
    yield
    if TESTED:
        assert {p.stem for p in EXAMPLES.glob("*.py")} - TESTED == set()


def fetch_servers_since(start: float, cwd: Path) -> list[psutil.Process]:
    """fetch_parse servers started since ``start`` in ``cwd`` (this test's folder: a run of the
    tests elsewhere on the machine has servers of its own)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "create_time", "cwd"]):
        cmdline = proc.info["cmdline"] or []
        if (proc.info["create_time"] >= start - 1 and proc.info["cwd"] == str(cwd)
                and any(a.endswith("fetch_parse.py") for a in cmdline)):
            found.append(proc)
    return found


@pytest.mark.pyperf
def test_every_example_runs_through_pyperf(tmp_path: Path) -> None:
    out = tmp_path / "examples.json"
    args = ["run", "--profile", "quick", *MINIMAL_PYPERF, "-o", str(out), "--param", "units=4"]
    for name, params in THROUGH_PYPERF.items():
        args += ["--plugin", str(EXAMPLES / f"{name}.py"), "--scenario", name]
        args += [a for p in params for a in ("--param", p)]
    args += [a for m in PYPERF_MODELS for a in ("--model", m)]
    start = time.time()
    # multiprocessing's resource tracker or forkserver, started by an earlier test, stay
    earlier = {p.pid for p in psutil.Process().children(recursive=True)}
    proc = subprocess.run([sys.executable, "-m", "concbench", *args], cwd=tmp_path, env=env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    async_forms = {name for name in THROUGH_PYPERF if load(name)[1].asyncio_form is not None}
    assert async_forms == {"fetch_parse", "sleepy"}
    runnable = {(n, m) for n in THROUGH_PYPERF for m in PYPERF_MODELS if m != "asyncio" or n in async_forms}
    benches = pyperf.BenchmarkSuite.load(str(out)).get_benchmarks()
    assert {(b.get_metadata()["scenario"], b.get_metadata()["model"]) for b in benches} == runnable
    assert all(b.get_nvalue() >= 1 for b in benches)
    info = RunRecord.read(out.with_suffix(".runinfo"))
    assert info.failed == ()
    assert info.completed == info.planned == len(runnable)
    assert {(u.scenario, u.model) for u in info.unsupported} == {
        (n, "asyncio") for n in THROUGH_PYPERF if n not in async_forms}
    for bench in benches:  # each pair's answer was checked against the expected one before timing
        meta = bench.get_metadata()
        assert str(meta["expected_checksum"]).startswith("4:"), bench.get_name()
    assert fetch_servers_since(start, tmp_path) == []
    left = [(p.pid, p.cmdline()) for p in psutil.Process().children(recursive=True) if p.pid not in earlier]
    assert left == []
    TESTED.update(THROUGH_PYPERF)
