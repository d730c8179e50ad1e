"""spawn: the cost of creating and finishing N units that do nothing.

Each unit returns a number derived from its index and does no other work, so
what is timed is the model's own machinery.  Two lifecycles (parameter
``lifecycle``):

- ``warm``: loops and pools exist and every worker has started before timing,
  as in every other scenario: the per-unit cost of dispatching work to them.
- ``cold``: creating the loop or pool (and starting every thread or process)
  and shutting it down are inside the timed region: the cost of spinning up.
  With the default pool sizes a cold ``threads`` run starts one thread per unit.

Process models sweep every start method (fork, forkserver, spawn) by default;
asyncio and uvloop sweep ``asyncio.eager_task_factory`` (Python 3.12+, declared
unsupported before) against the default task factory.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from dataclasses import replace

from benchmarks.core.contract import Model, Scenario, Session
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work, checksum, mix
from benchmarks.runtimes.loops import EventLoop, Loop
from benchmarks.runtimes.startup import START_METHOD, START_METHODS

LIFECYCLE = Param("lifecycle", str, ("warm", "cold"), "pools and loops created outside the timing "
                  "(warm) or inside it (cold)", choices=("warm", "cold"))
TASK_FACTORY = Param("task_factory", str, ("default", "eager"), "asyncio task factory",
                     choices=("default", "eager"))


def unit(i: int) -> int:
    return mix(i)


async def aunit(i: int) -> int:
    return mix(i)


async def _nothing() -> int:
    return 0


async def _gather_nothing() -> None:
    await asyncio.gather(_nothing())


@functools.cache
def _eager_failure(implementation: Loop) -> str | None:
    """Why this loop cannot run asyncio's eager task factory, found by trying it once."""
    loop = implementation.factory()()
    probe = _gather_nothing()
    try:
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
        loop.run_until_complete(probe)
    except TypeError as exc:  # seen: uvloop 0.23 passes eager_start, which 3.13.0's factory rejects
        probe.close()  # never started: close it rather than leave it unawaited
        return f"{implementation.name} cannot use asyncio.eager_task_factory here: {exc}"
    finally:
        loop.close()
    return None


class ColdSession(Session):
    """Each run creates the model's session, runs it once and closes it: all timed."""

    def __init__(self, model: Model, work: Work, params: Mapping[str, Value]) -> None:
        self._model = model
        self._work = work
        self._params = params

    def run(self) -> list[int]:
        with self._model.open(self._work, self._params) as session:
            return session.run()


class Spawn(Scenario):
    name = "spawn"
    summary = ("create and finish N units that do nothing: warm (pools ready) "
               "or cold (pools created in the timing)")
    kind = "io"  # units never compute: thread pools get one thread per unit
    params = (
        Param("n", int, (100,), "number of units", quick=(20,), tiny=(6,), minimum=1),
        LIFECYCLE,
    )

    def model_params(self, model: Model) -> tuple[Param, ...]:
        params = tuple(replace(p, default=START_METHODS) if p.name == START_METHOD.name else p
                       for p in model.params)
        if isinstance(model.capability, EventLoop):  # a task factory is what its units become
            params += (TASK_FACTORY,)
        return params

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        if params["lifecycle"] == "cold" and model.capability.per_process:
            return (f"{model.capability.describe()} lives for the whole process, started before the "
                    "first value: no value can time its cold start (its start-up is recorded apart)")
        if params.get("task_factory") != "eager":
            return None
        if not hasattr(asyncio, "eager_task_factory"):
            return "asyncio.eager_task_factory needs Python 3.12 or newer"
        if isinstance(model.capability, EventLoop):
            return _eager_failure(model.capability.loop)
        return None

    def work(self, params: Mapping[str, Value]) -> Work:
        # aunit awaits nothing: every async library runs it as it is
        return Work(n=int(params["n"]), kind=self.kind, call=unit, acall=aunit, neutral=True)

    def open_session(self, model: Model, work: Work, params: Mapping[str, Value]) -> Session:
        if params["lifecycle"] == "cold":
            return ColdSession(model, work, params)
        return model.open(work, params)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        return checksum(mix(i) for i in range(int(params["n"])))


SCENARIO = Spawn()
