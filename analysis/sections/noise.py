"""The noise section: the benchmarks that fail one of pyperf's stability checks, and which check.

The checks and their thresholds are pyperf's (:func:`analysis.data.samples.noise_warnings`); each decision
entry carries its warnings, so this section only lists them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..data.decisions import Decision
from ..data.samples import STDEV_WARN
from ..render.document import Block, Bullets, Fold, Para


def noise_blocks(found: Sequence[Decision], folded: bool = True) -> list[Block]:
    """``folded``: the list under a summary line (the page shows it collapsed), else in the open."""
    several = len({e.sample.file for d in found for e in d.entries}) > 1
    items = sorted(f"`{e.sample.benchmark}`" + (f" ({e.sample.file})" if several else "") + ": "
                   + "; ".join(w.detail for w in e.noise)
                   for d in found for e in d.entries if e.noise)
    if not items:
        return [Para(f"Every benchmark passes pyperf's stability checks (std dev under "
                     f"{STDEV_WARN:.0%} of the mean, no value 50% away from the mean, raw timings of "
                     "1 ms or more).")]
    return [Para(f"{len(items)} benchmark(s) fail one of pyperf's stability checks (flagged in the **noise** "
                 "column): be careful with their numbers and with any ratio involving them. Rerun with "
                 "more processes or values (`--profile rigorous`) on a quieter machine."),
            Fold(f"Show the {len(items)} warning(s)", (Bullets(tuple(items)),)) if folded
            else Bullets(tuple(items))]
