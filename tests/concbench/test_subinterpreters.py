"""Users' files in subinterpreters (Python 3.13+; ``make test`` runs this on its free-threaded
build): every example's blocking unit gives the sequential answer there, and a file whose
imports refuse a subinterpreter fails its pair with one line that says so."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.harness.registry import MODELS
from benchmarks.harness.worker import VerificationError, verify_once
from tests.concbench.conftest import load

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: tiny points of each example (besides units=4)
POINTS = {"hashing": {"size_kib": ["4"]}, "parse_records": {"records": ["50"]},
          "sqlite_query": {"rows": ["500"]}, "fetch_parse": {"delay_ms": ["1"]}, "sleepy": {}}

pytestmark = pytest.mark.skipif(MODELS["subinterpreters"].capability.unsupported({}) is not None,
                                reason="subinterpreters need Python 3.13+")


@pytest.mark.usefixtures("write")  # its teardown takes the example's scenario off the registry
@pytest.mark.parametrize("name", sorted(POINTS))
def test_every_example_gives_the_sequential_answer_in_subinterpreters(name: str) -> None:
    from benchmarks import plan

    load(EXAMPLES / f"{name}.py")
    cases, declined = plan([name], ["subinterpreters"], {"units": ["4"], **POINTS[name]})
    assert [c.model.name for c in cases] == ["subinterpreters"], declined
    assert verify_once(cases[0]) is None  # raises if an answer differs from the sequential one


def test_a_file_a_subinterpreter_cannot_import_fails_its_pair_in_one_line(write: Any) -> None:
    from benchmarks import plan

    pytest.importorskip("hdrh.histogram")
    load(write("needs_hdrh.py", """
        from hdrh.histogram import HdrHistogram  # its extension refuses subinterpreters
        w = concbench.workload(units=4, kind="cpu")
        @w.unit
        def f(i):
            return HdrHistogram(1, 1000, 2).get_total_count() + i
    """))
    cases, _ = plan(["w"], ["sequential", "subinterpreters"], {})
    assert verify_once(cases[0]) is None  # sequential imports it as any module
    with pytest.raises(VerificationError) as failed:
        verify_once(cases[1])
    message = str(failed.value)
    assert "\n" not in message
    assert "cannot load" in message
    assert "needs_hdrh.py" in message
    assert "subinterpreters" in message


def test_the_pool_is_the_standard_librarys_from_3_14_and_metadata_says_which() -> None:
    """3.14+ runs concurrent.futures.InterpreterPoolExecutor (concurrent.interpreters); 3.13 the
    private _interpreters module; the metadata names the one used."""
    from concurrent import futures

    from benchmarks import checksum, plan
    from benchmarks.runtimes.interpreters import InterpreterSession
    from benchmarks.runtimes.pools import PoolSession

    cases, _ = plan(["cpu_pure"], ["subinterpreters"], {"n": ["4"], "size": ["100"], "workers": ["2"]})
    (case,) = cases
    public = sys.version_info >= (3, 14)
    expected = "concurrent.interpreters" if public else "_interpreters"
    assert case.metadata()["subinterpreters_api"] == expected
    with case.session() as session:
        if public:
            assert isinstance(session, PoolSession)
            pool_class = futures.InterpreterPoolExecutor  # type: ignore[attr-defined]
            assert isinstance(session._pool, pool_class)
        else:
            assert isinstance(session, InterpreterSession)
        assert checksum(session.run()) == case.expected
