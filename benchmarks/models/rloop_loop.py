"""rloop: exactly the asyncio model's code, run on rloop's loop factory (an event loop in Rust).

Like ``uvloop``: only the loop factory differs.  rloop 0.5 is young: where a
scenario needs something it lacks, the pair fails verification and says so.
"""

from __future__ import annotations

from typing import ClassVar

from benchmarks.core.aio import APIS, LoopFactory
from benchmarks.core.capabilities import EventLoop, Loop
from benchmarks.core.contract import Model
from benchmarks.core.structured import missing, version


class Rloop(Loop):
    name: ClassVar[str] = "rloop"

    def factory(self) -> LoopFactory:
        import rloop

        factory: LoopFactory = rloop.new_event_loop
        return factory

    def version(self) -> str:
        return version("rloop")

    def unavailable(self) -> str | None:
        return missing("rloop")


RLOOP = Rloop()


class RloopModel(Model):
    name = "rloop"
    summary = "the asyncio model's coroutines on rloop's event loop"
    capability = EventLoop(RLOOP, apis=tuple(APIS))


MODEL = RloopModel()
