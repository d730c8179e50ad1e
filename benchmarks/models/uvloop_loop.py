"""uvloop: exactly the asyncio model's code, run on uvloop's loop factory."""

from __future__ import annotations

from typing import ClassVar

from benchmarks.core.aio import APIS, LoopFactory
from benchmarks.core.capabilities import EventLoop, Loop
from benchmarks.core.contract import Model
from benchmarks.core.packages import version


class Uvloop(Loop):
    name: ClassVar[str] = "uvloop"

    def factory(self) -> LoopFactory:
        import uvloop

        return uvloop.new_event_loop

    def version(self) -> str:
        return version("uvloop")

    def unavailable(self) -> str | None:
        try:
            import uvloop  # noqa: F401
        except ImportError:
            return "uvloop is not installed for this interpreter"
        return None


UVLOOP = Uvloop()


class UvloopModel(Model):
    name = "uvloop"
    summary = "the asyncio model's coroutines on uvloop's event loop"
    capability = EventLoop(UVLOOP, apis=tuple(APIS))


MODEL = UvloopModel()
