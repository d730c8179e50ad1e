"""Units the failure tests hand to models, at module level so that every pool can ship them.

This module imports nothing but the scenario it borrows from: a subinterpreter imports it to
unpickle a unit, and some extension modules (psutil's, which the leak check uses) cannot load
in a subinterpreter.
"""

from __future__ import annotations

from benchmarks.scenarios import retry_ratelimit


def broken_operation(i: int, draw: float) -> int:
    """Call 3 fails for good, not transiently."""
    if i == 3:
        raise ValueError("call 3 is broken")
    return retry_ratelimit.flaky_operation(i, draw)
