"""Shared fixtures: the leak check (see tests/support/leaks.py) and what it must not count."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import pytest

from tests.support.leaks import nothing_left


@pytest.fixture(scope="session")
def process_wide_helpers() -> None:
    """Start once what lives for the whole process by design, so it is not counted as a
    leak: uvloop's global self-pipe, the forkserver, the resource tracker and the first
    arena of multiprocessing's shared-memory heap (``Value``, ``Array``), which keeps small
    arenas and their file descriptors for reuse."""
    from concurrent.futures import ProcessPoolExecutor

    try:
        import uvloop
    except ImportError:
        pass  # not installed for this interpreter (a free-threaded build): its model is unsupported
    else:
        uvloop.new_event_loop().close()
    multiprocessing.RawValue("q", 0)  # freed at once; its arena stays
    for method in multiprocessing.get_all_start_methods():
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method)) as pool:
            pool.submit(int).result()


@pytest.fixture
def no_leaks(process_wide_helpers: None) -> Iterator[None]:
    """Fail if the test leaves a thread, a child process, a descriptor, a temporary directory
    or a listening socket behind."""
    with nothing_left():
        yield
