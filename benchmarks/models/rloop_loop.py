"""rloop: exactly the asyncio model's code, run on rloop's loop factory (an event loop in Rust).

Like ``uvloop``: only the loop factory differs.  rloop 0.5 is young: where a
scenario needs something it lacks, the pair fails verification and says so.
One workaround: rloop 0.5 makes a new self-pipe socket pair every time the
loop starts running (every ``run_until_complete``); on stop its core closes
both descriptors but leaves the Python socket objects owning them, so the
garbage collector later warns (ResourceWarning) and closes those numbers
again, by then maybe another file's.  The factory's loop detaches them when
the loop stops (inside the clock, like the pair's creation: nanoseconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from benchmarks.core.aio import LoopFactory
from benchmarks.core.capabilities import EventLoop, Loop
from benchmarks.core.contract import Model
from benchmarks.core.packages import missing, version


class Rloop(Loop):
    name: ClassVar[str] = "rloop"

    def factory(self) -> LoopFactory:
        import rloop

        class ClosingRLoop(rloop.RLoop):
            def _ssock_stop(self) -> None:
                reader, writer = self._ssock_r, self._ssock_w
                super()._ssock_stop()
                # rloop's core has closed both descriptors: the Python objects must not close
                # them again (by then the numbers may belong to another file)
                reader.detach()
                writer.detach()

        return ClosingRLoop

    def version(self) -> str:
        return version("rloop")

    def unavailable(self) -> str | None:
        return missing("rloop")


RLOOP = Rloop()


@dataclass(frozen=True)
class ApartEventLoop(EventLoop):
    """An event loop kept out of long-lived processes: rloop 0.5 never closes a loop's epoll and
    eventfd descriptors (two per loop, measured), so the master verifies its pairs in a
    disposable child and only its own pyperf workers (a few loops each) run it.  Scenarios see
    an EventLoop."""

    apart: ClassVar[bool] = True


class RloopModel(Model):
    name = "rloop"
    summary = "the asyncio model's coroutines on rloop's event loop (api: gather by default)"
    # gather alone by default: the api variants are asyncio's and uvloop's comparison, and a
    # third loop sweeping them would add 10 benchmarks to the default profile
    capability = ApartEventLoop(RLOOP)


MODEL = RloopModel()
