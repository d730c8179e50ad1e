"""The contract between scenarios, models and the harness: Scenario, Model, Session."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import ClassVar

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


class Model(ABC):
    name: ClassVar[str]
    summary: ClassVar[str]
    params: ClassVar[tuple[Param, ...]] = ()

    def unsupported(self, scenario: Scenario, params: Mapping[str, Value]) -> str | None:
        """Why this model cannot run ``scenario`` meaningfully, or None."""
        return None

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        """Facts about the set-up (pool sizes, loop, start method), known before opening."""
        return {}

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        """How many OS threads or processes may run units at once (1: one thread)."""
        return 1

    @abstractmethod
    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        """Create everything the timed ``run`` needs."""


class Scenario(ABC):
    name: ClassVar[str]
    #: one line for ``list`` and the report
    summary: ClassVar[str]
    kind: ClassVar[str]  # "io" or "cpu"
    params: ClassVar[tuple[Param, ...]]

    @abstractmethod
    def work(self, params: Mapping[str, Value]) -> Work:
        """The units to run, bound to ``params``.

        A scenario that needs resources (files, a server) returns their shape
        here (n, kind, limit) and binds the resources in :meth:`prepared`.
        """

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

    def relevant(self, params: Mapping[str, Value]) -> Mapping[str, Value]:
        """Of one point of the sweeps, the parameters that mean something together.

        A scenario whose variants take different parameters (one operation has
        ``calls``, another ``n``) drops the others here; the plan keeps one
        benchmark per distinct remainder instead of repeating a benchmark once
        per value of a parameter it ignores.
        """
        return params

    # A scenario in which the model's role is not "run N units" (a server under
    # load, say) takes over from the model with the four hooks below.

    def model_params(self, model: Model) -> tuple[Param, ...]:
        """The model's parameters that mean something in this scenario."""
        return model.params

    def unsupported(self, model: Model, params: Mapping[str, Value]) -> str | None:
        """Why ``model`` cannot take part in this scenario meaningfully, or None."""
        return None

    def open_session(self, model: Model, work: Work, params: Mapping[str, Value]) -> Session:
        """The session to time: by default the model running the units concurrently."""
        return model.open(work, params)

    def model_metadata(self, model: Model, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        """What the model's set-up looks like in this scenario (pool sizes, loop...)."""
        return {"parallelism": model.parallelism(work, params), **model.metadata(work, params)}

    @abstractmethod
    def expected(self, params: Mapping[str, Value]) -> Checksum:
        """The checksum every model must produce, computed independently of models."""
