"""A user's workload file, as the tests load it: every form of the unit, a parameter swept, a set-up
that is a generator (its teardown counted), results of several kinds, and a lambda as the unit."""

import asyncio
import os
import time
from pathlib import Path

import anyio

import concbench

#: where each call of ``expected`` leaves the calling process's id, when a test asks (SLEEPY_CALLS)
CALLS = os.environ.get("SLEEPY_CALLS")

sleepy = concbench.workload(units=8, concurrency=3, params={"scale": [2, 3]})


@sleepy.setup
def table(scale):
    data = {"scale": scale, "offsets": {k: k * scale for k in range(10)}}
    yield data
    data["torn_down"] = True


def _result(i, scale, table):
    return {"square": i * i * scale, "third": i / 3, "tags": {f"t{i}", "x"}, "off": table["offsets"][i % 10]}


@sleepy.unit
def wait(i, scale, table):
    time.sleep(0.001)
    return _result(i, scale, table)


@sleepy.async_unit
async def wait_async(i, table, scale):
    await asyncio.sleep(0.001)
    return _result(i, scale, table)


@sleepy.anyio_unit
async def wait_anyio(i, scale, table):
    await anyio.sleep(0.001)
    return _result(i, scale, table)


def _expected(units, scale):
    if CALLS:
        with Path(CALLS).open("a") as f:
            f.write(f"{os.getpid()}\n")
    table = {"offsets": {k: k * scale for k in range(10)}}
    return [_result(i, scale, table) for i in range(units)]


# the same work, given its expected answer, and a lambda for a unit (never pickled: a UnitRef is)
given = concbench.workload(name="given_answer", units=5, expected=_expected, kind="cpu",
                           params={"scale": 4})
given.unit(lambda i, scale: _result(i, scale, {"offsets": {k: k * scale for k in range(10)}}))
