"""uringcore: exactly the asyncio model's code, run on uringcore's event loop (io_uring).

Like ``rloop``: only the loop factory differs (the class ``uringcore.UringEventLoop``),
``api=gather`` by default, and the loop is kept out of long-lived processes (the master
verifies its pairs in a disposable child).  Wheels for CPython 3.13 only (glibc 2.34 or
newer); its source build needs Rust.  Where the installed version is known to fail a
scenario, the pair is declined with that failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from benchmarks.runtimes.loops import ApartEventLoop, PackagedLoop, PackagedLoopModel


class Uringcore(PackagedLoop):
    name: ClassVar[str] = "uringcore"
    package: ClassVar[str] = "uringcore"
    factory_name: ClassVar[str] = "UringEventLoop"
    wheel_pythons: ClassVar[tuple[tuple[int, int], ...]] = ((3, 13),)
    wheel_glibc: ClassVar[tuple[int, int]] = (2, 34)
    known_failures: ClassVar[Mapping[str, Mapping[str, str]]] = {
        "0.9.1": {"rpc_fanout": "StreamWriter.wait_closed() never returns once the server has closed "
                                "the connection, so every request runs into its 10 s timeout"},
    }


class UringcoreModel(PackagedLoopModel):
    name = "uringcore"
    summary = "the asyncio model's coroutines on uringcore's event loop (io_uring)"
    capability = ApartEventLoop(Uringcore())


MODEL = UringcoreModel()
