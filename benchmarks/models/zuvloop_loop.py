"""zuvloop: exactly the asyncio model's code, run on zuvloop's loop factory (libuv).

Like ``rloop``: only the loop factory differs (``zuvloop.new_event_loop``), ``api=gather`` by
default, and the loop is kept out of long-lived processes (the master verifies its pairs in a
disposable child).  Wheels for CPython 3.14 and 3.15 only.  Where the installed version is
known to fail a scenario, the pair is declined with that failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from benchmarks.runtimes.loops import ApartEventLoop, PackagedLoop, PackagedLoopModel


class Zuvloop(PackagedLoop):
    name: ClassVar[str] = "zuvloop"
    package: ClassVar[str] = "zuvloop"
    wheel_pythons: ClassVar[tuple[tuple[int, int], ...]] = ((3, 14), (3, 15))
    wheel_glibc: ClassVar[tuple[int, int]] = (2, 28)
    known_failures: ClassVar[Mapping[str, Mapping[str, str]]] = {}


class ZuvloopModel(PackagedLoopModel):
    name = "zuvloop"
    summary = "the asyncio model's coroutines on zuvloop's event loop (libuv)"
    capability = ApartEventLoop(Zuvloop())


MODEL = ZuvloopModel()
