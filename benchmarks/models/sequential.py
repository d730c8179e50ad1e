"""sequential: every unit one after another in the calling thread.

The baseline every speedup is measured against.  A scenario's concurrency
limit does not apply: nothing is ever in flight but one unit.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.pools import Inline


class Sequential(Model):
    name = "sequential"
    summary = "one unit after another in the calling thread (the baseline)"
    capability = Inline()


MODEL = Sequential()
