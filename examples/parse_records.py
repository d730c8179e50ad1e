"""parse_records: a pure-Python parser of key=value log lines (holds the GIL).

Measures what threads gain, or lose, on work that never releases the GIL.  The set-up writes a log
of `units` x `records` lines to a temporary directory, the same every time (a seeded generator), one
file per unit; it removes the directory afterwards.  Unit i reads its file (about 2% of its time),
splits each line into fields, converts the numbers and sums the latency of the failed requests.
Only the directory's path crosses to a process pool, so no model pays for shipping the data.

Measured: see docs/examples.md
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import concbench

SEED = 20240611
LEVELS = ("DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR")
PATHS = ("/api/users", "/api/orders", "/api/items", "/health", "/login")

parse_records = concbench.workload(units=32, kind="cpu", params={"records": 2000},
                                   summary="parse key=value log lines in pure Python (holds the GIL)")


@parse_records.setup
def log(units: int, records: int) -> Iterator[str]:
    """A directory of ``units`` files of ``records`` log lines each: unit i parses ``<i>.log``."""
    rng = random.Random(SEED)
    folder = tempfile.mkdtemp(prefix="concbench-records-")
    try:
        for i in range(units):
            Path(folder, f"{i}.log").write_text("".join(
                f"ts={1_700_000_000 + i * records + n} level={rng.choice(LEVELS)} path={rng.choice(PATHS)} "
                f"status={rng.choice((200, 200, 200, 404, 500))} latency_ms={rng.uniform(0.1, 250):.3f} "
                f"user=u{rng.randrange(10_000)}\n"
                for n in range(records)))
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@parse_records.unit
def parse(i: int, log: str) -> int:
    """Microseconds of latency of the failed (status >= 500) or ERROR-level requests, and their count."""
    failed = 0
    latency_us = 0
    for line in Path(log, f"{i}.log").read_text().splitlines():
        fields = dict(field.split("=", 1) for field in line.split(" "))
        if int(fields["status"]) >= 500 or fields["level"] == "ERROR":
            failed += 1
            latency_us += round(float(fields["latency_ms"]) * 1000)
    return latency_us * 1_000_003 + failed
