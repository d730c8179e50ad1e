"""The contract between scenarios, models and the harness, and every extension point it offers.

A **scenario** is a workload of N indexed units with an answer known in
advance; a **model** runs those units concurrently its own way; a
**session** is one model set up for one scenario, ready to be timed.  A
model *is* its :class:`Capability` (inline, a thread pool, a process pool, an
event loop, a loop handing work to an executor, ...): scenarios never look
at a model's name, only at what it is.

Extension points, all of them (the tests check this list against the code):

============================  =====================================================================
``Session.run``               the one timed call: run every unit once, return the results
``Session.close``             release what opening the session made (also on failure)
``Session.metrics``           numbers besides time of the runs since the last call (latency, CPU)
``Capability.params``         the parameters a capability brings (pool size, start method, api)
``Capability.unsupported``    why this capability cannot run here (library missing, old Python)
``Capability.parallelism``    OS threads or processes that may run units at once
``Capability.metadata``       pool sizes, loop, start method: facts known before opening
``Capability.open``           the generic session: run the N units of any scenario
``Capability.describe``       the label, with what tells this instance apart (loop, executor)
``Capability.library``        the async library whose form of the units it awaits (None: blocking)
``Capability.apart``          runs outside the master: its pyperf workers call ``worker_init``
``Capability.worker_init``    once, first thing in the pyperf worker timing it (gevent patches)
``Capability.worker_exit``    once, last thing in that process (a Dask cluster is stopped)
``Capability.per_process``    its resources (a cluster) outlive sessions: no cold start per value
``Capability.cpu_units``      where a CPU unit runs: "inline", "threads", "processes", "cluster"
``Model.params``              the capability's parameters plus the model's own
``Model.unsupported``         why the model cannot take part in a scenario
``Model.parallelism``         its capability's, unless the model knows better
``Model.metadata``            its capability's, plus anything the model adds
``Model.open``                the model's generic session (by default its capability's)
``Scenario.work``             the units, bound to one point of the parameter sweeps
``Scenario.expected``         the checksum every model must produce, computed without models
``Scenario.prepared``         per-value resources (files, a server) around the work
``Scenario.metadata``         facts about the scenario's own set-up
``Scenario.calibrate``        a one-off measurement by the master, the same for every model
``Scenario.calibrated``       that measurement in words, one line for all its parameter points
``Scenario.relevant``         the parameters that mean something together at one sweep point
``Scenario.sessions``         a scenario with its own sessions: capability type -> SessionKind
``Scenario.session_kind``     the entry of ``sessions`` for a model, along its capability's MRO
``Scenario.model_params``     the model parameters that mean something in this scenario
``Scenario.unsupported``      why a model cannot take part meaningfully (derived from ``sessions``)
``Scenario.open_session``     the session to time (derived from ``sessions``)
``Scenario.model_metadata``   the model's set-up in this scenario (derived from ``sessions``)
``Scenario.warnings``         what the run should say about one timed benchmark (a bottleneck, say)
``Scenario.commands``         verbs it adds to ``python -m benchmarks`` (tcp_echo: serve, loadgen)
``Scenario.explain``          why a run's results are wrong, unit by unit (None: the checksum says it)
``Scenario.in_flight``        the units running in this process now (named when a pair times out)
``Scenario.missing_form``     the reason a model awaiting a library's coroutines is declined
``SessionKind.model_params``  the model parameters one kind of session uses
``SessionKind.unsupported``   why this kind of model cannot run the scenario, in one sentence
``SessionKind.open``          the scenario's own session for a model of this capability
``SessionKind.metadata``      what that session looks like, as metadata
``Command.add_arguments``     a scenario's verb: its options, on the subparser the CLI made for it
``Command.run``               that verb's work, given the registered scenarios and models
============================  =====================================================================

Adding a model is one class that declares its capability (plus one registry entry); the
capabilities, one module per family, are in :mod:`benchmarks.runtimes`, which builds on
this module and is never imported by it.  Adding a scenario is one class with
``params``, ``work`` and ``expected`` (plus one registry entry).  A scenario whose shape
is not "run N units" lists a :class:`SessionKind` per capability in ``sessions``; a
model whose capability is missing there is unsupported with a reason that says so, never
a crash.  A capability awaiting another library's coroutines (``library``: trio, anyio)
runs a plain scenario only where its ``Work`` has that library's form of the units
(``Work.aform``); elsewhere the pair is unsupported with a reason derived from that.  A
scenario with tools of its own (a standalone server, a load generator) offers them as
:class:`Command` verbs from ``commands``; the CLI lists them after its own and hands them
the registry, so scenario code never imports the harness.
"""

from __future__ import annotations

import argparse
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, ClassVar, Generic, TypeVar

from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work


class Session(ABC):
    """Pools, loops and workers for one measured value, created before timing.

    ``run`` is the only timed call; ``close`` releases everything ``open`` made.
    """

    @abstractmethod
    def run(self) -> list[int]:
        """Run every unit once, concurrently as the model does; return their results."""

    def close(self) -> None:
        return None

    def metrics(self) -> dict[str, float]:
        """Measurements beyond time (latency percentiles, say) of the runs since the last call.

        Called after the timed region; the runner writes them to the run's
        ``.metrics.jsonl`` side file.
        """
        return {}

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Capability(ABC):
    """What a model is, as a scenario with sessions of its own needs to know it."""

    #: in reasons and listings: "a thread pool", "an event loop"
    label: ClassVar[str]

    #: Runs outside the master's process (gevent's monkey-patching must never reach it; a Dask
    #: cluster must not outlive the verification, which runs every pair in a disposable child
    #: anyway), and the pyperf worker that times it calls ``worker_init`` first.
    apart: ClassVar[bool] = False
    #: Its resources outlive a session (a cluster started once per process): a cold start is
    #: inside no measured value, and scenarios that time one decline it.
    per_process: ClassVar[bool] = False

    def params(self) -> tuple[Param, ...]:
        return ()

    def unsupported(self, params: Mapping[str, Value]) -> str | None:
        return None

    def library(self) -> str | None:
        """The async library whose form of a scenario's units this capability awaits ("trio",
        "anyio"; see ``Work.aform``); None: asyncio's ``acall`` or the blocking ``call``."""
        return None

    def worker_init(self) -> None:
        """Once, in the process that will run this capability's sessions, before anything else
        (only for ``apart`` capabilities): gevent's monkey-patching."""
        return None

    def worker_exit(self) -> None:
        """Once, when that process is done with this capability's sessions: stop what outlives
        them (the Dask cluster of ``per_process``)."""
        return None

    def cpu_units(self, params: Mapping[str, Value]) -> str | None:
        """Where a CPU unit runs: "inline" (the calling or loop thread), "threads",
        "processes" or "cluster"; None: not declared (a scenario then runs it as any other)."""
        return None

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return 1

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {}

    @abstractmethod
    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        """The generic session: every unit of ``work`` run the way this capability runs work."""

    def describe(self) -> str:
        """The label, with what distinguishes this instance (the loop, the executor)."""
        return self.label


class Model:
    """A concurrency model: a name, a one-line summary and the capability it declares."""

    name: ClassVar[str]
    summary: ClassVar[str]
    capability: ClassVar[Capability]
    #: parameters of the model itself, beyond its capability's
    own_params: ClassVar[tuple[Param, ...]] = ()

    @property
    def params(self) -> tuple[Param, ...]:
        return (*self.capability.params(), *self.own_params)

    def unsupported(self, scenario: Scenario, params: Mapping[str, Value]) -> str | None:
        """Why this model cannot run ``scenario`` meaningfully, or None: its capability's reason,
        or, for a capability awaiting another library's coroutines, a scenario without that
        library's form of its units."""
        reason = self.capability.unsupported(params)
        library = self.capability.library()
        if reason or library is None or scenario.sessions is not None:
            return reason
        if scenario.work(params).aform(library) is None:
            return scenario.missing_form(library)
        return None

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        """Facts about the set-up (pool sizes, loop, start method), known before opening."""
        return self.capability.metadata(work, params)

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        """How many OS threads or processes may run units at once (1: one thread)."""
        return self.capability.parallelism(work, params)

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        """Create everything the timed ``run`` needs."""
        return self.capability.open(work, params)


C = TypeVar("C", bound=Capability)


class SessionKind(ABC, Generic[C]):
    """How one scenario runs with every model of one capability."""

    def model_params(self, capability: C, params: tuple[Param, ...]) -> tuple[Param, ...]:
        """Of the model's parameters (``params``), those this kind of session uses."""
        return params

    def unsupported(self, capability: C, params: Mapping[str, Value]) -> str | None:
        return None

    @abstractmethod
    def open(self, capability: C, work: Work, params: Mapping[str, Value]) -> Session: ...

    def metadata(self, capability: C, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"parallelism": capability.parallelism(work, params), **capability.metadata(work, params)}


class Declined(SessionKind[Capability]):
    """A capability a scenario knows and declines, with the reason (a function of the capability)."""

    def __init__(self, reason: str | Callable[[Capability], str | None]) -> None:
        self._reason = reason

    def model_params(self, capability: Capability, params: tuple[Param, ...]) -> tuple[Param, ...]:
        return ()

    def unsupported(self, capability: Capability, params: Mapping[str, Value]) -> str | None:
        return self._reason if isinstance(self._reason, str) else self._reason(capability)

    def open(self, capability: Capability, work: Work, params: Mapping[str, Value]) -> Session:
        raise AssertionError("a declined pair is never opened")


#: A scenario's own sessions: for each capability it handles, how (see ``Scenario.sessions``).
SessionTable = Mapping[type[Capability], SessionKind[Any]]


class Scenario(ABC):
    name: ClassVar[str]
    #: one line for ``list`` and the report
    summary: ClassVar[str]
    kind: ClassVar[str]  # "io" or "cpu"
    params: ClassVar[tuple[Param, ...]]
    #: A scenario that runs sessions of its own: one SessionKind per capability it handles
    #: (looked up along the capability's class hierarchy).  None: every model runs the units.
    sessions: ClassVar[SessionTable | None] = None

    @abstractmethod
    def work(self, params: Mapping[str, Value]) -> Work:
        """The units to run, bound to ``params``.

        A scenario that needs resources (files, a server) returns their shape
        here (n, kind, limit) and binds the resources in :meth:`prepared`.
        """

    @abstractmethod
    def expected(self, params: Mapping[str, Value]) -> Checksum:
        """The checksum every model must produce, computed independently of models."""

    @contextmanager
    def prepared(self, params: Mapping[str, Value]) -> Iterator[Work]:
        """The runnable work, with its resources set up and, afterwards, torn down.

        Entered outside the timed region, once per measured value.
        """
        yield self.work(params)

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        """Facts about the scenario's own set-up (a reference server, say)."""
        return {}

    def calibrate(self, params: Mapping[str, Value]) -> dict[str, Value]:
        """Measured once by the master before timing (say, a load generator's capacity) and
        added to the benchmark's metadata.  Must not depend on the model."""
        return {}

    def calibrated(self, found: Sequence[tuple[Mapping[str, Value], Mapping[str, Value]]]) -> str:
        """What :meth:`calibrate` found, (parameters, measurements) per point in plan order, as
        the run says it: one line in words, after ``"<scenario>: "``.  By default each measured
        name with its value, or its range over the points."""
        names = list(dict.fromkeys(name for _params, values in found for name in values))
        parts = []
        for name in names:
            values = [v for _params, point in found if (v := point.get(name)) is not None]
            numbers = sorted(float(v) for v in values if isinstance(v, int | float))
            if numbers and len(numbers) == len(values) and numbers[0] != numbers[-1]:
                parts.append(f"{name.replace('_', ' ')} {numbers[0]:g} to {numbers[-1]:g}")
            elif values:
                parts.append(f"{name.replace('_', ' ')} {values[0]}")
        return "; ".join(parts)

    def relevant(self, params: Mapping[str, Value]) -> Mapping[str, Value]:
        """Of one point of the sweeps, the parameters that mean something together.

        A scenario whose variants take different parameters (one operation has
        ``calls``, another ``n``) drops the others here; the plan keeps one
        benchmark per distinct remainder instead of repeating a benchmark once
        per value of a parameter it ignores.
        """
        return params

    def warnings(self, metadata: Mapping[str, Value], median_s: float) -> list[str]:
        """What the run should tell the user about one timed benchmark, from its metadata
        (calibration included) and its median: a result set by something other than the
        model under test, say."""
        return []

    def explain(self, params: Mapping[str, Value], results: Sequence[int]) -> str | None:
        """Why ``results`` (a run whose checksum is wrong) are wrong, naming the units that differ;
        None: the scenario cannot tell, and the checksums say it."""
        return None

    def in_flight(self, params: Mapping[str, Value]) -> Sequence[int]:
        """The indices of the units this process is running now: named when a pair runs past
        its time limit (empty: not known here, as for units in other processes)."""
        return ()

    def missing_form(self, library: str) -> str:
        """Why a model awaiting ``library``'s coroutines cannot run this scenario's units."""
        return f"{self.name} has no {library} form of its unit"

    def commands(self) -> Sequence[Command]:
        """Verbs this scenario adds to the command line (``serve``, ``loadgen``), after the
        suite's own, in this order.  Scenarios that return the same kind of command share it."""
        return ()

    # -- the model's part, derived from ``sessions`` ------------------------------------------

    def session_kind(self, model: Model) -> SessionKind[Any] | None:
        """The entry of ``sessions`` for the model's capability (None: not handled)."""
        assert self.sessions is not None
        for cls in type(model.capability).__mro__:
            if cls in self.sessions:
                return self.sessions[cls]
        return None

    def model_params(self, model: Model) -> tuple[Param, ...]:
        """The model's parameters that mean something in this scenario."""
        if self.sessions is None:
            return model.params
        kind = self.session_kind(model)
        return () if kind is None else kind.model_params(model.capability, model.params)

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        """Why ``model`` cannot take part in this scenario meaningfully, or None."""
        if self.sessions is None:
            return None
        kind = self.session_kind(model)
        if kind is None:
            handled = sorted({cls.label for cls in self.sessions})
            return (f"{self.name} has sessions for {', '.join(handled)}, not for "
                    f"{model.capability.describe()} ({model.name})")
        return kind.unsupported(model.capability, params)

    def open_session(self, model: Model, work: Work, params: Mapping[str, Value]) -> Session:
        """The session to time: by default the model running the units concurrently."""
        if self.sessions is None:
            return model.open(work, params)
        kind = self.session_kind(model)
        assert kind is not None, "unsupported pairs are never opened"
        return kind.open(model.capability, work, params)

    def model_metadata(self, model: Model, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        """What the model's set-up looks like in this scenario (pool sizes, loop...)."""
        if self.sessions is None:
            return {"parallelism": model.parallelism(work, params), **model.metadata(work, params)}
        kind = self.session_kind(model)
        assert kind is not None, "unsupported pairs have no metadata"
        return kind.metadata(model.capability, work, params)


class Command(ABC):
    """A verb of ``python -m benchmarks`` that a scenario brings: tcp_echo's ``serve`` and ``loadgen``."""

    #: the verb, and its one line in ``python -m benchmarks --help``
    name: ClassVar[str]
    help: ClassVar[str]

    @abstractmethod
    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the verb's arguments and options to its subparser."""

    @abstractmethod
    def run(self, args: argparse.Namespace, scenarios: Mapping[str, Scenario],
            models: Mapping[str, Model]) -> int:
        """Do the verb's work; return the exit status.  Bad input raises ``BadInput`` (one line,
        exit status 2).  ``scenarios`` and ``models`` are the registry, by name."""
