"""The capabilities that run on an asyncio-compatible event loop, and the loops themselves.

- :class:`Loop`: an event-loop implementation, chosen by its factory: asyncio's own
  (:data:`ASYNCIO`), uvloop (:data:`UVLOOP`) and rloop (:data:`RLOOP`, an event loop in Rust);
  :class:`PackagedLoop`: one more loop from PyPI, declared in its model's module (veloxloop,
  rsloop, talyn, zuvloop, uringcore), with the Pythons its wheels cover and its known failures.
- :class:`EventLoop`: the scenario's coroutines on a loop (:class:`ApartEventLoop`: the same,
  kept out of long-lived processes).
- :class:`LoopExecutor`: an event loop handing each blocking unit to an executor: the
  loop's default executor (``asyncio.to_thread``), a thread pool or a process pool
  (``loop.run_in_executor``).

uvloop and rloop are asyncio with another loop factory: every loop runs the same
fan-out (:mod:`benchmarks.runtimes.aio`), a fresh loop per measured value,
created outside the timed region.  A scenario with sessions of its own asks a
capability for its ``loop`` and ``unit`` instead of asking the model who it is.
"""

from __future__ import annotations

import asyncio
import importlib
import platform
import sys
import warnings
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import cache
from types import ModuleType
from typing import ClassVar, cast

from benchmarks.core.contract import Capability, Model, Scenario, Session
from benchmarks.core.packages import missing, version
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Work
from benchmarks.runtimes.aio import (
    API,
    APIS,
    LOOP_CHOICE,
    AsyncSession,
    LoopFactory,
    Unit,
    bind_unit,
    new_runner,
)
from benchmarks.runtimes.pools import ProcessPool, ThreadPool
from benchmarks.runtimes.startup import default_executor_size, start_default_executor


@dataclass(frozen=True)
class DefaultExecutor:
    """The loop's default executor, which ``asyncio.to_thread`` uses: its size is not yours to
    choose, ``min(32, cpus + 4)`` threads."""

    label: ClassVar[str] = "the loop's default executor"

    def params(self) -> tuple[Param, ...]:
        return ()

    def size(self, work: Work, params: Mapping[str, Value]) -> int:
        return default_executor_size()

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"default_executor_size": self.size(work, params)}


class Loop:
    """An asyncio-compatible event loop implementation: asyncio's own, uvloop, ..."""

    name: ClassVar[str] = "asyncio"

    def factory(self) -> LoopFactory:
        # the class itself, not asyncio.new_event_loop, which asks the event-loop policy (a
        # library's uvloop.install() would make this loop uvloop's); EventLoop is 3.13+
        loop_class: LoopFactory = getattr(asyncio, "EventLoop", asyncio.SelectorEventLoop)
        return loop_class

    def version(self) -> str:
        return platform.python_version()

    def unavailable(self) -> str | None:
        """Why this loop cannot be used here (not installed), or None."""
        return None


ASYNCIO = Loop()


class Uvloop(Loop):
    """uvloop's event loop (libuv): the asyncio model's code, another factory."""

    name: ClassVar[str] = "uvloop"

    def factory(self) -> LoopFactory:
        import uvloop

        return uvloop.new_event_loop

    def version(self) -> str:
        return version("uvloop")

    def unavailable(self) -> str | None:
        try:
            import uvloop  # noqa: F401
        except ImportError:
            return missing("uvloop") or "uvloop does not import on this interpreter"
        return None


UVLOOP = Uvloop()


class Rloop(Loop):
    """rloop's event loop, written in Rust.

    rloop 0.5 makes a new self-pipe socket pair every time the loop starts running (every
    ``run_until_complete``); on stop its core closes both descriptors but leaves the Python
    socket objects owning them, so the garbage collector later warns (ResourceWarning) and
    closes those numbers again, by then maybe another file's.  The factory's loop detaches
    them when the loop stops (inside the clock, like the pair's creation: nanoseconds).
    """

    name: ClassVar[str] = "rloop"

    def factory(self) -> LoopFactory:
        import rloop

        class ClosingRLoop(rloop.RLoop):
            def _ssock_stop(self) -> None:
                reader, writer = self._ssock_r, self._ssock_w
                super()._ssock_stop()
                # rloop's core has closed both descriptors: the Python objects must not close
                # them again (by then the numbers may belong to another file)
                reader.detach()
                writer.detach()

        return ClosingRLoop

    def version(self) -> str:
        return version("rloop")

    def unavailable(self) -> str | None:
        return missing("rloop")


RLOOP = Rloop()


def _imported(package: str) -> ModuleType:
    with warnings.catch_warnings():
        # 3.14 deprecates event-loop policies, and some of these packages define one as they are
        # imported (veloxloop 0.2): the suite takes the factory and never sets a policy
        warnings.filterwarnings("ignore", r"'asyncio\.\w*Policy' is deprecated", DeprecationWarning)
        return importlib.import_module(package)


@cache
def _import_error(package: str) -> str | None:
    """Why an installed ``package`` fails to import, in one line, or None; asked once a process."""
    try:
        _imported(package)
    except ImportError as exc:
        return " ".join(str(exc).split())
    return None


class PackagedLoop(Loop):
    """A loop from a package of its own whose module has a ``new_event_loop``-style factory:
    a model module declares one as a subclass (rsloop, talyn, ...), with what its wheels cover,
    so that where it is not installed the reason says why, and with the versions that install
    but fail (``known_failures``: version -> the failure, one sentence), declined with it."""

    #: the distribution and its module
    package: ClassVar[str]
    #: the loop factory in that module
    factory_name: ClassVar[str] = "new_event_loop"
    #: the CPython versions its Linux wheels are built for, and the oldest glibc they need
    wheel_pythons: ClassVar[tuple[tuple[int, int], ...]] = ()
    wheel_glibc: ClassVar[tuple[int, int]] = (2, 17)
    #: version -> scenario name ("*": every scenario) -> how it fails there, one sentence
    known_failures: ClassVar[Mapping[str, Mapping[str, str]]] = {}

    def factory(self) -> LoopFactory:
        return cast(LoopFactory, getattr(_imported(self.package), self.factory_name))

    def version(self) -> str:
        return version(self.package)

    def unavailable(self) -> str | None:
        if missing(self.package):
            return self.not_installed()
        return self.unloadable() or self.failure("*")

    def unloadable(self) -> str | None:
        """Why the installed package cannot be imported here, or None (talyn 0.10's extension
        needs a libpython3.14.so that Debian's python3.14 does not have)."""
        why = _import_error(self.package)
        return f"{self.package} is installed but does not load here: {why}" if why else None

    def failure(self, scenario: str) -> str | None:
        """How the installed version fails ``scenario`` (known, one sentence), or None."""
        failures = self.known_failures.get(self.version(), {})
        failure = failures.get(scenario) or failures.get("*")
        return f"{self.package} {self.version()} fails here: {failure}" if failure else None

    def not_installed(self) -> str:
        """Why the package is not installed, as far as its published wheels tell."""
        python = sys.version_info[:2]
        if python not in self.wheel_pythons:
            return f"{self.package} publishes no wheel for Python {python[0]}.{python[1]}"
        libc, found = platform.libc_ver()
        have = tuple(int(x) for x in found.split(".")[:2]) if libc == "glibc" and found else None
        if have is not None and have < self.wheel_glibc:
            need = ".".join(map(str, self.wheel_glibc))
            return (f"{self.package} publishes Linux wheels for glibc {need} or newer only "
                    f"(this system has {found})")
        return f"{self.package} is not installed for this interpreter"


@dataclass(frozen=True)
class OnLoop(Capability):
    """What every capability that runs on an asyncio event loop shares: the loop, a fresh one
    per measured value, and how the unit awaitables are awaited (``api``)."""

    loop: Loop = ASYNCIO
    label: ClassVar[str] = "an asyncio event loop (its coroutines, or an executor behind it)"
    #: the ``api`` values swept by default
    apis: tuple[str, ...] = ("gather",)

    def params(self) -> tuple[Param, ...]:
        return (replace(API, default=self.apis),)

    def describe(self) -> str:
        return f"{self.label} ({self.loop.name})"

    def unsupported(self, params: Mapping[str, Value]) -> str | None:
        reason = self.loop.unavailable()
        if reason:
            return reason
        if params.get("api") == "taskgroup" and not hasattr(asyncio, "TaskGroup"):
            return "asyncio.TaskGroup needs Python 3.11 or newer"
        return None

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"loop": self.loop.name, "loop_version": self.loop.version(), "loop_choice": LOOP_CHOICE,
                "concurrency_limit": work.limit or work.n}

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        """The awaitable for unit i on ``loop``; pools it needs are registered in ``resources``."""
        raise NotImplementedError

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        runner = new_runner(self.loop.factory())
        loop = runner.get_loop()
        if params.get("task_factory") == "eager":
            # 3.12+: a task runs synchronously until its first suspension (only
            # scenarios that declare the task_factory parameter ask for it)
            loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
        resources = ExitStack()
        try:
            unit = self.unit(work, params, loop, resources)
        except BaseException:
            resources.close()
            runner.close()
            raise
        api = str(params.get("api", "gather"))
        assert api in APIS
        return AsyncSession(runner, unit, work, api, resources)


@dataclass(frozen=True)
class EventLoop(OnLoop):
    """The scenario's own coroutines on the loop; CPU units run inline in the loop's thread."""

    label: ClassVar[str] = "an event loop"

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        return work.acall


@dataclass(frozen=True)
class ApartEventLoop(EventLoop):
    """An event loop kept out of long-lived processes: rloop 0.5 never closes a loop's epoll and
    eventfd descriptors (two per loop, measured), so the master verifies its pairs in a
    disposable child and only its own pyperf workers (a few loops each) run it.  Scenarios see
    an EventLoop."""

    apart: ClassVar[bool] = True


@dataclass(frozen=True)
class LoopExecutor(OnLoop):
    """An event loop that awaits each blocking unit on an executor: the default executor
    (``asyncio.to_thread``) or a thread or process pool (``loop.run_in_executor``)."""

    executor: DefaultExecutor | ThreadPool | ProcessPool = field(default_factory=DefaultExecutor)
    label: ClassVar[str] = "an event loop handing units to an executor"

    def describe(self) -> str:
        return f"an event loop ({self.loop.name}) handing units to {self.executor.label}"

    def params(self) -> tuple[Param, ...]:
        return (*super().params(), *self.executor.params())

    def size(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.executor.size(work, params)

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.size(work, params)

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta = {**super().metadata(work, params), **self.executor.metadata(work, params)}
        if not isinstance(self.executor, ProcessPool):  # a process pool's limit is its size already
            meta["concurrency_limit"] = min(work.limit or work.n, self.size(work, params))
        return meta

    def unit(self, work: Work, params: Mapping[str, Value], loop: asyncio.AbstractEventLoop,
             resources: ExitStack) -> Unit:
        if isinstance(self.executor, DefaultExecutor):
            # The default executor belongs to the loop, and a fresh loop is made for every
            # measured value: start all its threads now, from inside the loop that owns it.
            loop.run_until_complete(start_default_executor(loop, self.size(work, params)))
            return bind_unit(asyncio.to_thread, work.call)
        pool = self.executor.new_pool(work, params)
        resources.callback(pool.shutdown, wait=True, cancel_futures=True)
        return bind_unit(loop.run_in_executor, pool, work.call)


class PackagedLoopModel(Model):
    """A model of the scenario's coroutines on a :class:`PackagedLoop`: declined, with the known
    failure, in the scenarios where its installed version is known to fail."""

    capability: ClassVar[EventLoop]

    def unsupported(self, scenario: Scenario, params: Mapping[str, Value]) -> str | None:
        loop = self.capability.loop
        failure = loop.failure(scenario.name) if isinstance(loop, PackagedLoop) else None
        return failure or super().unsupported(scenario, params)

