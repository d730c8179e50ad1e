"""A plugin scenario whose units refuse to run outside the main thread: a thread pool fails its
verification, while sequential and asyncio (which run the units inline) pass."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from benchmarks import Checksum, Param, Scenario, Work, checksum
from benchmarks.core.params import Value
from benchmarks.core.work import inline_async


def main_thread_only(i: int) -> int:
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("this unit runs in the main thread only")
    return i * i


class MainThreadOnly(Scenario):
    name = "ask_main_thread_only"
    summary = "N units that refuse to run outside the main thread (ask's failure test)"
    kind = "cpu"
    params = (Param("n", int, (4,), "number of units", minimum=1),)

    def work(self, params: Mapping[str, Value]) -> Work:
        return Work(n=int(params["n"]), kind=self.kind, call=main_thread_only,
                    acall=inline_async(main_thread_only))

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        return checksum(i * i for i in range(int(params["n"])))


SCENARIOS = [MainThreadOnly()]
