"""The I/O scenarios' own machinery: the reference server, temporary files, failures."""

from __future__ import annotations

import asyncio
import os
import tempfile
import zlib
from pathlib import Path

import pytest

from benchmarks import plan
from benchmarks.core.work import payload
from benchmarks.scenarios import rpc_fanout
from benchmarks.scenarios.file_io import SCENARIO as FILE_IO
from tests.support.leaks import leaked_children


@pytest.mark.usefixtures("no_leaks")
def test_reference_server_answers_and_stops_when_its_parent_closes_stdin() -> None:
    with rpc_fanout.reference_server(latency_ms=1, size=300) as port:
        (server,) = leaked_children()
        assert rpc_fanout.fetch(7, port=port, size=300) == zlib.crc32(payload(7, 300))
        assert asyncio.run(rpc_fanout.afetch(8, port=port, size=300)) == zlib.crc32(payload(8, 300))
        with pytest.raises(ConnectionError, match="response of 300 bytes, expected 299"):
            rpc_fanout.fetch(1, port=port, size=299)
    assert not server.is_running()


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", ["sequential", "threads", "asyncio", "uvloop", "processes"])
def test_a_killed_server_fails_the_run_clearly(model: str) -> None:
    (case, *_), _ = plan(["rpc_fanout"], [model], {"n": ["4"], "latency_ms": ["1"]})
    with case.session() as session:
        for child in leaked_children():
            if "benchmarks.scenarios.rpc_fanout.refserver" in " ".join(child.cmdline()):
                child.kill()
                child.wait(5)
        with pytest.raises((ConnectionError, OSError)):
            session.run()


@pytest.mark.usefixtures("no_leaks")
def test_file_io_directory_is_removed_even_when_a_unit_fails() -> None:
    seen: list[Path] = []

    def fail_inside() -> None:
        with FILE_IO.prepared({"n": 3, "size_kib": 1}) as work:
            work.call(0)
            seen.extend(Path(tempfile.gettempdir()).glob(f"concbench-file_io-{os.getpid()}-*"))
            assert list(seen[0].iterdir()) == []  # each unit deletes its file
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_inside()
    assert len(seen) == 1
    assert not seen[0].exists()
