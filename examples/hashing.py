"""hashing: SHA-256 over a buffer of `size_kib` KiB per unit (hashlib releases the GIL).

Measures how models spread C code that drops the GIL: threads can hash in parallel, as processes
can.  Unit i hashes `size_kib` KiB of the byte i % 251 and returns the first 7 bytes of the digest.
This is exactly the work of the suite's built-in scenario cpu_hash, so the two must measure the
same: `make validity` checks that they do.

Measured: see docs/examples.md
"""

from __future__ import annotations

import hashlib

import concbench

hashing = concbench.workload(units=32, kind="cpu", params={"size_kib": 1024},
                             summary="SHA-256 over size_kib KiB per unit (releases the GIL): cpu_hash's work")


@hashing.unit
def sha256(i: int, size_kib: int) -> int:
    # each unit builds its own buffer: no model gets a shared or pre-built input
    digest = hashlib.sha256(bytes((i % 251,)) * (size_kib * 1024)).digest()
    return int.from_bytes(digest[:7], "big")
