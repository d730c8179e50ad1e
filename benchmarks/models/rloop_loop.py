"""rloop: exactly the asyncio model's code, run on rloop's loop factory (an event loop in Rust).

Like ``uvloop``: only the loop factory differs.  rloop 0.5 is young: where a
scenario needs something it lacks, the pair fails verification and says so.
Its loop is kept out of long-lived processes, and the factory works around
descriptors it closes twice (see :class:`benchmarks.runtimes.loops.Rloop`).
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.loops import RLOOP, ApartEventLoop


class RloopModel(Model):
    name = "rloop"
    summary = "the asyncio model's coroutines on rloop's event loop (api: gather by default)"
    # gather alone by default: the api variants are asyncio's and uvloop's comparison, and a
    # third loop sweeping them would add 10 benchmarks to the default profile
    capability = ApartEventLoop(RLOOP)


MODEL = RloopModel()
