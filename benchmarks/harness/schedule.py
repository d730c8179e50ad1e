"""The order in which the benchmarks of one interleaved round run.

On the shared 2-core VM a vCPU's speed changes by up to 1.8x within seconds.
Measured one benchmark after another (pyperf's way), a drift lands on one side
of a comparison; measured in rounds, every benchmark gets a few processes per
round and comparisons use ratios taken inside one round, so a drift slower
than a round cancels.  What is left is the drift *within* a round.  Three
rules take care of it:

* The members of one comparison group (a scenario at one point of its own
  parameters: the benchmarks a ratio is ever taken between) run one after
  another, a block, and only the blocks and the members inside each block are
  shuffled.  Both sides of a ratio are then seconds apart, not anywhere in a
  round of minutes: in the two back-to-back default runs of the full matrix
  measured before this rule (results/20261201T132831Z and 134003Z, in git at ea499b2), the two
  sides of a ratio were a median of 62 s apart, and the machine's speed moves
  on that scale.  (A randomized complete block design: the block is what is
  compared, the noise between blocks stays out of every ratio.)
* Rounds come in pairs, and the second of a pair runs the first one's order
  backwards (ABBA; asv's ``--interleave-rounds`` likewise reverses its commit
  order every other round, ``asv/commands/run.py``).  A benchmark that starts
  S seconds into one round starts T - S - d seconds into the other (T the
  round's length, d its own), so the midpoints of its two runs average to the
  middle of the pair whatever the durations: a drift linear in time weighs
  on every benchmark alike and cancels (to first order) in a ratio.  The
  reversal keeps the blocks whole, each reversed inside.
* Each pair gets its own shuffle (Google Benchmark's random interleaving), so
  no benchmark always follows the same neighbour (whose leftover heat, caches
  or dying processes it would inherit) and a drift that is not linear turns
  into noise the interval sees instead of a bias it cannot.

The shuffle is ``random.Random`` seeded from a string built from the seed and
the pair number: Python hashes a str seed with SHA-512, independently of
PYTHONHASHSEED, so the same seed gives the same orders in every process.  The
algorithm behind ``shuffle`` is not promised across Python versions: the
runner should record the order it used rather than recompute it later.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence


def round_order(names: Sequence[str], round_index: int, seed: int,
                groups: Sequence[Hashable] | None = None) -> list[str]:
    """The benchmarks of round ``round_index`` in the order they run: a seeded shuffle per pair of
    rounds, reversed in the odd round of the pair.  ``groups`` (one per name): the names of a
    group run as one block; the blocks are shuffled, and the names inside each block."""
    if round_index < 0:
        raise ValueError(f"round_index must not be negative, not {round_index}")
    if len(set(names)) != len(names):
        # A name listed twice would get twice the share of every round.
        raise ValueError("benchmark names must be unique")
    if groups is None:
        groups = list(names)  # every benchmark its own block: a plain shuffle
    elif len(groups) != len(names):
        raise ValueError(f"{len(groups)} group(s) for {len(names)} name(s): give one per name")
    blocks: dict[Hashable, list[str]] = {}
    for name, group in zip(names, groups, strict=True):
        blocks.setdefault(group, []).append(name)
    pair, second = divmod(round_index, 2)
    rng = random.Random(f"concbench-round-order:{seed}:{pair}")
    ordered = list(blocks.values())
    rng.shuffle(ordered)
    order = []
    for block in ordered:
        rng.shuffle(block)
        order.extend(block)
    if second:
        order.reverse()
    return order
