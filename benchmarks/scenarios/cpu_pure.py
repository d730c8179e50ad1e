"""cpu_pure: N units of pure-Python arithmetic that hold the GIL.

Each unit iterates a linear congruential generator ``size`` times from a seed
that depends on its index.  The loop is plain bytecode (big-int multiply and
modulo), so threads cannot run it in parallel on a GIL build; processes can.
The expected answer comes from the closed form of the iterated affine map
(``x -> a*x + c`` applied k times is ``a**k * x + c*(a**k - 1)/(a - 1)``),
which costs microseconds, so it checks the models without repeating their work.
Event-loop models run the units inline in the loop's thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from benchmarks.core.contract import Model, Scenario
from benchmarks.core.params import Param, Value
from benchmarks.core.work import MODULUS, Checksum, Work, checksum, inline_work
from benchmarks.runtimes.aio import gather_only

A = 6364136223846793005 % MODULUS
C = 1442695040888963407 % MODULUS


def unit(i: int, *, size: int) -> int:
    # A, C and MODULUS as literals (tests check they are): code constants, which a free-threaded
    # build makes immortal.  Read as module globals, the same int objects had their reference
    # counts changed by every thread at every step: 2 threads on 3.13.5t then ran 16 units
    # 1.05x faster than 1 thread, against 2.02x with literals.
    x = i + 1
    for _ in range(size):
        x = (1752450205419405103 * x + 1442695040888963407) % 2305843009213693951
    return x


def closed_form(i: int, size: int) -> int:
    ak = pow(A, size, MODULUS)
    geometric = (ak - 1) * pow(A - 1, -1, MODULUS) % MODULUS
    return (ak * (i + 1) + C * geometric) % MODULUS


class CpuPure(Scenario):
    name = "cpu_pure"
    summary = "N pure-Python CPU units of `size` LCG steps (holds the GIL)"
    kind = "cpu"
    params = (
        Param("n", int, (32,), "number of units", quick=(8,), tiny=(6,), minimum=1),
        Param("size", int, (50_000,), "LCG steps per unit", quick=(20_000,), tiny=(300,), minimum=1),
    )

    def model_params(self, model: Model) -> tuple[Param, ...]:
        return gather_only(model.params)

    def work(self, params: Mapping[str, Value]) -> Work:
        call = partial(unit, size=int(params["size"]))
        return inline_work(int(params["n"]), self.kind, call)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        size = int(params["size"])
        return checksum(closed_form(i, size) for i in range(int(params["n"])))


SCENARIO = CpuPure()
