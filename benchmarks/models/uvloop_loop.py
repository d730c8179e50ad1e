"""uvloop: exactly the asyncio model's code, run on uvloop's loop factory."""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.aio import APIS
from benchmarks.runtimes.loops import UVLOOP, EventLoop


class UvloopModel(Model):
    name = "uvloop"
    summary = "the asyncio model's coroutines on uvloop's event loop"
    capability = EventLoop(UVLOOP, apis=tuple(APIS))


MODEL = UvloopModel()
