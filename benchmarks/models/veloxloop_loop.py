"""veloxloop: exactly the asyncio model's code, run on veloxloop's loop factory (a loop in Rust).

Like ``rloop``: only the loop factory differs (``veloxloop.new_event_loop``), ``api=gather`` by
default, and the loop is kept out of long-lived processes (the master verifies its pairs in a
disposable child).  Wheels for CPython 3.11-3.14; ``make setup`` installs it.  Where the
installed version is known to fail a scenario, the pair is declined with that failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from benchmarks.runtimes.loops import ApartEventLoop, PackagedLoop, PackagedLoopModel


class Veloxloop(PackagedLoop):
    name: ClassVar[str] = "veloxloop"
    package: ClassVar[str] = "veloxloop"
    wheel_pythons: ClassVar[tuple[tuple[int, int], ...]] = ((3, 11), (3, 12), (3, 13), (3, 14))
    known_failures: ClassVar[Mapping[str, Mapping[str, str]]] = {
        "0.2.0": {"tcp_echo": "create_server(sock=...) listens on a new socket of its own instead of "
                              "the one it is given, so the load generator's connections are never served"},
    }


class VeloxloopModel(PackagedLoopModel):
    name = "veloxloop"
    summary = "the asyncio model's coroutines on veloxloop's event loop (Rust)"
    capability = ApartEventLoop(Veloxloop())


MODEL = VeloxloopModel()
