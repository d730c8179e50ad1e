"""The picklable stand-in for a user's unit: it finds the function by the file's path.

A :class:`UnitRef` holds where the workload is (the file's resolved path and the global that
holds it), which form of the unit to call, the parameters and the set-ups' values.  A process
that receives one loads the file by path (once, as :mod:`.loader` names it), so the user's
function is never pickled: lambdas, closures and a file run as a script all work.  Set-up values
are pickled only where a model ships the unit to another process or interpreter; one that cannot
be pickled fails with a line that names the set-up.

Calling a ref returns the suite's int (:func:`.digest.pack`); a unit that raises becomes
:class:`UnitFailed`, which crosses process boundaries intact.  The units running at any moment
are kept by workload (:func:`in_flight`) so that a pair that hangs can say which.
"""

from __future__ import annotations

import inspect
import pickle
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from concbench._engine.digest import digest, pack
from concbench._engine.loader import LoadError, load, workloads
from concbench._workload import Workload

FORMS = ("blocking", "asyncio", "anyio")

#: workload key -> indices of its units running in this process now
_RUNNING: dict[str, set[int]] = {}
_RUNNING_LOCK = threading.Lock()


class UnitFailed(Exception):
    """A user's unit raised: which unit, and what (type and message), on one line."""

    def __init__(self, index: int, error: str) -> None:
        super().__init__(index, error)
        self.index = index
        self.error = error

    def __str__(self) -> str:
        return f"unit {self.index} raised {self.error}"


class SetupNotPicklable(Exception):
    """A set-up's value had to cross to another process or interpreter and cannot be pickled."""


def describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def in_flight(key: str) -> list[int]:
    """The indices of ``key``'s units that this process is running now, in order."""
    with _RUNNING_LOCK:
        return sorted(_RUNNING.get(key, ()))


def _started(key: str, i: int) -> None:
    with _RUNNING_LOCK:
        _RUNNING.setdefault(key, set()).add(i)


def _ended(key: str, i: int) -> None:
    with _RUNNING_LOCK:
        _RUNNING.get(key, set()).discard(i)


def _where() -> str:
    """" in a subinterpreter" where this code runs in one (Python 3.13+ can tell), else ""."""
    try:
        import _interpreters  # type: ignore[import-not-found]
    except ImportError:
        return ""
    return " in a subinterpreter" if _interpreters.get_current() != _interpreters.get_main() else ""


def find(path: str, attr: str) -> Workload:
    """The workload held by global ``attr`` of the file at ``path``, loading the file if need be."""
    try:
        module = load(path)
    except LoadError as exc:
        raise LoadError(f"{exc}{_where()}") from None
    for global_name, workload in workloads(module).values():
        if global_name == attr:
            return workload
    raise LoadError(f"{path} no longer has a workload in global {attr!r}")


def wanted(func: Callable[..., Any], known: tuple[str, ...], skip_first: bool) -> tuple[str, ...]:
    """The names ``func`` asks for, of ``known`` (arguments reach functions by name, as pytest's
    fixtures do); a name it needs and nobody provides is a WorkloadError's business (checked when
    the workload becomes a scenario)."""
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return ()
    return tuple(name for name in names[1 if skip_first else 0:] if name in known)


def unknown_arguments(func: Callable[..., Any], known: tuple[str, ...], skip_first: bool) -> list[str]:
    """The arguments ``func`` needs (no default) that none of ``known`` provides."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return []
    return [p.name for p in params[1 if skip_first else 0:]
            if p.default is inspect.Parameter.empty and p.name not in known
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


@dataclass(frozen=True, eq=False)
class UnitRef:
    """Unit ``i`` of a workload in one form, its parameters and set-up values bound."""

    path: str
    attr: str
    form: str
    #: (name, value) of ``units``, ``concurrency`` (None: unbounded) and the workload's params
    params: tuple[tuple[str, Any], ...]
    #: (name, value) of every set-up, once made (``Scenario.prepared``); None: not made yet
    setups: tuple[tuple[str, Any], ...] | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.path}:{self.attr}"

    def _bound(self) -> tuple[Callable[..., Any], dict[str, Any]]:
        """The user's function and its keyword arguments, found once per process."""
        cached = self._cache.get("bound")
        if cached is None:
            failure = self._cache.get("failure")
            if failure is not None:
                raise failure
            workload = find(self.path, self.attr)
            func = (workload.blocking if self.form == "blocking"
                    else workload.asyncio_form if self.form == "asyncio" else workload.anyio_form)
            if func is None:
                raise LoadError(f"workload {workload.name or self.attr!r} has no {self.form} form "
                                "of its unit")
            values = dict(self.params)
            if workload.setups:
                if self.setups is None:
                    raise RuntimeError("a workload with set-ups runs its units only inside "
                                       "Scenario.prepared()")
                values.update(self.setups)
            names = wanted(func, tuple(values), skip_first=True)
            cached = (func, {name: values[name] for name in names})
            self._cache["bound"] = cached
        return cached

    def __call__(self, i: int) -> Any:
        if self.form != "blocking":
            return self._acall(i)
        func, kwargs = self._bound()
        key = self.key
        _started(key, i)
        try:
            result = func(i, **kwargs)
        except Exception as exc:
            raise UnitFailed(i, describe(exc)) from exc
        finally:
            _ended(key, i)
        return pack(i, digest(result))

    async def _acall(self, i: int) -> int:
        func, kwargs = self._bound()
        key = self.key
        _started(key, i)
        try:
            result = await func(i, **kwargs)
        except Exception as exc:
            raise UnitFailed(i, describe(exc)) from exc
        finally:
            _ended(key, i)
        return pack(i, digest(result))

    # -- crossing to another process or interpreter ----------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        shipped = self._cache.get("shipped")
        if shipped is None and self.setups is not None:
            shipped = []
            for name, value in self.setups:  # one at a time, to name the one that fails
                try:
                    shipped.append((name, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)))
                except Exception as exc:
                    raise SetupNotPicklable(
                        f"set-up {name!r} returned a value that cannot be pickled ({describe(exc)}); "
                        "this model ships it to other processes or interpreters: make it inside the "
                        "unit, or compare models that share memory") from None
            self._cache["shipped"] = shipped
        return {"path": self.path, "attr": self.attr, "form": self.form, "params": self.params,
                "shipped": shipped}

    def __setstate__(self, state: dict[str, Any]) -> None:
        shipped = state["shipped"]
        setups = None if shipped is None else tuple((name, pickle.loads(data)) for name, data in shipped)
        for name, value in (("path", state["path"]), ("attr", state["attr"]), ("form", state["form"]),
                            ("params", state["params"]), ("setups", setups), ("_cache", {})):
            object.__setattr__(self, name, value)
        # Load the file now, as a pool child receives the unit while it warms up (outside the
        # clock); a failure is kept and raised by the first call, where the pair reports it.
        try:
            self._bound()
        except Exception as exc:
            self._cache["failure"] = exc
