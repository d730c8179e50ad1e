"""uvloop: exactly the asyncio model's code, run on uvloop's loop factory."""

from __future__ import annotations

from importlib import metadata as importlib_metadata
from typing import ClassVar

from benchmarks.core.aio import APIS, LoopFactory
from benchmarks.core.capabilities import EventLoop, Loop
from benchmarks.core.contract import Model


class Uvloop(Loop):
    name: ClassVar[str] = "uvloop"

    def factory(self) -> LoopFactory:
        import uvloop

        return uvloop.new_event_loop

    def version(self) -> str:
        try:
            return importlib_metadata.version("uvloop")
        except importlib_metadata.PackageNotFoundError:
            return "not installed"

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
