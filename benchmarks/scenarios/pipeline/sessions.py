"""The sessions of the ``pipeline`` scenario: producer -> stage -> consumer over bounded queues.

Item i enters the pipeline as the integer i, the stage computes ``work.call(i)``
and the consumer collects the value.  One session class per family of models:

- :class:`SequentialPipeline`: no queues; each item is produced, computed and
  consumed before the next (the baseline).
- :class:`AsyncPipeline`: a producer task, K stage tasks and the consumer on
  one event loop; a stage awaits the model's unit (inline, ``to_thread`` or
  ``run_in_executor``), so the stage is whatever the async model makes of it.
- ``ThreadPipeline`` and ``ProcessPipeline`` (:mod:`benchmarks.scenarios.pipeline.workers`):
  K stage workers (threads, or processes of a given start method) started
  before timing and reused by every run, fed by a producer thread; the calling
  thread consumes.

A run ends when the consumer has taken exactly N values, not at end-of-run
markers: a worker that took two markers would end the run while another still
held an item.  Stage workers therefore live until ``close``.

Back-pressure is checked, not assumed: the producer counts each item once it
is in the first queue, the consumer each item it has finished with, and right
after every put the producer samples ``produced - consumed`` and both queues'
sizes, keeping the peaks (a few attribute reads per item, the same in every
pipeline with queues).  The structure bounds the items in flight by
``2Q + K + 1``: Q in each queue, one held by each of the K stages, one in the
consumer's hand (the producer's own hand is empty when it samples).
``metrics`` reports the peaks.
"""

from __future__ import annotations

import asyncio
from asyncio import Queue as AsyncQueue
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, ClassVar

from benchmarks.core.contract import Session
from benchmarks.core.work import Work
from benchmarks.runtimes.aio import LoopFactory, close_loop

#: No item reaching the consumer for this long fails the run.
TIMEOUT_S = 30.0
#: How often a waiting consumer (or the async watchdog) checks on the rest of the pipeline.
POLL_S = 0.5

AsyncStage = Callable[[int], Awaitable[int]]
#: Builds the async stage on the session's loop; may register pools to shut down in the ExitStack.
AsyncStageFactory = Callable[[asyncio.AbstractEventLoop, ExitStack], AsyncStage]


def inflight_bound(queue_size: int, stage_workers: int) -> int:
    """Items that can be in flight: two full queues, one per stage, one in the consumer's hand."""
    return 2 * queue_size + stage_workers + 1


class StageError(RuntimeError):
    """The stage raised on an item: the run fails with this."""


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def stage_error(item: int, exc: BaseException) -> StageError:
    return StageError(f"stage failed on item {item}: {describe(exc)}")


@dataclass(frozen=True)
class Failure:
    """What a stage worker sends on instead of a value when the stage raised."""

    item: int
    error: str
    #: the exception itself, for thread workers (processes send the text only: always picklable)
    cause: BaseException | None = field(default=None, compare=False)


class PipelineSession(Session):
    """What every pipeline shares: its shape and the in-flight accounting."""

    queue_impl: ClassVar[str]
    #: Seconds the consumer sleeps per item: 0 in every benchmark.  The back-pressure tests
    #: set it on the class (monkeypatch) to show that a slow consumer throttles the producer.
    consumer_delay_s: ClassVar[float] = 0.0

    def __init__(self, work: Work, queue_size: int, stage_workers: int) -> None:
        self.n = work.n
        self.stage = work.call
        self.queue_size = queue_size
        self.stage_workers = stage_workers
        self.bound = inflight_bound(queue_size, stage_workers)
        # Cumulative over the session's runs: nothing is reset that a late sample could race with.
        self.produced = 0
        self.consumed = 0
        self.inflight_peak = 0
        self.in_peak = 0
        self.out_peak = 0

    def count_put(self, in_size: int, out_size: int) -> None:
        """The producer's sample after each put: items in flight and both queues' sizes."""
        self.produced += 1
        inflight = self.produced - self.consumed
        if inflight > self.inflight_peak:
            self.inflight_peak = inflight
        if in_size > self.in_peak:
            self.in_peak = in_size
        if out_size > self.out_peak:
            self.out_peak = out_size

    def metrics(self) -> dict[str, float]:
        result = {"inflight_peak": float(self.inflight_peak), "inflight_bound": float(self.bound),
                  "queue_in_peak": float(self.in_peak), "queue_out_peak": float(self.out_peak)}
        self.inflight_peak = self.in_peak = self.out_peak = 0
        return result

    async def consume_with(self, get: Callable[[], Awaitable[int]],
                           sleep: Callable[[float], Awaitable[None]]) -> list[int]:
        """The consumer of a pipeline on an event loop: ``get`` each item, counting it consumed."""
        delay = self.consumer_delay_s
        results = []
        for _ in range(self.n):
            value = await get()
            if delay:
                await sleep(delay)
            results.append(value)
            self.consumed += 1
        return results

    async def watch_with(self, sleep: Callable[[float], Awaitable[None]]) -> None:
        """Fail the run when no item has been consumed for TIMEOUT_S (one timer per POLL_S)."""
        seen, waited = self.consumed, 0.0
        while True:
            await sleep(POLL_S)
            if self.consumed != seen:
                seen, waited = self.consumed, 0.0
                continue
            waited += POLL_S
            if waited >= TIMEOUT_S:
                raise TimeoutError(f"no item reached the consumer for {TIMEOUT_S:g} s")


class SequentialPipeline(PipelineSession):
    """No queues: one item at a time, so exactly one is ever in flight."""

    queue_impl = "none"

    def __init__(self, work: Work) -> None:
        super().__init__(work, queue_size=0, stage_workers=1)
        self.bound = 1

    def run(self) -> list[int]:
        stage = self.stage
        results = []
        for i in range(self.n):
            try:
                value = stage(i)
            except Exception as exc:
                raise stage_error(i, exc) from exc
            results.append(value)
        # structural, not sampled: counting here would only add work the baseline does not need
        self.inflight_peak = 1
        return results

    def metrics(self) -> dict[str, float]:
        result = {"inflight_peak": float(self.inflight_peak), "inflight_bound": float(self.bound)}
        self.inflight_peak = 0
        return result


class AsyncPipeline(PipelineSession):
    """Event-loop models: producer, K stage tasks and consumer on one loop, ``asyncio.Queue``s.

    The queues and the K + 3 tasks are created per run (microseconds, as a
    coroutine pipeline is written); the loop and any pool exist before timing.
    """

    queue_impl = "asyncio.Queue"

    def __init__(self, work: Work, queue_size: int, stage_workers: int,
                 loop_factory: LoopFactory,
                 stage_factory: AsyncStageFactory) -> None:
        super().__init__(work, queue_size, stage_workers)
        self.loop = loop_factory()
        self._resources = ExitStack()
        try:
            self._astage = stage_factory(self.loop, self._resources)
        except BaseException:
            self._resources.close()
            self.loop.close()
            raise

    def run(self) -> list[int]:
        return self.loop.run_until_complete(self._pipeline())

    async def _pipeline(self) -> list[int]:
        q_in: AsyncQueue[int | None] = AsyncQueue(self.queue_size)
        q_out: AsyncQueue[int] = AsyncQueue(self.queue_size)
        async with asyncio.TaskGroup() as group:  # a failing task cancels the others
            group.create_task(self._produce(q_in, q_out))
            for _ in range(self.stage_workers):
                group.create_task(self._stage(q_in, q_out))
            watchdog = group.create_task(self.watch_with(asyncio.sleep))
            results = await self.consume_with(q_out.get, asyncio.sleep)
            watchdog.cancel()
        return results

    async def _produce(self, q_in: AsyncQueue[int | None], q_out: AsyncQueue[int]) -> None:
        put = q_in.put
        for i in range(self.n):
            await put(i)
            self.count_put(q_in.qsize(), q_out.qsize())
        for _ in range(self.stage_workers):  # each stage task ends at its own None
            await put(None)

    async def _stage(self, q_in: AsyncQueue[int | None], q_out: AsyncQueue[int]) -> None:
        astage = self._astage
        while (i := await q_in.get()) is not None:
            try:
                value = await astage(i)
            except Exception as exc:
                raise stage_error(i, exc) from exc
            await q_out.put(value)

    def close(self) -> None:
        close_loop(self.loop, self._resources)


class TrioPipeline(PipelineSession):
    """trio: a producer task, one stage task computing inline and the consumer in a nursery,
    joined by two memory channels of ``queue_size`` slots, in the session's one ``trio.run``.

    Closing a channel's sending end is the stage's end-of-run signal (``async for`` ends);
    the queues' sizes are the channels' ``current_buffer_used``.
    """

    queue_impl = "trio.open_memory_channel (2, of queue_size slots each)"

    def __init__(self, work: Work, queue_size: int) -> None:
        from benchmarks.runtimes.structured import TrioRunner

        super().__init__(work, queue_size, stage_workers=1)
        self._runner = TrioRunner()

    def run(self) -> list[int]:
        return self._runner.call(self._run)

    async def _run(self) -> list[int]:
        import trio

        send_in, receive_in = trio.open_memory_channel[int](self.queue_size)
        send_out, receive_out = trio.open_memory_channel[int](self.queue_size)
        async with trio.open_nursery() as nursery:  # a failing task cancels the others
            nursery.start_soon(self._produce, send_in, receive_in, receive_out)
            nursery.start_soon(self._stage, receive_in, send_out)
            nursery.start_soon(self.watch_with, trio.sleep)
            results = await self.consume_with(receive_out.receive, trio.sleep)
            nursery.cancel_scope.cancel()  # the watchdog
        return results

    async def _produce(self, send_in: Any, receive_in: Any, receive_out: Any) -> None:
        async with send_in:
            send = send_in.send
            for i in range(self.n):
                await send(i)
                self.count_put(receive_in.statistics().current_buffer_used,
                               receive_out.statistics().current_buffer_used)

    async def _stage(self, receive_in: Any, send_out: Any) -> None:
        stage = self.stage
        async for i in receive_in:
            try:
                value = stage(i)
            except Exception as exc:
                raise stage_error(i, exc) from exc
            await send_out.send(value)
        # closed only at the end: a stage that failed must not end the consumer's channel too
        # (its EndOfChannel would join the StageError)
        await send_out.aclose()

    def close(self) -> None:
        self._runner.close()
