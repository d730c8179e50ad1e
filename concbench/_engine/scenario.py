"""A user's workload as a scenario of the suite: every model runs it, each with the same answer.

:func:`scenario_for` makes one :class:`WorkloadScenario` per workload.  Its parameters are
``units``, ``concurrency`` and the workload's own; its units are :class:`.units.UnitRef`s (the
blocking form for pools, threads, greenlets and clusters, the async forms for event loops, trio
and anyio).  A model whose kind of unit the workload lacks is declined with the decorator that
would add it.  The expected answer is the workload's ``expected``, or else the blocking unit run
one after another in this process; a run that differs is explained unit by unit.  The master
verifies every pair, a workload's as any other, in a disposable child process: a unit that hangs
in a thread cannot be stopped, only its process can.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from typing import Any, ClassVar

from benchmarks.core.contract import Model, Scenario
from benchmarks.core.params import CONCURRENCY, UNBOUNDED, Param, Value
from benchmarks.core.work import Checksum, Work, checksum
from benchmarks.runtimes.loops import EventLoop
from benchmarks.runtimes.loopthreads import LoopThreads
from concbench._engine.digest import MAX_UNITS, digest, pack, unpack
from concbench._engine.loader import LoadError
from concbench._engine.units import UnitFailed, UnitRef, in_flight, unknown_arguments, wanted
from concbench._workload import BUILT_IN_PARAMS, Workload

#: how many differing units a mismatch names before it counts the rest
NAMED = 5


class WorkloadScenario(Scenario):
    """One workload of a user's file (a subclass per workload carries its name and parameters)."""

    kind: ClassVar[str]
    path: ClassVar[str]
    attr: ClassVar[str]
    workload: ClassVar[Workload]

    def __init__(self) -> None:
        #: per point of the sweeps: the expected digest of each unit, or why there is none
        self._expected: dict[tuple[tuple[str, Value], ...], list[int] | BaseException] = {}

    # -- the units ---------------------------------------------------------------------------

    def _point(self, params: Mapping[str, Value]) -> tuple[tuple[str, Any], ...]:
        """The values a workload's functions may ask for (``concurrency``: None when unbounded)."""
        own = [p.name for p in self.params]
        return tuple((name, None if params[name] == UNBOUNDED else params[name]) for name in own)

    def _refs(self, params: Mapping[str, Value], setups: tuple[tuple[str, Any], ...] | None) -> Work:
        point = self._point(params)
        w = self.workload

        def ref(form: str) -> UnitRef:
            return UnitRef(self.path, self.attr, form, point, setups)

        asyncio_form = "asyncio" if w.asyncio_form else "anyio" if w.anyio_form else None
        limit = params["concurrency"]
        return Work(
            n=int(params["units"]),
            kind=self.kind,
            call=ref("blocking"),
            # a workload without an async form has its event-loop pairs declined (unsupported)
            acall=ref(asyncio_form or "blocking"),
            limit=0 if limit == UNBOUNDED else int(limit),
            aforms={"trio": ref("anyio"), "anyio": ref("anyio")} if w.anyio_form else {},
            local=f"its units load {self.path} from this machine's disk",
        )

    def work(self, params: Mapping[str, Value]) -> Work:
        return self._refs(params, None if self.workload.setups else ())

    @contextmanager
    def prepared(self, params: Mapping[str, Value]) -> Iterator[Work]:
        """Every set-up made, in declaration order (a generator's code after ``yield`` runs
        afterwards, also when the run failed), and the units bound to their values."""
        values: dict[str, Any] = dict(self._point(params))
        made: list[tuple[str, Any]] = []
        with ExitStack() as stack:
            for name, func in self.workload.setups.items():
                kwargs = {k: values[k] for k in wanted(func, tuple(values), skip_first=False)}
                try:
                    value = func(**kwargs)
                    if hasattr(value, "__next__") and hasattr(value, "send"):  # a generator
                        generator = value
                        value = next(generator)
                        stack.callback(_finish, name, generator)
                except StopIteration:
                    raise RuntimeError(f"set-up {name!r} ended without yielding a value") from None
                except Exception as exc:
                    raise RuntimeError(f"set-up {name!r} raised {type(exc).__name__}: {exc}") from exc
                values[name] = value
                made.append((name, value))
            yield self._refs(params, tuple(made))

    # -- the answer ----------------------------------------------------------------------------

    def _digests(self, params: Mapping[str, Value]) -> list[int]:
        key = self._point(params)
        known = self._expected.get(key)
        if known is None:
            try:
                known = self._compute(params)
            except Exception as exc:
                known = exc
            self._expected[key] = known
        if isinstance(known, BaseException):
            raise known
        return known

    def _compute(self, params: Mapping[str, Value]) -> list[int]:
        n = int(params["units"])
        given = self.workload.expected
        if given is not None:
            if callable(given):
                values = dict(self._point(params))
                given = given(**{k: values[k] for k in wanted(given, tuple(values), skip_first=False)})
            results = list(given)
            if len(results) != n:
                raise ValueError(f"{self.name}'s expected gives {len(results)} results for {n} units")
            return [digest(result) for result in results]
        if self.workload.blocking is None:
            raise LoadError(f"{self.name} has no blocking unit (@{self.attr}.unit) to compute the "
                            "expected answer with, and no expected=")
        with self.prepared(params) as work:
            try:
                return [unpack(work.call(i))[1] for i in range(n)]
            except UnitFailed as exc:
                raise UnitFailed(exc.index, f"{exc.error} (while computing the expected answer, one "
                                 "unit after another in this process)") from None

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        return checksum(pack(i, d) for i, d in enumerate(self._digests(params)))

    def explain(self, params: Mapping[str, Value], results: Sequence[int]) -> str | None:
        key = self._point(params)
        known = self._expected.get(key)
        if not isinstance(known, list):
            return None  # a pyperf worker has the master's checksum, not the digests
        reference = "the workload's expected" if self.workload.expected is not None else "sequential"
        got: dict[int, list[int]] = {}
        for result in results:
            i, d = unpack(result)
            got.setdefault(i, []).append(d)
        problems: list[tuple[int, str]] = []
        for i, want in enumerate(known):
            found = got.pop(i, [])
            if not found:
                problems.append((i, f"unit {i} returned nothing"))
            elif len(found) > 1:
                problems.append((i, f"unit {i} returned {len(found)} results"))
            elif found[0] != want:
                problems.append((i, f"unit {i} returned a different result than {reference} "
                                    f"(digest {found[0]:08x}, {reference}'s {want:08x})"))
        problems += [(i, f"a result came back for unit {i}, which does not exist") for i in sorted(got)]
        if not problems:
            return None
        text = problems[0][1]
        if len(problems) > 1:
            more = ", ".join(str(i) for i, _ in problems[1:NAMED + 1])
            rest = ", ..." if len(problems) > NAMED + 1 else ""
            text += f"; {len(problems) - 1} more unit(s) differ: {more}{rest}"
        return text

    # -- which models can run it ---------------------------------------------------------------

    def missing_form(self, library: str) -> str:
        if library == "asyncio":
            return f"{self.name} has no async form of its unit (add one with @{self.attr}.async_unit)"
        return (f"{self.name} has no {library} form of its unit "
                f"(add an anyio one with @{self.attr}.anyio_unit)")

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        capability = model.capability
        if isinstance(capability, (EventLoop, LoopThreads)):  # loops run the scenario's own coroutines
            return None if self.workload.async_form("asyncio") else self.missing_form("asyncio")
        if capability.library() is None and self.workload.blocking is None:
            return f"{self.name} has no blocking form of its unit (add one with @{self.attr}.unit)"
        return None

    def in_flight(self, params: Mapping[str, Value]) -> list[int]:
        return in_flight(UnitRef(self.path, self.attr, "blocking", ()).key)

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        forms = [name for name, func in (("blocking", self.workload.blocking),
                                         ("asyncio", self.workload.asyncio_form),
                                         ("anyio", self.workload.anyio_form)) if func is not None]
        return {"workload_file": self.path, "workload_forms": ",".join(forms)}


def _finish(name: str, generator: Any) -> None:
    try:
        next(generator)
    except StopIteration:
        return
    raise RuntimeError(f"set-up {name!r} yielded more than once")


def scenario_for(name: str, attr: str, workload: Workload, path: str,
                 taken: Sequence[str] = ()) -> WorkloadScenario:
    """The scenario of ``workload`` (the global ``attr`` of the file at ``path``); ``taken``: the
    parameter names models already use, which the workload's own may not."""
    clash = [key for key in workload.params if key in taken]
    if clash:
        raise LoadError(f"{path}: workload {name!r} has a parameter {clash[0]!r}, which a model uses: "
                        "rename it")
    if workload.units >= MAX_UNITS:
        raise LoadError(f"{path}: workload {name!r} has {workload.units} units: at most {MAX_UNITS - 1}")
    known = (*BUILT_IN_PARAMS, *workload.params)
    checks = [(f"unit {getattr(f, '__name__', f)!r}", f, (*known, *workload.setups), True)
              for f in (workload.blocking, workload.asyncio_form, workload.anyio_form) if f is not None]
    earlier: list[str] = []
    for setup_name, func in workload.setups.items():
        checks.append((f"set-up {setup_name!r}", func, (*known, *earlier), False))
        earlier.append(setup_name)
    if callable(workload.expected):
        checks.append(("expected", workload.expected, known, False))
    for what, func, names, skip_first in checks:
        missing = unknown_arguments(func, names, skip_first)
        if missing:
            raise LoadError(f"{path}: {what} of workload {name!r} asks for {missing[0]!r}: "
                            f"choose from {', '.join(('i',) * skip_first + names)}")
    if workload.blocking is None and workload.async_form("asyncio") is None:
        raise LoadError(f"{path}: workload {name!r} has no unit: add one with @{attr}.unit")
    params = (
        Param("units", int, (workload.units,), "number of units of the workload", minimum=1),
        replace(CONCURRENCY, default=(workload.concurrency or UNBOUNDED,)),
        *(Param(key, type(values[0]), values, f"the workload's parameter {key}")
          for key, values in workload.params.items()),
    )
    cls = type(f"Workload_{attr}", (WorkloadScenario,), {
        "name": name, "summary": workload.summary or f"the workload {name} of {path}",
        "kind": workload.kind, "params": params, "path": path, "attr": attr, "workload": workload})
    scenario: WorkloadScenario = cls()
    return scenario
