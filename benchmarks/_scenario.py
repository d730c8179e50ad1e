"""Base class of a scenario: its parameters, its work and its expected answer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, ClassVar

from ._params import Param, Value
from ._work import Checksum, Work

if TYPE_CHECKING:
    from ._model import Model, Session


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
