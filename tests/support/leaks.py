"""What a test may leave behind: nothing of its own.  Threads, child processes, file
descriptors, temporary directories and listening sockets are counted before and after."""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil


def _service_pids() -> set[int]:
    """multiprocessing's own long-lived helpers (forkserver, resource tracker): not leaks."""
    pids = set()
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    tracker = getattr(multiprocessing.resource_tracker, "_resource_tracker", None)
    for helper in (getattr(server, "_forkserver_pid", None), getattr(tracker, "_pid", None)):
        if helper:
            pids.add(helper)
    return pids


def _trio_cache(thread: threading.Thread) -> bool:
    """trio's process-wide thread cache (what trio.to_thread runs in): by design its idle
    threads outlive the run that started them, for 10 s."""
    return thread.name.startswith("Trio thread ")


def leaked_children() -> list[psutil.Process]:
    service = _service_pids()
    return [p for p in psutil.Process().children(recursive=False) if p.pid not in service]


def open_fds() -> set[str]:
    """Open file descriptors (sockets, pipes, files) other than multiprocessing's helpers'."""
    fds = set()
    for entry in Path("/proc/self/fd").iterdir():
        try:
            fds.add(f"{entry.name}->{os.readlink(entry)}")
        except OSError:
            continue  # the descriptor iterdir itself used, now closed
    return fds


def listening() -> set[tuple[str, int]]:
    """TCP addresses this process or any of its children listens on."""
    found = set()
    for proc in (psutil.Process(), *psutil.Process().children(recursive=True)):
        try:
            connections = proc.net_connections(kind="tcp")
        except psutil.Error:
            continue  # a child that has just exited
        found |= {(c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN}
    return found


@contextmanager
def nothing_left() -> Iterator[None]:
    """Fail if the block leaves a thread, a child, a descriptor, a temporary directory of this
    process (``concbench-*-<pid>-*``) or a listening socket behind."""
    threads_before = set(threading.enumerate())
    own_temp = f"concbench-*-{os.getpid()}-*"  # another run on the machine makes its own
    temp_before = set(Path(tempfile.gettempdir()).glob(own_temp))
    fds_before = open_fds()
    listening_before = listening()
    yield
    assert [t.name for t in threading.enumerate() if t not in threads_before and not _trio_cache(t)] == []
    assert [p.pid for p in leaked_children()] == []
    assert set(Path(tempfile.gettempdir()).glob(own_temp)) - temp_before == set()
    assert open_fds() - fds_before == set()
    assert listening() - listening_before == set()
