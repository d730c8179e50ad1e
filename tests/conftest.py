"""Shared fixtures: tiny parameters and a leak check for threads and child processes."""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

# Small enough that the whole registry answers in seconds.
TINY: dict[str, list[str]] = {
    "n": ["6"],
    "latency_ms": ["1"],
    "size": ["300"],
    "size_kib": ["4"],
    "response_bytes": ["100"],
    "connections": ["3"],
    "round_trips": ["5"],
    "message_bytes": ["300"],
    "unit_kind": ["pure", "hash"],
    "unit_us": ["100"],
    "total_ms": ["1"],
    "parties": ["3"],
    "rounds": ["5"],
    "items": ["6"],
    "stage_steps": ["300"],
    "queue_size": ["2"],
    "calls": ["6"],
    "pattern": ["retry", "ratelimit", "unlimited"],
    "backoff_us": ["100"],
    "rate_per_s": ["5000"],
}


def _service_pids() -> set[int]:
    """multiprocessing's own long-lived helpers (forkserver, resource tracker): not leaks."""
    pids = set()
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    tracker = getattr(multiprocessing.resource_tracker, "_resource_tracker", None)
    for helper in (getattr(server, "_forkserver_pid", None), getattr(tracker, "_pid", None)):
        if helper:
            pids.add(helper)
    return pids


def leaked_children() -> list[psutil.Process]:
    service = _service_pids()
    return [p for p in psutil.Process().children(recursive=False) if p.pid not in service]


@pytest.fixture(scope="session")
def process_wide_helpers() -> None:
    """Start once what lives for the whole process by design, so it is not counted as a
    leak: uvloop's global self-pipe, the forkserver, the resource tracker and the first
    arena of multiprocessing's shared-memory heap (``Value``, ``Array``), which keeps small
    arenas and their file descriptors for reuse."""
    from concurrent.futures import ProcessPoolExecutor

    import uvloop

    uvloop.new_event_loop().close()
    multiprocessing.RawValue("q", 0)  # freed at once; its arena stays
    for method in multiprocessing.get_all_start_methods():
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method)) as pool:
            pool.submit(int).result()


@pytest.fixture
def no_leaks(process_wide_helpers: None) -> Iterator[None]:
    """Fail if the test leaves a thread or a child process behind."""
    threads_before = set(threading.enumerate())
    # this process's own temporary directories: another run on the machine makes its own
    # (counting those made this check flaky when two test runs shared the machine)
    own_temp = f"concbench-*-{os.getpid()}-*"
    temp_before = set(Path(tempfile.gettempdir()).glob(own_temp))
    fds_before = _open_fds()
    yield
    leaked_threads = [t.name for t in threading.enumerate() if t not in threads_before]
    assert leaked_threads == []
    assert [p.pid for p in leaked_children()] == []
    assert set(Path(tempfile.gettempdir()).glob(own_temp)) - temp_before == set()
    assert _open_fds() - fds_before == set()


def _open_fds() -> set[str]:
    """Open file descriptors (sockets, pipes, files) other than multiprocessing's helpers'."""
    fds = set()
    for entry in Path("/proc/self/fd").iterdir():
        try:
            fds.add(f"{entry.name}->{os.readlink(entry)}")
        except OSError:
            continue  # the descriptor iterdir itself used, now closed
    return fds
