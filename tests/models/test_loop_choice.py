"""Event loops are chosen by their factory (``asyncio.Runner(loop_factory=)``), never by the
event-loop policy: a policy is process-wide (a library's ``uvloop.install()`` would turn the
asyncio model into uvloop) and deprecated from 3.14.  ``make test`` runs this on 3.14 too."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import NoReturn

import pytest

from benchmarks import checksum, plan
from benchmarks.runtimes.aio import AsyncSession
from tests.support.tiny import tiny

#: each async model and the class its loop must be
LOOPS = {"asyncio": getattr(asyncio, "EventLoop", asyncio.SelectorEventLoop),
         "to_thread": getattr(asyncio, "EventLoop", asyncio.SelectorEventLoop)}
if importlib.util.find_spec("uvloop") is not None:
    import uvloop

    LOOPS["uvloop"] = uvloop.Loop


def _no_policy(*args: object) -> NoReturn:
    raise AssertionError("the event-loop policy was asked for a loop")


@pytest.mark.usefixtures("no_leaks")
@pytest.mark.parametrize("model", sorted(LOOPS))
def test_a_models_loop_comes_from_its_factory_not_the_policy(
        model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("get_event_loop_policy", "_get_event_loop_policy"):  # the latter: 3.14's own
        monkeypatch.setattr(asyncio.events, name, _no_policy, raising=False)
    monkeypatch.setattr(asyncio, "get_event_loop_policy", _no_policy)
    cases, _ = plan(["sleep_fanout"], [model], tiny(["sleep_fanout"]))
    case = cases[0]
    assert case.metadata()["loop_choice"] == "asyncio.Runner(loop_factory=...)"
    with case.session() as session:
        assert isinstance(session, AsyncSession)
        assert type(session._loop) is LOOPS[model]
        assert checksum(session.run()) == case.expected
    assert session._loop.is_closed()
