"""A workload for compare's gate fixtures (``tests/data/gate_base.json``, ``gate_slower.json``).

Each unit hashes its buffer ``GATE_REPEAT`` times (an environment variable, default 1, read when
the file is loaded) and returns the digest of one hash, so every repeat count gives the same
answer and the same benchmark id: a run with ``GATE_REPEAT=2`` is a genuine slowdown of the same
benchmark, as a regression in the code under test would be.  pyperf forwards the variable to its
workers only with ``--inherit-environ GATE_REPEAT``.
"""

from __future__ import annotations

import hashlib
import os

import concbench

REPEAT = int(os.environ.get("GATE_REPEAT", "1"))

gate_spin = concbench.workload(units=8, kind="cpu", params={"size_kib": 1024},
                               summary="SHA-256 of size_kib KiB per unit, GATE_REPEAT times")


@gate_spin.unit
def hash_repeatedly(i: int, size_kib: int) -> int:
    data = bytes((i % 251,)) * (size_kib * 1024)
    digest = b""
    for _ in range(REPEAT):
        digest = hashlib.sha256(data).digest()
    return int.from_bytes(digest[:7], "big")
