"""Ratios as text: the digits every verdict and table prints, in one place.

A verdict is judged on the same numbers it prints (three significant digits, more beside the
noise band's edges: :func:`benchmarks.stats.paired.verdict`),
so the statistics own how a ratio is written; the report's other numbers
(times, percentages) reuse :func:`three_digits`.
"""

from __future__ import annotations

import math


def three_digits(x: float) -> str:
    """A non-negative number with three significant digits: ``123``, ``12.3``, ``1.23``."""
    if x >= 99.95:
        return f"{x:.0f}"
    if x >= 9.995:
        return f"{x:.1f}"
    return f"{x:.2f}"


def format_ratio(ratio: float) -> str:
    """``1.42x``; under 0.1 as a reciprocal, ``1/650x``, since ``0.00x`` would hide a 650-fold slow-down."""
    if not math.isfinite(ratio):
        return str(ratio)
    if 0 < ratio < 0.1:
        return f"1/{three_digits(1 / ratio)}x"
    return f"{three_digits(ratio)}x"


def format_factor(x: float, digits: int = 3) -> str:
    """``digits`` significant digits, at least 2 decimals under 10, trailing zeros dropped past the
    second: ``1.42``, ``0.985``, ``0.99``, ``12.3``, ``123`` (with 5 digits, ``1.0201``)."""
    rounded = float(f"{x:.{digits}g}")
    decimals = max(0, digits - 1 - math.floor(math.log10(rounded)))
    text = f"{rounded:.{decimals}f}"
    while decimals > 2 and text.endswith("0"):
        text, decimals = text[:-1], decimals - 1
    return text
