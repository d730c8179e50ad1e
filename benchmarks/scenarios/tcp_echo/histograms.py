"""Latency histograms: recorded in each load generator process, merged on the server's side.

HdrHistogram (the ``hdrhistogram`` package, the format wrk2 and vmbench's
successors use) keeps every latency at 3 significant digits in a few
kilobytes, whatever the count, so a generator never ships its raw samples
and percentiles of several generator processes are exact over their union,
not an average of each one's percentiles.  The Python generator sends its
histogram encoded (``<key>_hdr``, HdrHistogram's own base64 format); the
native one sends the non-empty buckets of the same layout (``<key>_buckets``,
``[[value_ns, count], ...]``), which re-record into the same buckets here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from benchmarks.scenarios.tcp_echo.wire import Reply

if TYPE_CHECKING:
    from hdrh.histogram import HdrHistogram

#: 1 ns to one hour, 3 significant digits: the layout echo_loadgen.c reproduces
LOWEST_NS = 1
HIGHEST_NS = 3600 * 10**9
DIGITS = 3

#: percentiles written as metrics: ``latency_p50_us`` ... ``latency_p99.9_us``
PERCENTILES = (50.0, 90.0, 99.0, 99.9)


def _hdr() -> type[HdrHistogram]:
    # hdrh's extension refuses to load in a subinterpreter, and every subinterpreter imports the
    # registry (this module too) to unpickle its unit: hdrh is imported when a histogram is made.
    from hdrh.histogram import HdrHistogram

    return HdrHistogram


def new() -> HdrHistogram:
    return _hdr()(LOWEST_NS, HIGHEST_NS, DIGITS)


def of(values_ns: Iterable[int]) -> HdrHistogram:
    histogram = new()
    for value in values_ns:
        histogram.record_value(min(max(value, LOWEST_NS), HIGHEST_NS))
    return histogram


def encode(histogram: HdrHistogram) -> str:
    return histogram.encode().decode("ascii")


def merged(replies: Iterable[Reply], key: str) -> HdrHistogram:
    """The union of every generator's ``key`` histogram (``latency`` or ``lag``)."""
    total = new()
    for reply in replies:
        if f"{key}_hdr" in reply:
            total.add(_hdr().decode(reply[f"{key}_hdr"]))
        for value, count in reply.get(f"{key}_buckets", ()):
            total.record_value(min(max(value, LOWEST_NS), HIGHEST_NS), count)
    return total


def _us(value_ns: float) -> float:
    return round(value_ns / 1000.0, 3)


def summary(histogram: HdrHistogram, prefix: str) -> dict[str, float]:
    """``<prefix>_samples`` and ``<prefix>_p<q>_us`` for every percentile, plus the maximum."""
    count = histogram.get_total_count()
    if not count:
        return {}
    result: dict[str, float] = {f"{prefix}_samples": count}
    for q in PERCENTILES:
        result[f"{prefix}_p{q:g}_us"] = _us(histogram.get_value_at_percentile(q))
    result[f"{prefix}_max_us"] = _us(histogram.get_max_value())
    return result
