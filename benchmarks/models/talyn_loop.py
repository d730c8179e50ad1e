"""talyn: exactly the asyncio model's code, run on talyn's event loop (written in Zig).

Like ``rloop``: only the loop factory differs (the class ``talyn.Loop``), ``api=gather`` by
default, and the loop is kept out of long-lived processes (the master verifies its pairs in a
disposable child).  Wheels for CPython 3.13 and 3.14 only (glibc 2.36 or newer).  Where the
installed version is known to fail a scenario, the pair is declined with that failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from benchmarks.runtimes.loops import ApartEventLoop, PackagedLoop, PackagedLoopModel


class Talyn(PackagedLoop):
    name: ClassVar[str] = "talyn"
    package: ClassVar[str] = "talyn"
    factory_name: ClassVar[str] = "Loop"
    wheel_pythons: ClassVar[tuple[tuple[int, int], ...]] = ((3, 13), (3, 14))
    wheel_glibc: ClassVar[tuple[int, int]] = (2, 36)
    known_failures: ClassVar[Mapping[str, Mapping[str, str]]] = {}


class TalynModel(PackagedLoopModel):
    name = "talyn"
    summary = "the asyncio model's coroutines on talyn's event loop (Zig)"
    capability = ApartEventLoop(Talyn())


MODEL = TalynModel()
