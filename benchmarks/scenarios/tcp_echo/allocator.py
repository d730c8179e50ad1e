"""The allocator state of a server process, set before it serves: glibc's mmap threshold.

Why it matters: CPython's ``socket.recv(n)`` allocates n bytes up front and
shrinks the result to what arrived, and asyncio's transports read with
n = 256 KiB.  glibc serves a request above its mmap threshold (128 KiB when a
process starts) with ``mmap``; shrinking keeps the block mapped (``mremap``) and
freeing it unmaps it, so every read of an asyncio server costs an mmap, a
page fault, an mremap and a munmap: in a fresh process, 2.00 minor faults and
25 us of CPU per 100-byte round trip against 0.00 and 5.6 us once warm.
glibc raises the threshold to the size of the first mapped block a process
frees (a 1 MiB block, say), and from then on those reads come from the heap:
a long-running process is usually in that state, and the suite's first
sessions in a process were not (uvloop reads into a buffer of its own and
never was affected).  ``warm`` sets what that rule would have set; ``fresh``
pins the start-up values, for the figure a newly started asyncio server pays
until it frees such a block.
"""

from __future__ import annotations

import ctypes
import platform

STATES = ("warm", "fresh")
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: (mmap threshold, trim threshold): glibc's values at start-up, and after freeing a 1 MiB block
_THRESHOLDS = {"fresh": (128 << 10, 128 << 10), "warm": (1 << 20, 2 << 20)}


def describe(state: str) -> str:
    if platform.libc_ver()[0] != "glibc":
        return f"left as is ({platform.libc_ver()[0] or 'not glibc'})"
    mmap, trim = _THRESHOLDS[state]
    return f"glibc mmap threshold {mmap >> 10} KiB, trim threshold {trim >> 10} KiB"


def set_state(state: str) -> str:
    """Put this process's allocator (and that of children it forks later) in ``state``; what was done."""
    if platform.libc_ver()[0] != "glibc":
        return describe(state)
    mmap, trim = _THRESHOLDS[state]
    libc = ctypes.CDLL(None)
    if not (libc.mallopt(_M_MMAP_THRESHOLD, mmap) and libc.mallopt(_M_TRIM_THRESHOLD, trim)):
        return "left as is (mallopt refused)"
    return describe(state)
