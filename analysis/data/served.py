"""A server under a load generator: its throughput, what bounded it, and where its CPU went.

A scenario whose benchmarks serve a load generator (``tcp_echo``) records, per
benchmark, the round trips per second it achieved (metric
``achieved_rate_rtps``; else ``round_trips_total`` over the median time), what
the generator can drive against a trivial peer (``load_generator_capacity_rtps``)
and the fraction of that from which the run warns (``capacity_warn_fraction``),
both sides' CPU utilisation and the server's user and kernel microseconds per
round trip.  From those alone, never from a model's name:

* **bound by** (:func:`bound_by`): ``generator`` when the rate reached the warn
  fraction of the capacity or the generator's busiest process used
  :data:`BUSY` of a CPU; ``server`` when the server used :data:`BUSY` of a CPU
  and neither of those holds; otherwise ``neither (idle CPU)``.  Without a
  recorded capacity (or warn fraction) the CPU alone decides; without both
  utilisations, only ``generator`` can be said.
* a **generator-bound** benchmark (:func:`generator_bound`): bound by the
  generator, or warned about by its own scenario in the run's ``.runinfo`` (a
  scenario with a load generator warns about nothing else), for the decision
  table's mark.
* an open loop's **saturation point** (:func:`saturation`): the highest offered
  rate whose achieved rate is within :data:`KEPT_UP` of it.

The serving section (:mod:`analysis.sections.serving`) and the serving charts
(:mod:`analysis.charts.serving`) both read these rows.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.core import echo_keys as keys

from .._format import Params, is_number
from .bundle import Analysis
from .samples import Sample
from .views import Contender, ScenarioView

#: A process using this much of a CPU (utilisation) is taken to be busy: the bottleneck.
BUSY = keys.BUSY_UTIL
#: An open loop whose achieved rate is within this fraction of the offered one kept up.
KEPT_UP = 0.05
GENERATOR = "generator"
SERVER = "server"
NEITHER = "neither (idle CPU)"
OPEN = keys.OPEN_LOOP
FACTS = (*keys.LOAD_METADATA, "loop")

Key = tuple[str, str]  # (file, benchmark)

#: What the columns of these rows mean, beside the keys they are read from (the serving table's legend).
LEGEND = ("**Throughput and what bounds it**: **round trips/s** is the median over timed values of "
          f"`{keys.ACHIEVED_RATE_RTPS}` (else `{keys.ROUND_TRIPS_TOTAL}` / the median time); "
          "**of capacity**: that rate "
          f"over what the load generator drives against a trivial C peer (`{keys.CAPACITY_RTPS}`), "
          "a closed loop's capacity, so shown for closed loops only (an open loop drives past it); "
          "**server CPU** and **generator CPU**: CPU seconds per second of the runs "
          f"(`{keys.SERVER_CPU_UTIL}`, summed over the server's threads and processes, and "
          f"`{keys.LOADGEN_CPU_UTIL}`, the busiest generator "
          "process); **user** and **kernel**: the server's microseconds per round trip. **bound by**: "
          f"**{GENERATOR}** when a closed loop's rate reached `{keys.WARN_FRACTION}` of the capacity or "
          f"the generator used {BUSY:.0%} of a CPU; **{SERVER}** when the server used {BUSY:.0%} of a CPU "
          f"and neither holds; else **{NEITHER}**; **-**: not recorded.")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def bound_by(rate: float, capacity: float | None, warn_fraction: float | None,
             server_util: float | None, loadgen_util: float | None) -> str | None:
    """What set ``rate``: the generator, the server, or neither; None where the CPU was not recorded."""
    near = capacity is not None and warn_fraction is not None and rate >= warn_fraction * capacity
    if near or (loadgen_util is not None and loadgen_util >= BUSY):
        return GENERATOR
    if server_util is None or loadgen_util is None:
        return None
    return SERVER if server_util >= BUSY else NEITHER


@dataclass(frozen=True)
class Served:
    """One benchmark of a server under load: its contender, point, and the numbers of its row."""

    contender: Contender
    point: Params
    sample: Sample
    rate: float  # round trips per second
    capacity: float | None
    warn_fraction: float | None
    mode: str | None
    offered: float | None
    loop: str | None
    server_util: float | None
    loadgen_util: float | None
    user_us: float | None
    kernel_us: float | None

    @property
    def bound(self) -> str | None:
        # the capacity is a closed loop's (one round trip in flight per connection); an open loop
        # drives past it, so there only the generator's CPU can say it was the limit
        capacity = None if self.is_open else self.capacity
        return bound_by(self.rate, capacity, self.warn_fraction, self.server_util, self.loadgen_util)

    @property
    def of_capacity(self) -> float | None:
        return self.rate / self.capacity if self.capacity and not self.is_open else None

    @property
    def is_open(self) -> bool:
        return self.mode == OPEN

    @property
    def kept_up(self) -> bool:
        """Open loop: the achieved rate is within :data:`KEPT_UP` of the offered one."""
        return self.offered is not None and self.rate >= (1 - KEPT_UP) * self.offered


def _facts(analysis: Analysis) -> dict[Key, dict[str, object]]:
    first = analysis.frame.groupby(["file", "benchmark"], sort=False)[list(FACTS)].first()
    return {(str(f), str(b)): row.to_dict() for (f, b), row in first.iterrows()}


def served(analysis: Analysis, view: ScenarioView) -> list[Served]:
    """The view's benchmarks that say their rate, in the order of its points and contenders."""
    facts = _facts(analysis)
    rows = []
    for point in view.points:
        for contender, s in view.at(point):
            fact = facts.get((s.file, s.benchmark), {})
            metrics = dict(s.metrics)
            rate = metrics.get(keys.ACHIEVED_RATE_RTPS)
            total = _number(fact.get(keys.ROUND_TRIPS_TOTAL))
            if rate is None and total is not None and s.median > 0:
                rate = total / s.median
            if rate is None:
                continue
            rows.append(Served(
                contender, point, s, rate, _number(fact.get(keys.CAPACITY_RTPS)),
                _number(fact.get(keys.WARN_FRACTION)), _text(fact.get(keys.MODE)),
                _number(fact.get(keys.OFFERED_RATE_RTPS)), _text(fact.get("loop")),
                metrics.get(keys.SERVER_CPU_UTIL), metrics.get(keys.LOADGEN_CPU_UTIL),
                metrics.get(keys.SERVER_USER_US_PER_RT), metrics.get(keys.SERVER_KERNEL_US_PER_RT)))
    return rows


def _warned(analysis: Analysis) -> set[Key]:
    """Benchmarks that the run's ``.runinfo`` warns about under their own scenario's name."""
    scenario = {(s.file, s.benchmark): s.scenario for s in analysis.samples}
    found = set()
    for ri in analysis.runinfos:
        for kind, details in (ri.record.warnings if ri.record is not None else {}).items():
            for detail in map(str, details):
                key = (ri.results, detail.partition(": ")[0])
                if scenario.get(key) == kind:
                    found.add(key)
    return found


def generator_bound(analysis: Analysis) -> frozenset[Key]:
    """Every benchmark of a server under load bound by the generator, by the rule or by the run's word."""
    found: set[Key] = set()
    warned = _warned(analysis)
    for view in analysis.views:
        rows = served(analysis, view)
        capacity = any(r.capacity is not None for r in rows)
        for r in rows:
            key = (r.sample.file, r.sample.benchmark)
            if r.bound == GENERATOR or (capacity and key in warned):
                found.add(key)
    return frozenset(found)


def load_groups(rows: Sequence[Served]) -> dict[Params, list[Served]]:
    """Open-loop rows by their point less the parameter that is the offered rate itself."""
    def rest(r: Served) -> Params:
        return tuple((n, v) for n, v in r.point if not (is_number(v) and float(v) == r.offered))

    panels: dict[Params, list[Served]] = {}
    for r in rows:
        panels.setdefault(rest(r), []).append(r)
    return panels


def saturation(line: Sequence[Served]) -> Served | None:
    """The highest offered rate this contender kept up with (achieved within 5% of offered); None: none."""
    kept = [r for r in line if r.kept_up and r.offered is not None]
    return max(kept, key=lambda r: r.offered or 0.0) if kept else None
