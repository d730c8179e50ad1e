"""uvloop: exactly the asyncio model's code, run on uvloop's loop factory."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata as importlib_metadata

from benchmarks.core.aio import LoopFactory
from benchmarks.core.contract import Scenario
from benchmarks.core.params import Value
from benchmarks.models.asyncio_loop import AsyncioModel


class UvloopModel(AsyncioModel):
    name = "uvloop"
    summary = "the asyncio model's coroutines on uvloop's event loop"
    loop_name = "uvloop"

    def loop_factory(self) -> LoopFactory:
        import uvloop

        return uvloop.new_event_loop

    def loop_version(self) -> str:
        try:
            return importlib_metadata.version("uvloop")
        except importlib_metadata.PackageNotFoundError:
            return "not installed"

    def unsupported(self, scenario: Scenario, params: Mapping[str, Value]) -> str | None:
        try:
            import uvloop  # noqa: F401
        except ImportError:
            return "uvloop is not installed for this interpreter"
        return super().unsupported(scenario, params)


MODEL = UvloopModel()
