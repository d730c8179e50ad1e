"""parse_records: a pure-Python parser of key=value log lines (holds the GIL).

Measures what threads gain, or lose, on work that never releases the GIL.  The set-up generates a
log of `units` x `records` lines, the same every time (a seeded random generator).  Unit i parses
its own slice: it splits each line into fields, converts the numbers and sums the latency of the
requests that failed.  On a GIL build only processes (or subinterpreters) can run units in parallel.

Measured: see docs/examples.md
"""

from __future__ import annotations

import random

import concbench

SEED = 20240611
LEVELS = ("DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR")
PATHS = ("/api/users", "/api/orders", "/api/items", "/health", "/login")

parse_records = concbench.workload(units=32, kind="cpu", params={"records": 2000})


@parse_records.setup
def log(units: int, records: int) -> list[str]:
    """``units`` x ``records`` log lines; unit i parses lines [i * records, (i + 1) * records)."""
    rng = random.Random(SEED)
    return [
        f"ts={1_700_000_000 + n} level={rng.choice(LEVELS)} path={rng.choice(PATHS)} "
        f"status={rng.choice((200, 200, 200, 404, 500))} latency_ms={rng.uniform(0.1, 250):.3f} "
        f"user=u{rng.randrange(10_000)}"
        for n in range(units * records)
    ]


@parse_records.unit
def parse(i: int, log: list[str], records: int) -> int:
    """Microseconds of latency of the failed (status >= 500) or ERROR-level requests, plus their count."""
    failed = 0
    latency_us = 0
    for line in log[i * records:(i + 1) * records]:
        fields = dict(field.split("=", 1) for field in line.split(" "))
        if int(fields["status"]) >= 500 or fields["level"] == "ERROR":
            failed += 1
            latency_us += round(float(fields["latency_ms"]) * 1000)
    return latency_us * 1_000_003 + failed
