"""Typed, validated benchmark parameters.

A parameter has a default *sweep* (one or more values, each becoming its own
benchmark) and an optional smaller sweep used by the ``quick`` profile.  Every
value that reaches a scenario or a model went through :meth:`Param.parse` or
:meth:`Param.check`, so a bad value is reported once, on one line, with the
valid choices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

Value = int | float | str

#: Written in metadata and on the command line for a concurrency without limit.
UNBOUNDED = "unbounded"


class BadInput(ValueError):
    """User error: printed on one line, exit status 2."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: type
    default: tuple[Value, ...]
    help: str
    quick: tuple[Value, ...] | None = None
    #: the tests' sweep: small enough that every pair of the registry answers in seconds
    #: (None: the quick sweep, else the default)
    tiny: tuple[Value, ...] | None = None
    minimum: float | None = None
    choices: tuple[str, ...] | None = None
    #: an extra accepted string for an int parameter, e.g. "unbounded"
    special: str | None = None
    #: the largest value this machine allows, and why (computed when a value is checked)
    maximum: Callable[[], tuple[int, str]] | None = None

    def sweep(self, profile_quick: bool) -> tuple[Value, ...]:
        if profile_quick and self.quick is not None:
            return self.quick
        return self.default

    def tiny_sweep(self) -> tuple[Value, ...]:
        return self.tiny if self.tiny is not None else self.sweep(profile_quick=True)

    def describe_valid(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        what = {int: "an integer", float: "a finite number"}.get(self.kind, "a string")
        if self.minimum is not None:
            what += f" >= {self.minimum:g}"
        if self.maximum is not None:
            most, why = self.maximum()
            what += f" and <= {most} ({why})"
        if self.special is not None:
            what += f" or {self.special!r}"
        return what

    def parse(self, text: str) -> Value:
        """Parse one command-line value; raise BadInput naming what is valid."""
        text = text.strip()
        if self.special is not None and text == self.special:
            return self.special
        try:
            value: Value = self.kind(text)
        except ValueError:
            raise BadInput(
                f"invalid value {text!r} for parameter {self.name!r}: "
                f"expected {self.describe_valid()}"
            ) from None
        return self.check(value)

    def check(self, value: Value) -> Value:
        # nan and inf parse as floats but no wait, size or count can be either
        bad = isinstance(value, float) and not math.isfinite(value)
        if self.choices is not None and value not in self.choices:
            bad = True
        if self.minimum is not None and isinstance(value, (int, float)) and not bad:
            bad = value < self.minimum
        if self.maximum is not None and isinstance(value, (int, float)) and not bad:
            bad = value > self.maximum()[0]
        if bad:
            raise BadInput(
                f"invalid value {value!r} for parameter {self.name!r}: "
                f"expected {self.describe_valid()}"
            )
        return value


def parse_assignments(items: list[str]) -> dict[str, list[str]]:
    """``["n=10,100", "api=gather"]`` -> ``{"n": ["10", "100"], ...}``."""
    result: dict[str, list[str]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name or not values.strip():
            raise BadInput(f"invalid --param {item!r}: expected NAME=VALUE[,VALUE...]")
        given = [v for v in values.split(",") if v.strip()]
        if not given:  # "n=," once planned nothing and exited 0 with an empty .runinfo
            raise BadInput(f"invalid --param {item!r}: expected NAME=VALUE[,VALUE...]")
        result.setdefault(name, []).extend(given)
    return result


# Parameters shared by several models or scenarios: one definition each.
WORKERS = Param(
    "workers",
    int,
    (0,),
    "pool size; 0 = auto (see the model's description)",
    minimum=0,
)
CONCURRENCY = Param(
    "concurrency",
    int,
    (UNBOUNDED,),
    "how many units may be in flight at once",
    minimum=1,
    special=UNBOUNDED,
)
N_UNITS_HELP = "number of units of work"
