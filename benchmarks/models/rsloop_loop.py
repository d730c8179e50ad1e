"""rsloop: exactly the asyncio model's code, run on rsloop's loop factory (Rust, io_uring).

Like ``rloop``: only the loop factory differs (``rsloop.new_event_loop``), ``api=gather`` by
default, and the loop is kept out of long-lived processes (the master verifies its pairs in a
disposable child).  Its Linux wheels (CPython 3.10-3.15) need glibc 2.39; elsewhere it builds
from source with Rust.  Where the installed version is known to fail a scenario, the pair is
declined with that failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from benchmarks.runtimes.loops import ApartEventLoop, PackagedLoop, PackagedLoopModel


class Rsloop(PackagedLoop):
    name: ClassVar[str] = "rsloop"
    package: ClassVar[str] = "rsloop"
    wheel_pythons: ClassVar[tuple[tuple[int, int], ...]] = ((3, 10), (3, 11), (3, 12), (3, 13), (3, 14),
                                                             (3, 15))
    wheel_glibc: ClassVar[tuple[int, int]] = (2, 39)
    known_failures: ClassVar[Mapping[str, Mapping[str, str]]] = {}


class RsloopModel(PackagedLoopModel):
    name = "rsloop"
    summary = "the asyncio model's coroutines on rsloop's event loop (Rust, io_uring)"
    capability = ApartEventLoop(Rsloop())


MODEL = RsloopModel()
