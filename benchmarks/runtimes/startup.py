"""Pools created and fully started outside the timed region.

ThreadPoolExecutor starts a thread per submit until it reaches its size, and
ProcessPoolExecutor (with fork) starts processes on demand too: without a
warm-up the first measured value would pay for thread and process start-up.
"""

from __future__ import annotations

import asyncio
import ctypes  # for prctl in every pool child: imported once here, forked children inherit it
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from benchmarks.core.params import Param
from benchmarks.core.work import Work

WARMUP_TIMEOUT_S = 60.0

START_METHODS = tuple(multiprocessing.get_all_start_methods())
DEFAULT_START_METHOD = multiprocessing.get_context().get_start_method()

START_METHOD = Param(
    "start_method",
    str,
    (DEFAULT_START_METHOD,),
    "multiprocessing start method (default: the platform's)",
    choices=START_METHODS,
)


def cpu_count() -> int:
    return os.cpu_count() or 1


def thread_pool_size(work: Work, workers: int) -> int:
    """Explicit size, else: CPU count for CPU work, the in-flight limit for I/O work."""
    if workers:
        return workers
    if work.kind == "cpu":
        return min(work.n, cpu_count())
    return work.limit or work.n


def process_pool_size(work: Work, workers: int) -> int:
    """Explicit size, else one process per CPU (never more than there are units)."""
    if workers:
        return workers
    return min(work.limit or work.n, cpu_count())


def default_executor_size() -> int:
    """The size ThreadPoolExecutor picks when asyncio creates the default executor."""
    # 3.13+ counts the CPUs this process may use; older versions all CPUs.
    count = getattr(os, "process_cpu_count", os.cpu_count)()
    return min(32, (count or 1) + 4)


def new_thread_pool(size: int) -> ThreadPoolExecutor:
    pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="concbench")
    try:
        # Make the pool start all ``size`` threads: each warm-up task waits for the others.
        barrier = threading.Barrier(size)
        for future in [pool.submit(barrier.wait, WARMUP_TIMEOUT_S) for _ in range(size)]:
            future.result()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    return pool


def _worker_pid(unit: Callable[[int], int], delay: float) -> int:
    # Receiving ``unit`` makes the worker import the scenario's module now.
    del unit
    time.sleep(delay)
    return os.getpid()


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Linux: have the kernel terminate this process when its parent dies.

    pyperf kills a worker outright when the run is interrupted; the worker's
    pool children would otherwise wait forever on a queue nobody writes to.  The
    pyperf workers themselves, reference servers and load generators call it at
    start-up too, so nothing outlives a master killed with SIGKILL.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def pool_child_init() -> None:
    # Ctrl-C reaches the whole process group.  The pool's owner handles it and
    # shuts the pool down; a child that caught it would report the interrupted
    # unit as a result and carry on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A child forked from the master inherits its SIGTERM handler; a child must just die.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()


def _child_init(init: Callable[[], None]) -> None:
    pool_child_init()
    init()


def check_picklable(unit: Callable[[int], int]) -> None:
    """Raise the unit's own pickling error now, before any child starts: a task that cannot be
    pickled fails in the pool's feeder thread, and a pool left with it did not always shut down."""
    pickle.dumps(unit)


def new_process_pool(size: int, start_method: str, unit: Callable[[int], int],
                     init: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """``init`` (see ``Work.process_init``) runs in every child after ``pool_child_init``."""
    check_picklable(unit)
    context = multiprocessing.get_context(start_method)
    if init is None:
        pool = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=pool_child_init)
    else:
        pool = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_child_init,
                                   initargs=(init,))
    try:
        pids: set[int] = set()
        deadline = time.monotonic() + WARMUP_TIMEOUT_S
        while len(pids) < size:
            if time.monotonic() > deadline:
                raise RuntimeError(f"process pool of {size} did not start in {WARMUP_TIMEOUT_S:g} s")
            futures = [pool.submit(_worker_pid, unit, 0.02) for _ in range(size)]
            pids.update(f.result(timeout=WARMUP_TIMEOUT_S) for f in futures)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    return pool


def close_queue(queue: Any) -> None:
    """Stop a multiprocessing Queue's feeder thread and close both ends of its pipe now.

    ``Queue.close()`` leaves the pipe to the garbage collector, which the traceback of a
    failed run (a reference cycle) can delay indefinitely; and a queue this process never
    put into has no feeder thread to close its pipe's ends.
    """
    queue.close()
    queue.join_thread()
    for end in (queue._reader, queue._writer):
        end.close()


async def start_default_executor(loop: asyncio.AbstractEventLoop, size: int) -> None:
    """Start all of the loop's default executor's threads: ``size`` tasks that wait for each other."""
    barrier = threading.Barrier(size)
    await asyncio.gather(*(loop.run_in_executor(None, barrier.wait, WARMUP_TIMEOUT_S) for _ in range(size)))
    executor = loop._default_executor  # type: ignore[attr-defined]
    if executor is None or executor._max_workers != size:
        raise RuntimeError(f"the default executor does not have the expected {size} threads")
