"""sequential: every unit one after another in the calling thread.

The baseline every speedup is measured against.  A scenario's concurrency
limit does not apply: nothing is ever in flight but one unit.
"""

from __future__ import annotations

from collections.abc import Mapping

from benchmarks.core.contract import Model, Session
from benchmarks.core.params import Value
from benchmarks.core.work import Work


class SequentialSession(Session):
    def __init__(self, work: Work) -> None:
        self._work = work

    def run(self) -> list[int]:
        call = self._work.call
        return [call(i) for i in range(self._work.n)]


class Sequential(Model):
    name = "sequential"
    summary = "one unit after another in the calling thread (the baseline)"

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"concurrency_limit": 1}

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        return SequentialSession(work)


MODEL = Sequential()
