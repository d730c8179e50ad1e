"""sqlite_query: SQLite aggregate queries over a database file, one connection per unit.

Measures a small query load.  The set-up writes a table of `rows` orders (the same every time) to a
file in a temporary directory, deleted after the last unit.  Unit i opens the file read-only and
sums the orders of one region above a threshold: a full scan in SQLite's C code.  Python's sqlite3
releases the GIL while a statement runs, so threads may overlap; the file stays in the page cache,
so the work is CPU rather than disk: kind="cpu".

Measured: see docs/examples.md
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import concbench

REGIONS = 7
QUERY = "SELECT count(*), coalesce(sum(cents), 0) FROM orders WHERE region = ? AND cents > ?"

sqlite_query = concbench.workload(units=32, kind="cpu", params={"rows": 50_000},
                                  summary="SQLite aggregate query per unit, own read-only connection")


@sqlite_query.setup
def database(rows: int) -> Iterator[str]:
    """The database file's path; the directory that holds it is removed in teardown."""
    folder = tempfile.mkdtemp(prefix="concbench-sqlite-")
    try:
        path = str(Path(folder, "orders.db"))
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, region INTEGER, cents INTEGER)")
            db.executemany("INSERT INTO orders VALUES (?, ?, ?)",
                           ((n, n * 7919 % REGIONS, n * 104_729 % 100_000) for n in range(rows)))
        db.close()  # the with block commits but does not close
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@sqlite_query.unit
def query(i: int, database: str) -> int:
    db = sqlite3.connect(Path(database).as_uri() + "?mode=ro", uri=True)
    try:
        count, cents = db.execute(QUERY, (i % REGIONS, i * 1_000 % 50_000)).fetchone()
    finally:
        db.close()
    return int(cents) * 1_000_003 + int(count)
