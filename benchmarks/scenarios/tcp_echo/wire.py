"""What every load generator and every reader of its answers agree on.

The messages and the digest a correct echo of them gives (:func:`message`,
:func:`digest`), the commands a generator reads on its stdin, one per line,
and the JSON lines it answers with on its stdout.  The native generator
(``echo_loadgen.c``) and the Python one (:mod:`.loadgen`) speak exactly this.

Commands:

- ``warmup``: open the persistent connections (unless the generator reconnects
  every run) and do the warm-up trips on each; answers ``{"warmed": C}``.
  ``connect`` does the first half only.
- ``go``: one timed run: every connection does its trips (closed loop) or its
  requests at their intended times (open loop); answers the per-connection
  digests, the run's duration seen by the client, the generator's own CPU
  time during it (``cpu_user_s``, ``cpu_sys_s``), how long it waited for a
  CPU (``wait_s``) and when it started (``t0_ns``, CLOCK_MONOTONIC).
- ``stats``: the latency histogram of the runs since the last ``stats`` (and, in
  an open loop, the histogram of how late the generator sent), then forgets
  them; asked for outside the timed region.
- end of stdin: close every connection and exit.

A generator that fails a command answers ``{"error": "..."}`` and stays usable.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from typing import Any

from benchmarks.core.work import MODULUS, payload

WARMUP = b"warmup"
CONNECT = b"connect"
GO = b"go"
STATS = b"stats"

Reply = dict[str, Any]

#: Message bytes run 11..250: never a newline, which ends every message instead, so that a
#: line-oriented echo server (vmbench's streams server reads lines) serves the same traffic.
_FIRST_BYTE = 11
_BYTE_VALUES = 240


def message(connection: int, trip: int, size: int) -> bytes:
    """Two messages per connection, alternating, so a server echoing stale data is caught."""
    return payload(_FIRST_BYTE + (2 * connection + trip % 2) % _BYTE_VALUES, size - 1) + b"\n"


def digest(connection: int, trips: int, size: int) -> int:
    """The sum of the CRC-32 of every message of a connection, as a correct echo returns them."""
    even, odd = (zlib.crc32(message(connection, t, size)) for t in (0, 1))
    return ((trips + 1) // 2 * even + trips // 2 * odd) % MODULUS


def digests(connections: int, trips: int, size: int) -> list[int]:
    """What a load generator reports for a correct echo: per connection, its digest."""
    return [digest(c, trips, size) for c in range(connections)]


def line(reply: Reply) -> bytes:
    return json.dumps(reply).encode() + b"\n"


def encode_run(per_connection: list[int], client_seconds: float, cpu_user_s: float,
               cpu_sys_s: float, wait_s: float, t0_ns: int) -> bytes:
    """The answer to ``go``: ``wait_s`` is how long the generator waited for a CPU meanwhile,
    ``t0_ns`` the run's start on CLOCK_MONOTONIC (an open loop's schedule counts from it)."""
    return line({"digests": per_connection, "client_seconds": client_seconds, "cpu_user_s": cpu_user_s,
                 "cpu_sys_s": cpu_sys_s, "wait_s": wait_s, "t0_ns": t0_ns})


def encode_error(error: str) -> bytes:
    return line({"error": error})


def decode(text: bytes) -> Reply:
    """One reply line; an empty line (the generator died) or an error becomes ConnectionError."""
    if not text:
        raise ConnectionError("the load generator did not answer (it died or timed out)")
    reply: Reply = json.loads(text)
    if "error" in reply:
        raise ConnectionError(f"load generator: {reply['error']}")
    return reply


def digests_of(replies: Iterable[Reply]) -> list[int]:
    return [d for reply in replies for d in reply["digests"]]


def client_seconds_of(replies: Iterable[Reply]) -> float:
    """A run's duration seen by the clients: the slowest generator's."""
    return max(reply["client_seconds"] for reply in replies)
