"""Scenarios whose baseline does (almost) nothing: a cost per unit, not a speed-up.

Some scenarios time the models' own machinery.  ``spawn``'s units return a
number and do nothing else, so its sequential baseline is a plain loop of calls
(26 us for 100 units on the reference VM) and every concurrent model reads as
"1/1691x" of it: a ratio that tells a reader nothing, and swamps the colour
scale of the speedup heatmap.  What such a scenario answers is what each model
costs per unit: time per run / units (the count of ``expected_checksum``), such
as 3.6 us for a warm uvloop task and about 110 us for a process pool.  The
answers then name the cheapest model other than the baseline.

Which scenarios: those where the baseline, at every point it ran, is at least
:data:`FACTOR` times faster than every other model there (each at its best
variant).  A baseline that does real work is never that far ahead everywhere: on
the reference VM spawn's cheapest concurrent model takes 14x (warm) and 24x
(cold) the baseline's time; the closest others are ``cancel_timeout``'s
deadlines (8.7x) and ``pipeline``'s bare hand-offs (7.4x, while at
``stage_steps=1000`` processes beat sequential 2.1x).  The data decides, so a
scenario of a plugin gets the same treatment.
"""

from __future__ import annotations

from .bundle import Analysis
from .decisions import Decision, Entry
from .samples import Sample

#: The baseline is this many times faster than every other model at every point: it does nothing.
FACTOR = 10.0


def per_unit(sample: Sample) -> float | None:
    """Seconds per unit of work (median time per run / units); None if the units are not recorded."""
    return None if sample.units is None else sample.median / sample.units


def cheapest(d: Decision, baseline: str) -> list[Entry]:
    """Every model but the baseline at its best variant, cheapest first."""
    return [e for m, e in d.best_by_model().items() if m != baseline]


def overhead_scenarios(analysis: Analysis, baseline: str) -> list[str]:
    """The scenarios (registry order) whose baseline does almost nothing (see the module docstring)."""
    found = []
    for view in analysis.views:
        points = [d for d in analysis.decisions if d.scenario == view.name and baseline in d.best_by_model()]
        if not points:
            continue
        ahead = []
        for d in points:
            base = d.best_by_model()[baseline].sample
            others = cheapest(d, baseline)
            ahead.append(bool(others) and all(analysis.judge(e.sample, base).estimate >= FACTOR
                                              for e in others))
        if all(ahead):
            found.append(view.name)
    return found
