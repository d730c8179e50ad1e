"""loop-per-thread: units spread round-robin over loops in threads started before timing."""

from __future__ import annotations

import asyncio
import threading

import pytest

from benchmarks import MODELS, Work
from benchmarks.runtimes.loopthreads import shares

SEEN: dict[int, tuple[str, int]] = {}


async def where(i: int) -> int:
    await asyncio.sleep(0)
    SEEN[i] = (threading.current_thread().name, id(asyncio.get_running_loop()))
    return i * i


def unused(i: int) -> int:
    raise AssertionError("the loops run the coroutine form")


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize(("workers", "n", "limit", "loops"), [(3, 10, 0, 3), (4, 2, 0, 2), (4, 10, 2, 2)])
def test_units_go_round_robin_to_loops_started_before_the_run(workers: int, n: int, limit: int,
                                                              loops: int) -> None:
    SEEN.clear()
    model = MODELS["loop-per-thread"]
    work = Work(n=n, kind="io", call=unused, acall=where, limit=limit)
    params = {"workers": workers}
    assert model.metadata(work, params)["loop_threads"] == loops
    before = threading.active_count()
    with model.open(work, params) as session:
        assert threading.active_count() - before == loops  # started when the session opened
        assert session.run() == [i * i for i in range(n)]  # in index order
        assert threading.active_count() - before == loops
    assert threading.active_count() == before
    assert {SEEN[i] for i in range(n)} == {SEEN[k] for k in range(loops)}
    assert len({SEEN[k] for k in range(loops)}) == loops  # a thread and a loop each
    assert all(SEEN[i] == SEEN[i % loops] for i in range(n))
    assert threading.current_thread().name not in {name for name, _ in SEEN.values()}


def test_a_limit_is_shared_out_between_the_loops() -> None:
    assert shares(4, 3) == [2, 1, 1]
    assert shares(6, 2) == [3, 3]
    assert sum(shares(7, 4)) == 7


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("generator", ["native", "python"])
def test_tcp_echo_on_two_loops_echoes_every_byte_on_both_servers(generator: str) -> None:
    from benchmarks import checksum, plan
    from benchmarks.scenarios.tcp_echo.loopservers import LoopThreadsServer

    overrides = {"connections": ["4"], "round_trips": ["5"], "message_bytes": ["100", "70000"],
                 "warmup_trips": ["2"], "workers": ["2"], "generator": [generator]}
    cases, unsupported = plan(["tcp_echo"], ["loop-per-thread"], overrides)
    if generator == "native" and unsupported:
        pytest.skip(unsupported[0][1])
    assert sorted((c.params["server"], c.params["message_bytes"]) for c in cases) == [
        ("protocol", 100), ("protocol", 70000), ("streams", 100), ("streams", 70000)]
    for case in cases:
        assert case.metadata()["loop_threads"] == 2
        with case.session() as session:
            server = session.server  # type: ignore[attr-defined]
            assert isinstance(server, LoopThreadsServer)
            for _ in range(2):  # the same connections, run after run
                assert checksum(session.run()) == case.expected, case.name
            assert [len(live) for live in server.live] == [2, 2]
