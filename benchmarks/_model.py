"""Base classes of a concurrency model and of one open, ready-to-time session."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from types import TracebackType
from typing import ClassVar

from ._params import Param, Value
from ._scenario import Scenario
from ._work import Work


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
