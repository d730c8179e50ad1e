"""What a scenario hands to a model: N indexed units of work, and their checksum.

A unit is ``call(i) -> int`` (a picklable module-level function bound with
``functools.partial``, so process pools can ship it) and, for the event-loop
models, ``acall(i) -> awaitable int``: asyncio's form.  Other async libraries
(trio, anyio) have forms of their own in ``aforms`` (library -> unit); a form
that awaits nothing (an inline CPU unit, spawn's do-nothing coroutine) is
*neutral*, so any library can run ``acall`` itself.  A model whose library has
no form of a scenario's unit is unsupported there, with that reason.

The checksum of a run is the pair
(number of results, their sum modulo a large prime): it does not depend on the
order in which units finish, and a unit that is lost, repeated or computed
wrongly changes it.  Units that move or hash bytes take them from
:func:`payload`: one definition for every scenario and for the peers that answer it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial

MODULUS = (1 << 61) - 1  # a Mersenne prime: sums stay small, collisions unlikely


@dataclass(frozen=True)
class Checksum:
    count: int
    digest: int

    def __str__(self) -> str:
        return f"{self.count}:{self.digest}"

    @classmethod
    def parse(cls, text: str) -> Checksum:
        """The checksum ``str`` wrote."""
        count, _, digest = text.partition(":")
        return cls(int(count), int(digest))


def checksum(values: Iterable[int]) -> Checksum:
    count = 0
    total = 0
    for value in values:
        count += 1
        total += value
    return Checksum(count, total % MODULUS)


def payload(i: int, size: int) -> bytes:
    """The deterministic bytes of unit (or request) i: one byte that depends on i, repeated."""
    return bytes((i % 251,)) * size


def mix(i: int) -> int:
    """A cheap, index-dependent unit result (for units whose work has no value)."""
    return (i * 0x9E3779B97F4A7C15 + 1) % MODULUS


@dataclass(frozen=True)
class Work:
    """N units of one scenario with its parameters already bound."""

    n: int
    #: "io" (units mostly wait) or "cpu" (units compute); sizes automatic pools.
    kind: str
    call: Callable[[int], int]
    acall: Callable[[int], Awaitable[int]]
    #: 0 = no limit beyond the model's own (the scenario's ``concurrency``).
    limit: int = 0
    #: Run once in every process-pool worker, before its first unit: hands the
    #: units a resource they share (a multiprocessing lock, shared memory) that
    #: can reach a child only when it starts.  Picklable; None: nothing to do.
    process_init: Callable[[], None] | None = None
    #: The units' forms for async libraries other than asyncio: library name ("trio",
    #: "anyio") -> unit.  asyncio's form is ``acall``.
    aforms: Mapping[str, Callable[[int], Awaitable[int]]] = field(default_factory=dict)
    #: ``acall`` awaits nothing library-specific (inline CPU work, a unit that returns at
    #: once): every async library can run it as it is.
    neutral: bool = False
    #: ``call`` blocks in system calls no event loop can wait on (regular files): a model
    #: whose blocking units otherwise run cooperatively (gevent) hands them to threads.
    blocks_natively: bool = False
    #: Why the units must run on this machine (a server on its loopback, files in its
    #: temporary directory), or None: a remote cluster's workers cannot run them.
    local: str | None = None

    def aform(self, library: str) -> Callable[[int], Awaitable[int]] | None:
        """The unit as ``library``'s coroutine (None: the scenario has no such form)."""
        if library == "asyncio":
            return self.acall
        form = self.aforms.get(library)
        if form is None and (self.neutral or is_inline(self.acall)):
            return self.acall
        return form


async def _inline(call: Callable[[int], int], i: int) -> int:
    return call(i)


def inline_async(call: Callable[[int], int]) -> Callable[[int], Awaitable[int]]:
    """The async form of a CPU unit: it runs in the event loop's thread.

    This is what a coroutine that computes does; it cannot overlap with anything.  It awaits
    nothing, so it is every library's form (a Work built with it says ``neutral=True``).
    """
    return partial(_inline, call)


def is_inline(acall: Callable[[int], Awaitable[int]]) -> bool:
    """Whether ``acall`` is :func:`inline_async`'s: neutral whoever built the Work (a plugin's
    scenario written before the other libraries' forms existed runs on them too)."""
    return isinstance(acall, partial) and acall.func is _inline


def inline_work(n: int, kind: str, call: Callable[[int], int]) -> Work:
    """CPU units whose async form is the blocking call run inline: the same for every library."""
    return Work(n=n, kind=kind, call=call, acall=inline_async(call), neutral=True)


def _unprepared(i: int) -> int:
    raise RuntimeError("this scenario's units run only inside Scenario.prepared()")


def unprepared(n: int, kind: str, limit: int = 0, libraries: Iterable[str] = (),
               blocks_natively: bool = False, local: str | None = None) -> Work:
    """The shape of work whose resources (files, a server) are not set up yet; ``libraries``
    names the async forms ``Scenario.prepared`` will bind (what models are told they can run)."""
    placeholder = inline_async(_unprepared)
    return Work(n=n, kind=kind, call=_unprepared, acall=placeholder, limit=limit,
                aforms={library: placeholder for library in libraries}, blocks_natively=blocks_natively,
                local=local)
