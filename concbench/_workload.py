"""A workload of the user's: plain functions, described once, run under every model.

This module only *describes* a workload; it imports nothing of the suite, so a
user's file stays cheap to import in every pyperf worker, process-pool child,
subinterpreter and Dask worker.  The engine that turns a description into a
scenario of the suite lives in :mod:`concbench._engine` (imported by the
command line, never by a user's file).

Arguments reach a user's functions by name, as pytest's fixtures do: a unit or
a set-up asks for ``i`` (a unit only: the unit's index, always first), for any
of the workload's parameters (``units``, ``concurrency`` and those of
``params``) and, a unit only, for the value of any set-up by that set-up's
function name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

Value = int | float | str
F = TypeVar("F", bound=Callable[..., Any])

#: the names every workload has, besides those of ``params``
BUILT_IN_PARAMS = ("units", "concurrency")
KINDS = ("io", "cpu")


class WorkloadError(ValueError):
    """A workload described wrongly: one line, naming what is valid."""


@dataclass
class Workload:
    """One workload: its units (a blocking form and optionally async ones), size and set-ups.

    Made by :func:`workload`; its decorators add the functions.
    """

    name: str | None
    units: int
    concurrency: int | None
    kind: str
    params: dict[str, tuple[Value, ...]]
    expected: Sequence[Any] | Callable[..., Sequence[Any]] | None
    summary: str
    #: the blocking unit, ``def f(i, ...) -> result``
    blocking: Callable[..., Any] | None = None
    #: the async unit for asyncio's loops (asyncio, uvloop, rloop)
    asyncio_form: Callable[..., Any] | None = None
    #: the async unit written with anyio: runs on trio and anyio (and asyncio without ``asyncio_form``)
    anyio_form: Callable[..., Any] | None = None
    #: set-ups by name, in declaration order: a function (returns the value) or a generator
    #: function (yields it once; the code after ``yield`` tears it down)
    setups: dict[str, Callable[..., Any]] = field(default_factory=dict)

    # -- decorators ------------------------------------------------------------------------

    def unit(self, func: F) -> F:
        """The blocking unit: ``def f(i, ...) -> result`` (required)."""
        self.blocking = _first_is_i(func, "unit")
        return func

    def async_unit(self, func: F) -> F:
        """The unit as an asyncio coroutine function: ``async def f(i, ...) -> result``."""
        self.asyncio_form = _coroutine(_first_is_i(func, "async_unit"), "async_unit")
        return func

    def anyio_unit(self, func: F) -> F:
        """The unit written with anyio: runs under trio and anyio, and under asyncio's loops when no
        ``async_unit`` is given."""
        self.anyio_form = _coroutine(_first_is_i(func, "anyio_unit"), "anyio_unit")
        return func

    def setup(self, func: F) -> F:
        """A resource made before the clock and kept for every unit: a server, a pool, a data set.

        A plain function returns the value; a generator function yields it, and the code after
        its ``yield`` tears it down.  Units ask for the value by this function's name.
        """
        if func.__name__ in (*BUILT_IN_PARAMS, *self.params, "i"):
            raise WorkloadError(f"set-up {func.__name__!r} has the name of a parameter: rename it")
        self.setups[func.__name__] = func
        return func

    # -- what the engine reads ---------------------------------------------------------------

    def argument_names(self) -> tuple[str, ...]:
        """Every name a unit or set-up may ask for, besides ``i``."""
        return (*BUILT_IN_PARAMS, *self.params, *self.setups)

    def async_form(self, library: str) -> Callable[..., Any] | None:
        """The coroutine function ``library`` ("asyncio", "trio", "anyio") runs, or None."""
        if library == "asyncio":
            return self.asyncio_form or self.anyio_form
        return self.anyio_form


def workload(name: str | None = None, *, units: int = 100, concurrency: int | None = None,
             kind: str = "io", params: Mapping[str, Iterable[Value] | Value] | None = None,
             expected: Sequence[Any] | Callable[..., Sequence[Any]] | None = None,
             summary: str = "") -> Workload:
    """Describe a workload: ``units`` calls of one function, at most ``concurrency`` at once.

    ``name``: the workload's name on the command line (default: the variable it is assigned
    to in its file).  ``kind``: "io" (units mostly wait: pools are sized to the units in flight)
    or "cpu" (units compute: pools are sized to the CPUs).  ``params``: values to sweep, by name,
    each measured as its own point (``--param NAME=V`` picks others).  ``expected``: the units'
    results in index order, or a function of the parameters that returns them (default: what the
    blocking unit returns run one after another).
    """
    if kind not in KINDS:
        raise WorkloadError(f"invalid kind {kind!r}: expected one of {', '.join(KINDS)}")
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise WorkloadError(f"invalid units {units!r}: expected an integer >= 1")
    if concurrency is not None and (not isinstance(concurrency, int) or concurrency < 1):
        raise WorkloadError(f"invalid concurrency {concurrency!r}: expected an integer >= 1 or None")
    sweeps: dict[str, tuple[Value, ...]] = {}
    for key, values in (params or {}).items():
        if key in (*BUILT_IN_PARAMS, "i") or not key.isidentifier():
            raise WorkloadError(f"invalid parameter name {key!r}: a Python identifier other than "
                                f"i, {', '.join(BUILT_IN_PARAMS)}")
        sweep = (values,) if isinstance(values, (int, float, str)) else tuple(values)
        kinds = {type(v) for v in sweep}
        if not sweep or not kinds <= {int, float, str} or len(kinds) > 1:
            raise WorkloadError(f"invalid values for parameter {key!r}: expected one or more ints, "
                                "floats or strings, all of one type")
        sweeps[key] = sweep
    return Workload(name=name, units=units, concurrency=concurrency, kind=kind, params=sweeps,
                    expected=expected, summary=summary)


def _first_is_i(func: F, what: str) -> F:
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return func  # a builtin without a signature: called with i alone
    if not names or names[0] != "i":
        raise WorkloadError(f"{what} {getattr(func, '__name__', func)!r} must take the unit's index "
                            "as its first argument, named i")
    return func


def _coroutine(func: F, what: str) -> F:
    if not inspect.iscoroutinefunction(func):
        raise WorkloadError(f"{what} {getattr(func, '__name__', func)!r} must be an async def function")
    return func
