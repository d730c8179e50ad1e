"""Who is fastest, what the baseline is, which pairs a group is judged on, and who ties with the fastest.

One definition for the planner (which decides what to measure next) and the
report (which prints the answer), so that both rank and pair alike:

* **Fastest**: ranked by the estimate the report prints beside each member,
  the time ratio against the fastest (:func:`estimate`: paired over the
  common rounds inside one results file, unpaired across files, a ratio of
  medians before rounds).  The fastest is the member no other member is
  estimated faster than (:func:`ranked`): so no ratio printed against the
  fastest is below 1.  The search starts from the lowest :func:`typical` time
  (the geometric mean of per-round medians over the rounds every member of its
  file has) and moves to any member estimated faster than the current one; a
  tie goes to the member listed first.
* **Baseline**: the model asked for, else ``sequential``, else the first model
  listed (:func:`choose_baseline`); its member in a group is the first of its
  model in :func:`ranked` order.
* **Comparisons** of a group (a scenario at one point of its own parameters):
  every member against the fastest, and every member against the baseline
  model's fastest member (:func:`group_pairs`).
* **Tie group** (:func:`tie_group`): the fastest and every model that cannot be
  told apart from it, its verdict against the fastest ``no difference`` or
  ``undecided`` (the interval inside the noise band, or crossing its edge).
  A single winner is claimed (:func:`sole_winner`) only when every other model
  is ``slower``: its interval lies wholly beyond the band.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from .paired import paired_estimate, round_medians, unpaired_estimate
from .sample import Measured

DEFAULT_BASELINE = "sequential"
#: verdicts against the fastest that keep a model in the fastest's tie group ("faster" only where
#: the estimates are not transitive: a ratio of other common rounds put it behind the fastest)
TIED = frozenset({"no difference", "undecided", "faster"})


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


def estimate(a: Measured, b: Measured) -> float:
    """a's time / b's, as the report prints it (:attr:`benchmarks.stats.judge.Versus.estimate`):
    paired within one file, unpaired across files, else (no rounds, too few) the ratio of medians."""
    found = None
    if a.rounds is not None and b.rounds is not None:
        pick = paired_estimate if a.file == b.file else unpaired_estimate
        found = pick(a.by_round, b.by_round)
    return a.median / b.median if found is None else found


def ranked(group: Sequence[Measured]) -> list[int]:
    """The indices of ``group``, fastest first, then by :func:`estimate` against it (a tie: listed first).

    The fastest is a member that no other is estimated faster than: from the lowest
    :func:`typical` time, the search moves to the member estimated fastest against the current
    one while there is one below 1.  Estimates over different common rounds need not be
    transitive; should the search come back to a member it left, it keeps the member with the
    fewest others estimated faster than it (then the lowest typical time).
    """
    if not group:
        raise ValueError("an empty group has no fastest member")
    times = typical(group)
    current = min(range(len(group)), key=lambda i: (times[i], i))
    below: dict[int, list[tuple[float, int]]] = {}
    while current not in below:
        versus = [(estimate(group[i], group[current]), i) for i in range(len(group)) if i != current]
        below[current] = sorted(v for v in versus if v[0] < 1)
        if below[current]:
            current = below[current][0][1]
    if below[current]:  # a cycle
        current = min(below, key=lambda i: (len(below[i]), times[i], i))
    rest = sorted((estimate(group[i], group[current]), i) for i in range(len(group)) if i != current)
    return [current] + [i for _, i in rest]


def fastest(group: Sequence[Measured]) -> int:
    """The index of the fastest member of ``group`` (the first of :func:`ranked`)."""
    return ranked(group)[0]


def tie_group(kinds: Sequence[str]) -> list[int]:
    """Which models share first place: ``kinds[i]`` is model i's verdict against the fastest
    (``kinds[0]``, the fastest's own, is ignored).  The fastest and every model whose verdict is
    in :data:`TIED`; a ratio without an interval joins no group (it tells nothing apart)."""
    return [0] + [i for i, kind in enumerate(kinds) if i and kind in TIED]


def sole_winner(kinds: Sequence[str]) -> bool:
    """The fastest is a winner on its own: every other model is ``slower``, its whole interval
    against the fastest beyond the band (``kinds`` as :func:`tie_group` takes them)."""
    return all(kind == "slower" for kind in kinds[1:])


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
    order = ranked(group)
    first = order[0]
    base_model = baseline if baseline is not None else choose_baseline(list(dict.fromkeys(models)))
    references = [first]
    base = next((i for i in order if models[i] == base_model), None)
    if base is not None and base != first:
        references.append(base)
    pairs = []
    for reference in references:
        for member in range(len(group)):
            if member == reference or (reference != first and member == first):
                continue  # each pair once
            pairs.append((member, reference))
    return pairs
