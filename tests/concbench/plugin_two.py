"""A plugin module registering two scenarios: ``concbench ask`` must be told which one."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from benchmarks import Checksum, Param, Scenario, Work, checksum
from benchmarks.core.params import Value
from benchmarks.core.work import MODULUS, inline_async


def power(i: int, *, exponent: int) -> int:
    return pow(i + 1, exponent, MODULUS)


class _Powers(Scenario):
    kind = "cpu"
    params = (Param("n", int, (6,), "number of units", minimum=1),)
    exponent = 3

    def work(self, params: Mapping[str, Value]) -> Work:
        call = partial(power, exponent=self.exponent)
        return Work(n=int(params["n"]), kind=self.kind, call=call, acall=inline_async(call))

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        return checksum(power(i, exponent=self.exponent) for i in range(int(params["n"])))


class Cubes(_Powers):
    name = "ask_cubes"
    summary = "N units computing (i + 1) ** 3 mod a prime (ask's plugin test)"


class Fifths(_Powers):
    name = "ask_fifths"
    summary = "N units computing (i + 1) ** 5 mod a prime (ask's plugin test)"
    exponent = 5


SCENARIOS = [Cubes(), Fifths()]
