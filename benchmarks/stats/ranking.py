"""Who is fastest, what the baseline is, and which pairs a comparison group is judged on.

One definition for the planner (which decides what to measure next) and the
report (which prints the answer), so that both rank and pair alike:

* **Fastest**: the lowest :func:`typical` time, the geometric mean of the
  per-round medians over the rounds every member of its file has; a tie goes
  to the member listed first.  The same rounds on every side, as the paired
  estimate between any two members uses.
* **Baseline**: the model asked for, else ``sequential``, else the first model
  listed (:func:`choose_baseline`).
* **Comparisons** of a group (a scenario at one point of its own parameters):
  every member against the fastest, and every member against the baseline
  model's fastest member (:func:`group_pairs`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from .paired import round_medians
from .sample import Measured

DEFAULT_BASELINE = "sequential"


class UnknownBaseline(ValueError):
    """The requested baseline model is not among the models measured."""


def typical(group: Sequence[Measured]) -> list[float]:
    """What ranks the members of one point, fastest first.

    Each member's geometric mean of per-round medians over the rounds that
    every member of its file at this point has: the ranking then compares the
    same rounds, as the paired estimate between any two of them does (and
    across files, the ratio of these means is the unpaired estimate).  The
    median for a member measured before rounds.
    """
    medians = [round_medians(s.by_round) if s.rounds is not None else {} for s in group]
    shared: dict[str, set[int]] = {}
    for s, by_round in zip(group, medians, strict=True):
        if by_round:
            shared[s.file] = shared[s.file] & set(by_round) if s.file in shared else set(by_round)
    out = []
    for s, by_round in zip(group, medians, strict=True):
        used = [by_round[r] for r in sorted(shared.get(s.file, ()))] or list(by_round.values())
        out.append(math.exp(statistics.fmean(math.log(m) for m in used)) if used else s.median)
    return out


def fastest(group: Sequence[Measured]) -> int:
    """The index of the fastest member of ``group`` (by :func:`typical`; a tie: the first listed)."""
    if not group:
        raise ValueError("an empty group has no fastest member")
    times = typical(group)
    return min(range(len(group)), key=lambda i: (times[i], i))


def choose_baseline(models: Sequence[str], requested: str | None = None) -> str:
    """The requested baseline model, else sequential, else the first of ``models``."""
    if requested is not None:
        if requested not in models:
            raise UnknownBaseline(f"baseline model {requested!r} is not in the results: "
                                  f"choose from {', '.join(models)}")
        return requested
    return DEFAULT_BASELINE if DEFAULT_BASELINE in models else models[0]


def group_pairs(group: Sequence[Measured], models: Sequence[str],
                baseline: str | None = None) -> list[tuple[int, int]]:
    """The comparisons of one group as (member, reference) index pairs, each unordered pair once.

    ``models[i]`` is member i's model.  Every member is compared with the
    fastest member, and with the fastest member of the baseline model
    (:func:`choose_baseline` of the group's models, unless given).
    """
    if len(group) < 2:
        return []
    first = fastest(group)
    base_model = baseline if baseline is not None else choose_baseline(list(dict.fromkeys(models)))
    of_base = [i for i, m in enumerate(models) if m == base_model]
    references = [first]
    if of_base:
        times = typical(group)
        base = min(of_base, key=lambda i: (times[i], i))
        if base != first:
            references.append(base)
    pairs = []
    for reference in references:
        for member in range(len(group)):
            if member == reference or (reference != first and member == first):
                continue  # each pair once
            pairs.append((member, reference))
    return pairs
