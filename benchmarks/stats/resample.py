"""The within-round level of the bootstrap, tabulated exactly: each round's distinct resampled medians.

Resampling p processes with replacement can give only C(2p-1, p) distinct
multisets (10 for 3 processes, 126 for 5), so a round's resampled median takes
one of that many values, with multinomial probabilities.  Tabulated once, with
Walker's alias method for drawing from them, the inner level of the bootstrap
costs two uniforms per (resample, round) and is exact rather than itself a
Monte Carlo draw; a call of :func:`benchmarks.stats.paired.paired_ratio` then takes
about a millisecond where drawing processes and taking medians of the pooled
draws took 8.  Above ``EXACT_LIMIT`` multisets the table holds that many
random draws instead, each equally likely.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def pooled_median(processes: Sequence[Sequence[float]]) -> float:
    """The median of a round's values, its processes pooled."""
    # statistics.median: on a dozen values it is ten times faster than numpy's.
    return statistics.median(v for values in processes for v in values)


class Side:
    """One side's rounds as the bootstrap sees them: each round's distinct within-round resamples."""

    def __init__(self, rounds: Sequence[list[list[float]]], rng: np.random.Generator) -> None:
        medians, accept, alias, sizes = [], [], [], []
        offset = 0
        for processes in rounds:
            counts, round_accept, round_alias = _multisets(len(processes), rng)
            medians.append(_weighted_medians(processes, counts))
            accept.append(round_accept)
            alias.append(round_alias + offset)
            sizes.append(len(counts))
            offset += len(counts)
        self.medians = np.concatenate(medians)
        self.accept = np.concatenate(accept)
        self.alias = np.concatenate(alias)
        self.sizes = np.array(sizes, dtype=np.intp)
        self.offsets = np.cumsum(self.sizes) - self.sizes

    def resampled_medians(self, picked: IntArray, rng: np.random.Generator) -> FloatArray:
        """The resampled median of each picked round, per [resample, round]."""
        size = self.sizes[picked]
        # min(): u * size can round up to size when u is within an ulp of 1.
        slot = self.offsets[picked] + np.minimum((rng.random(picked.shape) * size).astype(np.intp), size - 1)
        chosen = np.where(rng.random(picked.shape) < self.accept[slot], slot, self.alias[slot])
        result: FloatArray = self.medians[chosen]
        return result


#: beyond this many distinct multisets (7 processes give 1716, 8 give 6435), draw instead of enumerate
EXACT_LIMIT = 2000


def _multisets(processes: int, rng: np.random.Generator) -> tuple[IntArray, FloatArray, IntArray]:
    """(how often each process is drawn [multiset, process], alias-method accept and alias tables)."""
    if math.comb(2 * processes - 1, processes) <= EXACT_LIMIT:
        return exact_multisets(processes)
    counts = rng.multinomial(processes, np.full(processes, 1 / processes), size=EXACT_LIMIT)
    return counts.astype(np.intp), np.ones(EXACT_LIMIT), np.arange(EXACT_LIMIT, dtype=np.intp)


@lru_cache(maxsize=16)
def exact_multisets(processes: int) -> tuple[IntArray, FloatArray, IntArray]:
    counts = np.array([np.bincount(draw, minlength=processes)
                       for draw in itertools.combinations_with_replacement(range(processes), processes)],
                      dtype=np.intp)
    ways = [math.factorial(processes) // math.prod(math.factorial(int(c)) for c in row) for row in counts]
    accept, alias = _alias_tables(ways)
    for table in (counts, accept, alias):
        table.flags.writeable = False  # shared by every call through the cache
    return counts, accept, alias


def _alias_tables(weights: Sequence[int]) -> tuple[FloatArray, IntArray]:
    """Vose's alias method: entry k is drawn with probability weights[k] / sum(weights) by picking a
    slot uniformly, then keeping it with probability accept[slot] or else taking alias[slot]."""
    n, total = len(weights), sum(weights)
    # Integer arithmetic (weights scaled by n, compared with the total) keeps the tables exact.
    scaled = [w * n for w in weights]
    accept = np.ones(n)
    alias = np.arange(n, dtype=np.intp)
    small = [k for k, w in enumerate(scaled) if w < total]
    large = [k for k, w in enumerate(scaled) if w >= total]
    while small and large:
        less, more = small.pop(), large.pop()
        accept[less] = scaled[less] / total
        alias[less] = more
        scaled[more] -= total - scaled[less]
        (small if scaled[more] < total else large).append(more)
    return accept, alias


def _weighted_medians(processes: list[list[float]], counts: IntArray) -> FloatArray:
    """Median of the pooled values of each multiset of processes (a process drawn twice counts twice)."""
    if len(processes) == 1:
        return np.array([pooled_median(processes)])
    values = np.concatenate(processes)
    owner = np.repeat(np.arange(len(processes)), [len(v) for v in processes])
    order = np.argsort(values, kind="stable")
    values, owner = values[order], owner[order]
    weight = np.cumsum(counts[:, owner], axis=1)  # [multiset, k]: values up to the k-th smallest
    total = weight[:, -1:]
    # The lower and upper middle order statistics (1-based (W+1)//2 and W//2+1; equal when W is odd).
    lower = np.count_nonzero(weight < (total + 1) // 2, axis=1)
    upper = np.count_nonzero(weight < total // 2 + 1, axis=1)
    result: FloatArray = (values[lower] + values[upper]) / 2
    return result
