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
* one sentence per closed-loop point comparing the fastest event-loop server
  (a benchmark recording ``loop``) with the stdlib's loop (``loop`` =
  ``asyncio``, the same variant where there is one), with their CPU split.
* an open loop's **saturation point** (:func:`saturation`): the highest offered
  rate whose achieved rate is within :data:`KEPT_UP` of it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.core import echo_keys as keys

from ._analysis import Analysis
from ._doc import Block, Bullets, Para, Table
from ._format import Params, format_number, format_params, format_percent, format_ratio, is_number
from ._stats import Sample
from ._views import Contender, ScenarioView

#: A process using this much of a CPU (utilisation) is taken to be busy: the bottleneck.
BUSY = keys.BUSY_UTIL
#: Two CPU costs within this factor of each other are "the same".
SAME = 1.1
#: An open loop whose achieved rate is within this fraction of the offered one kept up.
KEPT_UP = 0.05
#: The event loop whose server the fastest other loop's is compared with (metadata ``loop``).
STDLIB_LOOP = "asyncio"
GENERATOR = "generator"
SERVER = "server"
NEITHER = "neither (idle CPU)"
OPEN = keys.OPEN_LOOP
FACTS = (*keys.LOAD_METADATA, "loop")

Key = tuple[str, str]  # (file, benchmark)

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
        by_kind = ri.data.get("warnings")
        for kind, details in (by_kind.items() if isinstance(by_kind, dict) else ()):
            for detail in map(str, details if isinstance(details, list) else ()):
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


def _bytes(value: object) -> str:
    n = int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    if n is None or n < 0:
        return str(value)
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} B"


def where(point: Params) -> str:
    """``At 100 B``: the point in words (sizes, ``*_bytes``, in bytes); ``Here`` for no parameter."""
    words = [_bytes(v) if n.endswith("_bytes") else f"{n}={v}" for n, v in point]
    return f"At {', '.join(words)}" if words else "Here"


def _us(x: float | None) -> str:
    return "-" if x is None else format_number(x)


def _same(a: float, b: float) -> bool:
    low, high = sorted((abs(a), abs(b)))
    return high < 0.05 or (low > 0 and high / low <= SAME)


def _cpu_clause(a: Served, b: Served) -> str:
    if None in (a.user_us, a.kernel_us, b.user_us, b.kernel_us):
        return "."
    assert a.user_us is not None
    assert a.kernel_us is not None
    assert b.user_us is not None
    assert b.kernel_us is not None
    split = (f": {_us(a.user_us)} vs {_us(b.user_us)} us user, {_us(a.kernel_us)} vs {_us(b.kernel_us)} "
             "us kernel per round trip; ")
    user, kernel = b.user_us - a.user_us, b.kernel_us - a.kernel_us  # what a saves on b
    if user + kernel <= 0:
        why = f"yet {a.contender.label} spends no less CPU per round trip: the server's CPU is not the gap"
    elif _same(a.kernel_us, b.kernel_us) and _same(a.user_us, b.user_us):
        why = "the CPU per round trip is the same for both, so the gap is not the server's CPU"
    elif _same(a.kernel_us, b.kernel_us):
        why = "the kernel's TCP cost is the same for both, so the gap is user space"
    elif _same(a.user_us, b.user_us):
        why = "the user-space cost is the same for both, so the gap is in the kernel"
    elif user > 0 and kernel > 0:
        why = "most of the gap is user space" if user >= kernel else "most of the gap is in the kernel"
    elif user > 0:
        why = f"the gap is user space, where {a.contender.label} spends less, though more in the kernel"
    else:
        why = f"the gap is in the kernel, where {a.contender.label} spends less, though more in user space"
    return split + why + "."


def compare_sentence(view: ScenarioView, rows: Sequence[Served]) -> str | None:
    """The fastest event-loop server against the stdlib loop's (another loop's if it is the fastest)."""
    loops = [r for r in rows if r.loop is not None]
    if not loops:
        return None
    a = max(loops, key=lambda r: r.rate)
    others = [r for r in loops if r.loop != a.loop]
    if a.loop != STDLIB_LOOP and any(r.loop == STDLIB_LOOP for r in others):
        others = [r for r in others if r.loop == STDLIB_LOOP]
    if not others:
        return None
    alike = [r for r in others if r.contender.variant == a.contender.variant]
    b = max(alike or others, key=lambda r: r.rate)
    text = (f"{where(view.shown(a.point))} {a.contender.label} serves {format_ratio(a.rate / b.rate)} "
            f"{b.contender.label}'s rate" + _cpu_clause(a, b))
    bounds = (a.bound, b.bound)
    if any(x not in (None, SERVER) for x in bounds):
        text += (f" Not both bound by their server ({a.contender.label}: {a.bound or 'not recorded'}; "
                 f"{b.contender.label}: {b.bound or 'not recorded'}), so the ratio is not the servers' "
                 "alone.")
    elif None in bounds:
        text += " What bounded them was not recorded."
    return text


def _util(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def serving_table(view: ScenarioView, rows: Sequence[Served]) -> Table:
    several = len(view.points) > 1
    table = []
    for r in rows:
        fraction = r.of_capacity
        table.append(((format_params(view.shown(r.point)),) if several else ()) + (
            r.contender.label, f"{r.rate:,.0f}", "-" if fraction is None else format_percent(fraction),
            _util(r.server_util), _util(r.loadgen_util), _us(r.user_us), _us(r.kernel_us), r.bound or "-"))
    headers = (("parameters",) if several else ()) + (
        "model", "round trips/s", "of capacity", "server CPU", "generator CPU", "user us/rt", "kernel us/rt",
        "bound by")
    return Table(headers, tuple(table), ("l" if several else "") + "lrrrrrrl")


def serving_blocks(analysis: Analysis, view: ScenarioView) -> list[Block]:
    """The table of rates and what bounds them, and a sentence per closed-loop point; [] without rates."""
    rows = served(analysis, view)
    if not rows:
        return []
    blocks: list[Block] = [Para(LEGEND), serving_table(view, rows)]
    sentences = []
    for point in view.points:
        found = compare_sentence(view, [r for r in rows if r.point == point and not r.is_open])
        if found:
            sentences.append(found)
    if sentences:
        blocks.append(Bullets(tuple(sentences)))
    return blocks + saturation_blocks(view, [r for r in rows if r.is_open and r.offered is not None])


def saturation_blocks(view: ScenarioView, rows: Sequence[Served]) -> list[Block]:
    """Open loop: each contender's saturation point, per group of offered rates."""
    if not rows:
        return []
    groups = load_groups(rows)
    items = []
    for key, found in groups.items():
        lines: dict[str, list[Served]] = {}
        for r in found:
            lines.setdefault(r.contender.label, []).append(r)
        said = []
        for label, line in lines.items():
            knee = saturation(line)
            if knee is not None and knee.offered is not None:
                said.append(f"{label} {knee.offered:,.0f}/s")
            else:
                low = min(line, key=lambda r: r.offered or 0.0)
                said.append(f"{label} none (at {low.offered or 0.0:,.0f}/s offered, "
                            f"{low.rate:,.0f}/s achieved)")
        shown = tuple(p for p in key if p[0] in view.swept())
        items.append((f"{format_params(shown)}: " if shown else "") + "; ".join(said) + ".")
    return [Para(f"**Saturation** (open loop): the highest offered rate each server kept up with, its "
                 f"achieved rate within {KEPT_UP:.0%} of the offered one. The capacity above is the closed "
                 "loop's (one request in flight per connection), which an open loop, with more in flight, "
                 "can exceed: such a rate counts as bound by the generator."), Bullets(tuple(items))]
