"""The run record: the ``.runinfo`` side file of a results file, typed and versioned.

A results file holds what pyperf measured; its ``.runinfo`` says how the run went:
the command and profile, the registry the run described its pairs with, the rounds
and why they stopped, where the loops came from, the warm-up policy, every pair not
timed (unsupported, or failed) with its reason, and the warnings.  The harness
writes it and the analysis reads it, so its format lives here only, in a leaf
module that imports nothing of the project.

Every part is a frozen dataclass read with :meth:`from_dict` and written back with
:meth:`to_dict`.  Files are versioned: new ones carry ``version`` (:data:`VERSION`);
a file without the key is version 1.  An older file reads as it is: a key it lacks
gets the field's default (``None`` for a part the run predates: ``registry``,
``rounds``, ``loops``, ``warmups``) and is left out again when written back; a key
this module does not know is kept in ``extra``.  So reading a committed file and
writing it again gives the same bytes, and no reader loses what a newer writer added.
Values are kept as the file has them (lists as tuples, objects as read-only mappings);
only the shape is checked: a part must be an object and a list of parts a list, else
:class:`RunRecordError` (a ValueError, as invalid JSON is).

The analysis reads leniently (``from_dict(data, lenient=True)``), so that one misshapen part
costs that part only: a part, a list or an object of the wrong shape gets its field's default,
an item of a list that is not a part (or a registry entry without a name) is left out, and
each is noted in ``left_out`` (never written back).  The harness reads strictly.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Self

#: the version new records are written with (1: every file written before the key existed)
VERSION = 2
#: the version of a file without a ``version`` key
UNVERSIONED = 1
#: ``rounds.order`` of runs whose rounds were one shuffle over every benchmark (no key then)
ORDER_SHUFFLE = ""


class RunRecordError(ValueError):
    """A ``.runinfo`` that is JSON but not shaped as a run record (a part that is not an object...)."""


def _frozen(value: Any) -> Any:
    """JSON as read (lists, dicts) made immutable: tuples and read-only mappings."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    return value


def _json(value: Any) -> Any:
    """A field's value as JSON writes it: parts become objects, tuples lists."""
    if isinstance(value, Part):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _json(v) for k, v in value.items()}
    return value


def _no_map() -> Mapping[str, Any]:
    return MappingProxyType({})


def _keyed_map(key: str) -> Any:
    """A mapping field whose key in the file is not a Python name (``from``)."""
    return field(default_factory=_no_map, metadata={"key": key})


# A field's metadata says how it maps to the file: "key" (its key there, when not the field's
# name), "part" / "parts" (an object / a list of objects, read as that Part), "if_missing" (its
# value when the file lacks the key, when that differs from the default a new record gets),
# "lists" (an object whose values are lists: a lenient read leaves out the others).


@dataclass(frozen=True)
class Part:
    """What every part of the record shares: how it reads and writes itself, and what it keeps
    of a file beyond its fields (``missing``: its keys the file lacked, ``extra``: keys unknown here,
    ``left_out``: what a lenient read left out, as ``key``, ``key[index]`` or ``key.key`` paths)."""

    missing: frozenset[str] = field(default=frozenset(), kw_only=True, repr=False)
    extra: Mapping[str, Any] = field(default_factory=_no_map, kw_only=True, repr=False)
    left_out: tuple[str, ...] = field(default=(), kw_only=True, repr=False)

    @classmethod
    def _keys(cls) -> list[tuple[dataclasses.Field[Any], str]]:
        return [(f, f.metadata.get("key", f.name)) for f in dataclasses.fields(cls)
                if f.name not in ("missing", "extra", "left_out")]

    def usable(self) -> bool:
        """Whether a lenient read keeps this part as an item of a list."""
        return True

    @classmethod
    def from_dict(cls, data: object, *, lenient: bool = False) -> Self:
        """The part an object of a ``.runinfo`` holds; its missing keys get the fields' defaults.

        ``lenient``: what is misshapen inside it gets its default or is left out, noted in ``left_out``
        (the object itself must still be one)."""
        if not isinstance(data, Mapping):
            raise RunRecordError(f"{cls.__name__}: an object was expected, not {type(data).__name__}")
        values: dict[str, Any] = {}
        missing = set()
        left_out: list[str] | None = [] if lenient else None
        for f, key in cls._keys():
            if key not in data:
                missing.add(key)
                if "if_missing" in f.metadata:
                    values[f.name] = f.metadata["if_missing"]
                continue
            try:
                values[f.name] = _read_field(f, key, data[key], left_out)
            except RunRecordError:
                if left_out is None:
                    raise
                left_out.append(key)  # the field keeps its default
        known = {key for _, key in cls._keys()}
        extra = MappingProxyType({k: _frozen(v) for k, v in data.items() if k not in known})
        return cls(**values, missing=frozenset(missing), extra=extra, left_out=tuple(left_out or ()))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this part: its fields, less those its file lacked, then its extra keys."""
        out = {key: _json(getattr(self, f.name)) for f, key in self._keys() if key not in self.missing}
        out.update(_json(self.extra))
        return out


def _read_field(f: dataclasses.Field[Any], key: str, value: Any, left_out: list[str] | None) -> Any:
    """The value of field ``f`` from the file's ``value`` (as it is, immutable; a part read).

    ``left_out`` is None for a strict read; a lenient one notes there what it leaves out inside
    the value, and also refuses a list or an object of the wrong shape (for its caller to drop)."""
    if "part" in f.metadata:
        if value is None:
            return None
        part = f.metadata["part"].from_dict(value, lenient=left_out is not None)
        if left_out is not None:
            left_out += [f"{key}.{inner}" for inner in part.left_out]
        return part
    if "parts" in f.metadata:
        _expect(key, value, list)
        if left_out is None:
            return tuple(f.metadata["parts"].from_dict(item) for item in value)
        parts = []
        for index, item in enumerate(value):
            try:
                part = f.metadata["parts"].from_dict(item, lenient=True)
            except RunRecordError:
                left_out.append(f"{key}[{index}]")
                continue
            if not part.usable():
                left_out.append(f"{key}[{index}]")
                continue
            left_out += [f"{key}[{index}].{inner}" for inner in part.left_out]
            parts.append(part)
        return tuple(parts)
    if left_out is not None:
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        if isinstance(default, tuple):
            _expect(key, value, list)
        elif isinstance(default, Mapping):
            _expect(key, value, Mapping)
            if f.metadata.get("lists"):
                left_out += [f"{key}.{k}" for k, v in value.items() if not isinstance(v, list)]
                value = {k: v for k, v in value.items() if isinstance(v, list)}
    return _frozen(value)


def _expect(key: str, value: Any, shape: type) -> None:
    if not isinstance(value, shape):
        kind = "a list" if shape is list else "an object"
        raise RunRecordError(f"{key!r}: {kind} was expected, not {type(value).__name__}")


# -- the registry: the scenarios and models the run described its pairs with, in registry order


def _named(name: object) -> bool:
    """A registry entry without a name describes nothing: a lenient read leaves it out."""
    return isinstance(name, str) and bool(name)


@dataclass(frozen=True)
class ScenarioEntry(Part):
    name: str = ""
    kind: str = ""
    summary: str = ""
    #: the scenario's own parameters, in its order
    params: tuple[str, ...] = ()

    def usable(self) -> bool:
        return _named(self.name)


@dataclass(frozen=True)
class ModelEntry(Part):
    name: str = ""
    summary: str = ""
    capability: str = ""

    def usable(self) -> bool:
        return _named(self.name)


@dataclass(frozen=True)
class Registry(Part):
    scenarios: tuple[ScenarioEntry, ...] = field(default=(), metadata={"parts": ScenarioEntry})
    models: tuple[ModelEntry, ...] = field(default=(), metadata={"parts": ModelEntry})


# -- the pairs not timed


@dataclass(frozen=True)
class PairEntry(Part):
    """A pair of the plan: its benchmark name, scenario, model and parameter values."""

    name: str = ""
    scenario: str = ""
    model: str = ""
    params: Mapping[str, Any] = field(default_factory=_no_map)


@dataclass(frozen=True)
class Unsupported(PairEntry):
    """A pair not run: its model declines the scenario by design, or cannot run here."""

    reason: str = ""


@dataclass(frozen=True)
class Failed(PairEntry):
    """A pair that failed its untimed verification or its timing."""

    stage: str = ""  # "verification" or "timing"
    error: str = ""


# -- how the run went


@dataclass(frozen=True)
class Undecided(Part):
    """A comparison whose interval was still wider than the target when the run stopped."""

    benchmark: str = ""
    against: str = ""
    half_width: float | None = None  # None: fewer than two rounds in common
    rounds: int = 0


@dataclass(frozen=True)
class Rounds(Part):
    completed: int = 0
    processes_per_round: int = 1
    min: int = 0
    max: int = 0
    budget_s: float | None = None
    target_half_width: float = 0.0
    #: the seed of the run's shuffles and resampling, which its stopping rule used
    seed: int | None = None
    stop_reason: str = ""
    #: the rounds the budget paid for in part
    budget_notes: tuple[str, ...] = ()
    #: how a round is ordered: "blocks" (each comparison group one block), or
    #: :data:`ORDER_SHUFFLE` for runs before blocks
    order: str = ORDER_SHUFFLE
    undecided: tuple[Undecided, ...] = field(default=(), metadata={"parts": Undecided})


@dataclass(frozen=True)
class Loops(Part):
    #: the loops cache the run read and kept (None: loops given by --loops)
    cache: str | None = None
    #: where the benchmarks' loops came from -> how many benchmarks
    sources: Mapping[str, int] = _keyed_map("from")


@dataclass(frozen=True)
class Warmups(Part):
    per_process: int = 0
    #: a one-loop benchmark of at least this many seconds may drop its warm-up after round 1
    free_after_first_round_s: float | None = None
    #: the benchmarks measured without warm-up after their first round
    dropped: tuple[str, ...] = ()
    #: how many benchmarks were warmed up by one untimed run instead of pyperf's warm-up
    one_run: int = 0


@dataclass(frozen=True)
class BetweenRuns(Part):
    """The shift between runs of this machine and interpreter, measured against earlier runs
    (:mod:`benchmarks.harness.history`); the report widens its intervals by it."""

    #: the earlier results files compared with, newest first (names in the same folder)
    earlier: tuple[str, ...] = ()
    #: comparisons this run and an earlier one both made (over every earlier run)
    comparisons: int = 0
    #: scenario -> the shift (log scale, one run's standard deviation); ``""``: pooled
    shifts: Mapping[str, float] = field(default_factory=_no_map)
    confidence: float = 0.95


@dataclass(frozen=True)
class RunRecord(Part):
    """One run's ``.runinfo``."""

    version: int = field(default=VERSION, metadata={"if_missing": UNVERSIONED})
    command: tuple[str, ...] = ()
    profile: str | None = None
    #: the options given to pyperf's runner
    pyperf_args: tuple[str, ...] = ()
    #: the results file this run resumed
    resumed_from: str | None = None
    registry: Registry | None = field(default=None, metadata={"part": Registry})
    planned: int = 0
    completed: int = 0
    interrupted: bool = False
    rounds: Rounds | None = field(default=None, metadata={"part": Rounds})
    unsupported: tuple[Unsupported, ...] = field(default=(), metadata={"parts": Unsupported})
    failed: tuple[Failed, ...] = field(default=(), metadata={"parts": Failed})
    #: benchmarks measured at least once while a CPU ran much slower than the run's best
    slow_cpu: tuple[str, ...] = ()
    loops: Loops | None = field(default=None, metadata={"part": Loops})
    warmups: Warmups | None = field(default=None, metadata={"part": Warmups})
    #: warnings by kind ("affinity", "slow CPU", a scenario's name) -> each in full
    warnings: Mapping[str, tuple[str, ...]] = field(default_factory=_no_map, metadata={"lists": True})
    #: the results file's name (None: nothing was measured)
    results: str | None = None
    #: None: no earlier run of this machine and interpreter to compare with (intervals cover this
    #: run only)
    between_runs: BetweenRuns | None = field(default=None, metadata={"part": BetweenRuns})

    @property
    def seed(self) -> int | None:
        """The seed of the run's rounds, if it recorded one."""
        seed = self.rounds.seed if self.rounds is not None else None
        return seed if isinstance(seed, int) and not isinstance(seed, bool) else None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> RunRecord:
        """The record in ``path`` (OSError, or ValueError if it is not JSON or not a record)."""
        return cls.from_dict(json.loads(path.read_text()))

    def write(self, path: Path) -> None:
        """Write to ``path`` whole or not at all, never over an existing file (FileExistsError):
        written aside in the same directory, then linked to its name."""
        aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            aside.write_text(self.to_json())
            os.link(aside, path)
        finally:
            aside.unlink(missing_ok=True)
