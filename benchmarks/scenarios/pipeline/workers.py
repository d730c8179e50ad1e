"""The ``pipeline`` sessions of the threads and processes models.

K stage workers, started before timing and reused by every run, sit between
two bounded queues; a producer thread in this process fills the first, and
the calling thread, the consumer, empties the second.  A run hands the
producer N items and ends when the consumer has N values.  Every wait of
this process has a timeout; ``close`` stops the producer, then the workers
(a None each), terminating stage processes that do not stop.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from queue import Queue as ThreadQueue
from typing import Any, ClassVar, Protocol

from benchmarks.core.work import Work
from benchmarks.runtimes.startup import WARMUP_TIMEOUT_S, close_queue, pool_child_init
from benchmarks.scenarios.pipeline.sessions import (
    POLL_S,
    TIMEOUT_S,
    Failure,
    PipelineSession,
    StageError,
    describe,
)

#: How long ``close`` lets workers stop by themselves before giving up or terminating them.
STOP_TIMEOUT_S = 10.0
READY = "ready"  # a stage process's first message: its modules are imported
PING = "ping"  # echoed by a stage process: sent once to start this process's feeder thread


class SyncQueue(Protocol):
    """What queue.Queue and multiprocessing.Queue have in common here."""

    def put(self, item: Any, /, block: bool = ..., timeout: float | None = ...) -> None: ...
    def get(self, block: bool = ..., timeout: float | None = ...) -> Any: ...
    def put_nowait(self, item: Any, /) -> None: ...
    def get_nowait(self) -> Any: ...
    def qsize(self) -> int: ...


def drain(q: SyncQueue) -> None:
    """Empty a queue without waiting (unblocks whoever waits to put into it)."""
    try:
        while True:
            q.get_nowait()
    except queue.Empty:
        pass


class WorkerPipeline(PipelineSession):
    """K stage workers that outlive the runs, a producer thread; the calling thread consumes.

    Subclasses create ``q_in`` and ``q_out``, start their workers, then call
    :meth:`start_producer`.
    """

    #: what the K stage workers are, for the metadata
    worker: ClassVar[str]
    q_in: SyncQueue
    q_out: SyncQueue

    def __init__(self, work: Work, queue_size: int, stage_workers: int) -> None:
        super().__init__(work, queue_size, stage_workers)
        self._go: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._producer = threading.Thread(target=self._produce, name="concbench-pipeline-producer",
                                          daemon=True)
        self._producer_error: BaseException | None = None
        self._closing = False
        #: set while a run is under way and left set if it fails: queues may then hold stale items
        self.broken = False

    def start_producer(self) -> None:
        self._producer.start()

    def _produce(self) -> None:
        q_in, q_out = self.q_in, self.q_out
        while (n := self._go.get()) is not None:  # idle between runs; close() sends None
            try:
                for i in range(n):
                    waited = 0.0
                    while True:  # short waits: close() must be able to stop a blocked producer
                        try:
                            q_in.put(i, timeout=POLL_S)
                            break
                        except queue.Full:
                            if self._closing:
                                return
                            waited += POLL_S
                            if waited >= TIMEOUT_S:
                                raise TimeoutError(f"the first queue stayed full for {TIMEOUT_S:g} s") \
                                    from None
                    self.count_put(q_in.qsize(), q_out.qsize())
            except BaseException as exc:  # the consumer reports it on its next poll
                self._producer_error = exc
                return
            self._done.put(None)

    def check_workers(self) -> None:
        """Raise if a stage worker has stopped."""

    def _stalled(self, waited: float) -> None:
        if self._producer_error is not None:
            raise RuntimeError(f"the producer failed: {describe(self._producer_error)}") \
                from self._producer_error
        self.check_workers()
        if waited >= TIMEOUT_S:
            raise TimeoutError(f"no item reached the consumer for {TIMEOUT_S:g} s")

    def run(self) -> list[int]:
        if self.broken:
            raise RuntimeError("an earlier run of this pipeline failed; its queues may hold stale items")
        self.broken = True
        self.check_workers()
        n = self.n
        get = self.q_out.get
        delay = self.consumer_delay_s
        results: list[int] = []
        self._go.put(n)
        waited = 0.0
        while len(results) < n:
            try:
                value = get(timeout=POLL_S)
            except queue.Empty:
                waited += POLL_S
                self._stalled(waited)
                continue
            waited = 0.0
            if type(value) is not int:
                if isinstance(value, Failure):
                    raise StageError(f"stage failed on item {value.item}: {value.error}") from value.cause
                raise RuntimeError(f"unexpected message from a stage worker: {value!r}")
            if delay:
                time.sleep(delay)
            results.append(value)
            self.consumed += 1
        try:  # the producer has done its last sample: metrics are complete when run() returns
            self._done.get(timeout=TIMEOUT_S)
        except queue.Empty:
            raise TimeoutError("the producer did not finish its run") from None
        self.broken = False
        return results

    def close(self) -> None:
        self._closing = True
        deadline = time.monotonic() + STOP_TIMEOUT_S
        try:
            if self._producer.ident is not None:
                self._go.put(None)
                # it may be blocked on a full first queue, whose stages wait on a full second one
                while self._producer.is_alive() and time.monotonic() < deadline:
                    drain(self.q_in)
                    drain(self.q_out)
                    self._producer.join(0.01)
            self.stop_workers(deadline)
        finally:
            self.release()
        if self._producer.is_alive():
            raise RuntimeError(f"the producer thread did not stop in {STOP_TIMEOUT_S:g} s")

    def stop_workers(self, deadline: float) -> None:
        raise NotImplementedError

    def release(self) -> None:
        """Free what outlives the workers (queues' pipes)."""

    def _send_stops(self, workers: list[Any], deadline: float) -> None:
        """One None per worker into the first queue, emptying the second while they stop."""
        sent = 0
        while any(w.is_alive() for w in workers) and time.monotonic() < deadline:
            while sent < len(workers):
                try:
                    self.q_in.put_nowait(None)
                except queue.Full:
                    break
                sent += 1
            drain(self.q_out)
            for worker in workers:
                worker.join(0.01)


class ThreadPipeline(WorkerPipeline):
    """threads: K stage threads between two ``queue.Queue(maxsize=Q)``."""

    queue_impl = "queue.Queue"
    worker = "threads"

    def __init__(self, work: Work, queue_size: int, stage_workers: int) -> None:
        super().__init__(work, queue_size, stage_workers)
        self.q_in = ThreadQueue(queue_size)
        self.q_out = ThreadQueue(queue_size)
        self.threads: list[threading.Thread] = []
        try:
            for k in range(stage_workers):
                thread = threading.Thread(target=self._stage_loop, name=f"concbench-pipeline-stage-{k}",
                                          daemon=True)
                thread.start()
                self.threads.append(thread)
            self.start_producer()
        except BaseException:
            self.close()
            raise

    def _stage_loop(self) -> None:
        q_in, q_out, stage = self.q_in, self.q_out, self.stage
        while (i := q_in.get()) is not None:  # idle between runs; close() sends one None per stage
            try:
                value: int | Failure = stage(i)
            except Exception as exc:
                value = Failure(i, describe(exc), exc)
            try:
                q_out.put(value, timeout=TIMEOUT_S)
            except queue.Full:
                return  # nobody consumes any more: the consumer sees this thread gone

    def check_workers(self) -> None:
        if not all(t.is_alive() for t in self.threads):
            raise RuntimeError("a stage thread has stopped")

    def stop_workers(self, deadline: float) -> None:
        self._send_stops(self.threads, deadline)
        if any(t.is_alive() for t in self.threads):
            raise RuntimeError(f"stage threads did not stop in {STOP_TIMEOUT_S:g} s")


def stage_process(q_in: Any, q_out: Any, stage: Callable[[int], int]) -> None:
    """A stage process: items from ``q_in``, values (or a Failure) to ``q_out``, until None."""
    pool_child_init()
    q_out.put(READY)  # the stage's module is imported (it came with ``stage``)
    # Blocking waits without timeouts: the parent times out, then terminates us; we die with it.
    while (msg := q_in.get()) is not None:
        if type(msg) is int:
            try:
                value: int | Failure = stage(msg)
            except Exception as exc:
                value = Failure(msg, describe(exc))
            q_out.put(value)
        else:
            q_out.put(msg)  # a ping: echo it


class ProcessPipeline(WorkerPipeline):
    """processes: K stage processes between two ``multiprocessing.Queue(maxsize=Q)``.

    A multiprocessing queue's bound is a semaphore taken by ``put`` and given
    back by ``get``, so the items in its buffer and pipe never exceed Q.
    """

    queue_impl = "multiprocessing.Queue"
    worker = "processes"

    def __init__(self, work: Work, queue_size: int, stage_workers: int, start_method: str) -> None:
        super().__init__(work, queue_size, stage_workers)
        context = multiprocessing.get_context(start_method)
        self.q_in = self._mp_in = context.Queue(queue_size)
        self.q_out = self._mp_out = context.Queue(queue_size)
        # typeshed's BaseContext has no Process; every context get_context returns does
        process: Callable[..., BaseProcess] = context.Process  # type: ignore[attr-defined]
        self.procs = [process(target=stage_process, args=(self._mp_in, self._mp_out, self.stage),
                              name=f"concbench-pipeline-stage-{k}", daemon=True)
                      for k in range(stage_workers)]
        try:
            for proc in self.procs:  # before any thread of ours exists: fork copies only this one
                proc.start()
            self._await_ready()
            self.start_producer()
        except BaseException:
            self.broken = True
            self.close()
            raise

    def _await_ready(self) -> None:
        deadline = time.monotonic() + WARMUP_TIMEOUT_S
        for _ in self.procs:
            self._expect(READY, deadline)
        # One round trip starts this process's feeder thread for q_in (the first put starts it)
        # before timing rather than in the first run.
        self.q_in.put(PING, timeout=TIMEOUT_S)
        self._expect(PING, deadline)

    def _expect(self, wanted: str, deadline: float) -> None:
        while True:
            try:
                msg = self.q_out.get(timeout=POLL_S)
            except queue.Empty:
                self.check_workers()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"stage processes not ready in {WARMUP_TIMEOUT_S:g} s") from None
                continue
            if msg != wanted:
                raise RuntimeError(f"unexpected message from a stage process: {msg!r}")
            return

    def check_workers(self) -> None:
        for proc in self.procs:
            if proc.exitcode is not None:
                raise RuntimeError(f"stage process {proc.pid} exited with code {proc.exitcode}")

    def stop_workers(self, deadline: float) -> None:
        started = [p for p in self.procs if p.pid is not None]
        # After a failed run, or with a worker dead (it may have died holding a queue's lock,
        # which its siblings then wait for forever), stopping politely could only time out.
        if not self.broken and all(p.exitcode is None for p in started):
            self._send_stops(started, deadline)
        for proc in started:
            if proc.exitcode is None:
                proc.terminate()
        for proc in started:
            proc.join(TIMEOUT_S)
            if proc.exitcode is None:
                proc.kill()
                proc.join()

    def release(self) -> None:
        for proc in self.procs:
            if proc.pid is None or proc.exitcode is not None:
                proc.close()
        for q in (self._mp_in, self._mp_out):
            drain(q)  # what no worker read, so that this process's feeder can flush and exit
            close_queue(q)
