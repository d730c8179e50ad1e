"""Base class of a scenario: its parameters, its work and its expected answer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import ClassVar

from ._params import Param, Value
from ._work import Checksum, Work


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

    @abstractmethod
    def expected(self, params: Mapping[str, Value]) -> Checksum:
        """The checksum every model must produce, computed independently of models."""
