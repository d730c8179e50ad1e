"""Shared fixtures: tiny parameters and a leak check for threads and child processes."""

from __future__ import annotations

import multiprocessing.forkserver
import multiprocessing.resource_tracker
import threading
from collections.abc import Iterator

import psutil
import pytest

# Small enough that the whole registry answers in seconds.
TINY: dict[str, list[str]] = {
    "n": ["6"],
    "latency_ms": ["1"],
    "size": ["300"],
    "size_kib": ["4"],
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


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """Fail if the test leaves a thread or a child process behind."""
    threads_before = set(threading.enumerate())
    yield
    leaked_threads = [t.name for t in threading.enumerate() if t not in threads_before]
    assert leaked_threads == []
    assert [p.pid for p in leaked_children()] == []
