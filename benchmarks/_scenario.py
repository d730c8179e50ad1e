"""Base class of a scenario: its parameters, its work and its expected answer."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
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
        """The units to run, bound to ``params``."""

    @abstractmethod
    def expected(self, params: Mapping[str, Value]) -> Checksum:
        """The checksum every model must produce, computed independently of models."""
