"""The serving section: a server under load, its throughput table, what bounded it, and where its CPU went.

From the rows of :mod:`analysis.data.served`: a table of rates and what bounds
them, then one sentence per closed-loop point comparing the fastest event-loop
server (a benchmark recording ``loop``) with the stdlib's loop (``loop`` =
``asyncio``, the same variant where there is one), with their CPU split, and an
open loop's saturation point per contender.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._format import Params, format_number, format_params, format_percent, format_ratio
from ..data.bundle import Analysis
from ..data.served import KEPT_UP, LEGEND, SERVER, Served, load_groups, saturation, served
from ..data.views import ScenarioView
from ..render.document import Block, Bullets, Para, Table

#: Two CPU costs within this factor of each other are "the same".
SAME = 1.1
#: The event loop whose server the fastest other loop's is compared with (metadata ``loop``).
STDLIB_LOOP = "asyncio"


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
