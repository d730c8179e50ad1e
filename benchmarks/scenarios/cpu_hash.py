"""cpu_hash: N units of SHA-256 over a buffer of `size_kib` KiB (releases the GIL).

hashlib drops the GIL while hashing buffers larger than 2 KiB, so threads can
run these units in parallel, as processes can.  Each unit builds its own
buffer (a repeated byte that depends on the unit's index) so no model gets a
pre-built or shared input; that costs a memset per unit, the same for all.
The expected answer is computed by hashing the same buffers once in the
calling process; it checks that every model hashed every buffer exactly once.
Event-loop models run the units inline in the loop's thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from functools import partial

from benchmarks.core.contract import Model, Scenario
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work, checksum, inline_work, payload
from benchmarks.runtimes.aio import gather_only


def unit(i: int, *, size: int) -> int:
    digest = hashlib.sha256(payload(i, size)).digest()
    return int.from_bytes(digest[:7], "big")


class CpuHash(Scenario):
    name = "cpu_hash"
    summary = "N SHA-256 units over `size_kib` KiB buffers (releases the GIL)"
    kind = "cpu"
    params = (
        Param("n", int, (32,), "number of units", quick=(8,), tiny=(6,), minimum=1),
        Param("size_kib", int, (1024,), "buffer size per unit, KiB", quick=(256,), tiny=(4,), minimum=1),
    )

    def model_params(self, model: Model) -> tuple[Param, ...]:
        return gather_only(model.params)

    def work(self, params: Mapping[str, Value]) -> Work:
        call = partial(unit, size=int(params["size_kib"]) * 1024)
        return inline_work(int(params["n"]), self.kind, call)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        size = int(params["size_kib"]) * 1024
        return checksum(unit(i, size=size) for i in range(int(params["n"])))


SCENARIO = CpuHash()
