"""Numbers and tables as text: fixed precision, fixed units, nothing that varies by run.

The same input must give byte-identical Markdown, so every number goes
through one of these functions (three significant digits, an explicit unit)
and nothing here reads the clock, the locale or the environment.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from benchmarks.core.formats import format_value

# format_ratio is re-exported: the statistics own how a ratio is written
from benchmarks.stats.text import format_ratio as format_ratio
from benchmarks.stats.text import three_digits

Value = int | float | str
Params = tuple[tuple[str, Value], ...]

#: (name, seconds per unit), largest first
TIME_UNITS = (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9))


def time_unit(seconds: float) -> tuple[str, float]:
    """The unit in which ``seconds`` reads as 1 to 999."""
    for name, scale in TIME_UNITS:
        if abs(seconds) >= scale * 0.9995:
            return name, scale
    return TIME_UNITS[-1]


def format_time(seconds: float) -> str:
    """``0.0123`` -> ``"12.3 ms"``: three significant digits in the unit that fits."""
    if not math.isfinite(seconds):
        return str(seconds)
    name, scale = time_unit(seconds)
    return f"{three_digits(seconds / scale)} {name}"


def format_number(x: float) -> str:
    """A measurement in its own unit: ``16``, ``12.3``, ``1235``, ``0.0123``; whole numbers stay whole."""
    if not math.isfinite(x):
        return str(x)
    if x.is_integer():
        return str(int(x))
    size = abs(x)
    return ("-" if x < 0 else "") + (three_digits(size) if size >= 1 else f"{size:#.3g}")


def format_time_range(low: float, high: float) -> str:
    """An interval in the unit of its upper end: ``"5.52-5.63 ms"``."""
    name, scale = time_unit(high)
    return f"{three_digits(low / scale)}-{three_digits(high / scale)} {name}"


def format_percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def format_params(params: Params) -> str:
    return ", ".join(f"{name}={format_value(value)}" for name, value in params) or "(none)"


def is_number(value: object) -> bool:
    """An int or a float, not a bool (which Python counts as an int) and not a word."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_key(value: object) -> tuple[int, float, str]:
    """Sort numbers numerically, then words such as ``unbounded`` (no limit: largest) after them."""
    if isinstance(value, bool):
        return (1, 0.0, str(value))
    if isinstance(value, int | float):
        return (0, float(value), "")
    if value is None:
        return (2, 0.0, "")
    return (1, 0.0, str(value))


def params_key(params: Params) -> tuple[tuple[int, float, str], ...]:
    return tuple(value_key(value) for _, value in params)


def slug(text: str) -> str:
    """A file-name and HTML-id safe form of a scenario or model name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def md_table(headers: Sequence[str], rows: Iterable[Sequence[str]],
             align: str | None = None) -> list[str]:
    """A GitHub-flavoured Markdown table; ``align`` is one of ``l``/``r`` per column."""
    align = align or "l" * len(headers)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines
