"""Why an answer is what it is, where the results say so: a few words beside each answer.

Every rule reads what the run recorded about its benchmarks, never a model's
or a scenario's name, so a plugin's model is explained like a built-in one:

* **capped**: a model whose benchmark records ``default_executor_size`` with a
  ``concurrency_limit`` equal to it, while a model running more units at once
  took under half its time (:data:`CAP_GAP`) at the same point: the loop's
  default executor is its cap.
* **the GIL**: in a ``cpu`` scenario on an interpreter whose GIL is enabled, a
  model running several units at once (``parallelism`` above 1) in one process
  and one interpreter (no ``start_method``, no ``interpreters``) that takes
  the baseline's time, within a factor :data:`NO_GAIN` either way: its units
  ran one at a time; unless another such model at the same point ran faster
  than that: the units do run beside each other (SHA-256 releases the GIL),
  so something else held it back.  (Much slower than the baseline is
  overhead, not the GIL: units too small for their dispatch.)
* **the run's warnings** about the answer's two benchmarks (``.runinfo``
  ``warnings``: the load generator near its capacity, more workers than CPUs),
  in the run's words, their last clause when it is long.
* **drift**: a comparison of the answer (the winner against the baseline, the
  runner-up against the winner) whose rounds disagree (:mod:`analysis.data.disagreement`),
  or one of its benchmarks measured while a CPU ran slow (``slow_cpu``).
* **noisy**: the winner or the runner-up fails one of pyperf's stability checks.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from benchmarks.stats.text import format_factor

from .bundle import Analysis
from .decisions import Decision, Entry
from .disagreement import compared, disagreements, spread
from .samples import Sample

#: Within this factor of the baseline's time either way, a parallel model gained nothing.
NO_GAIN = 1.1
#: A capped model is explained when a model with more units in flight took less than 1/CAP_GAP its time.
CAP_GAP = 2.0
#: A warning longer than this is cut to its last clause.
SHORT = 60
FACTS = ("parallelism", "concurrency_limit", "default_executor_size", "start_method", "interpreters",
         "python_gil")

Key = tuple[str, str]  # (file, benchmark)


def _pair(a: Sample, b: Sample) -> frozenset[Key]:
    return frozenset({(a.file, a.benchmark), (b.file, b.benchmark)})


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, numbers.Real) and value == value else None


@dataclass(frozen=True)
class Evidence:
    """What the rules read, gathered once per report."""

    facts: Mapping[Key, Mapping[str, object]]
    warnings: Mapping[Key, tuple[str, ...]]
    slow: frozenset[Key]
    disagree: Mapping[frozenset[Key], float]  # the pair -> max/min of its per-round ratios

    @staticmethod
    def of(analysis: Analysis, baseline: str) -> Evidence:
        frame = analysis.frame
        first = frame.groupby(["file", "benchmark"], sort=False)[list(FACTS)].first()
        facts = {(str(f), str(b)): row.to_dict() for (f, b), row in first.iterrows()}
        warnings: dict[Key, list[str]] = {}
        slow: set[Key] = set()
        names = {s.benchmark for s in analysis.samples}
        for ri in analysis.runinfos:
            if (record := ri.record) is None:
                continue
            for kind, details in record.warnings.items():
                if kind == "slow CPU":
                    continue  # slow CPUs are the drift rule's
                for detail in map(str, details):
                    name, _, note = detail.partition(": ")
                    if name in names and note:
                        warnings.setdefault((ri.results, name), []).append(note)
            slow |= {(ri.results, str(b)) for b in record.slow_cpu}
        disagree = {_pair(c.versus.a, c.versus.b): spread(ratios)
                    for c, ratios in disagreements(list(compared(analysis, baseline)))}
        return Evidence(facts, {k: tuple(v) for k, v in warnings.items()}, frozenset(slow), disagree)

    def fact(self, sample: Sample, name: str) -> object:
        return self.facts.get((sample.file, sample.benchmark), {}).get(name)


def _models(entries: Iterable[Entry]) -> str:
    """Model names: each is at its best variant, which the answer's own columns name."""
    return ", ".join(e.contender.model for e in entries)


def capped_by_executor(d: Decision, ev: Evidence) -> list[str]:
    best = list(d.best_by_model().values())
    out = []
    for e in best:
        size = _number(ev.fact(e.sample, "default_executor_size"))
        if size is None or _number(ev.fact(e.sample, "concurrency_limit")) != size:
            continue
        wider = [o for o in best if (_number(ev.fact(o.sample, "concurrency_limit")) or 0) > size
                 and o.ratio * CAP_GAP < e.ratio]
        if wider:
            out.append(f"{e.contender.model}: {size:g}-thread default executor")
    return out


def gil_bound(analysis: Analysis, d: Decision, base: Entry | None, ev: Evidence) -> list[str]:
    if base is None or base.sample.kind != "cpu":
        return []
    found, gained = [], False
    for m, e in d.best_by_model().items():
        if m == base.contender.model:
            continue
        gil = str(ev.fact(e.sample, "python_gil") or "")
        parallel = (_number(ev.fact(e.sample, "parallelism")) or 1) > 1
        one_interpreter = all(ev.fact(e.sample, k) is None for k in ("start_method", "interpreters"))
        if not (gil.startswith("enabled") and parallel and one_interpreter):
            continue
        estimate = analysis.judge(e.sample, base.sample).estimate
        if 1 / NO_GAIN <= estimate <= NO_GAIN:
            found.append(e)
        elif estimate < 1 / NO_GAIN:
            gained = True
    # another model of threads in one interpreter gained: these units run beside each other under
    # the GIL (cpu_hash's, which release it), so what holds the others back is not the GIL
    return [f"the GIL holds back {_models(found)}"] if found and not gained else []


def _short(note: str) -> str:
    return note if len(note) <= SHORT else note.rsplit(": ", 1)[-1]


def warned(answer: Sequence[Entry], ev: Evidence) -> list[str]:
    notes: dict[str, list[Entry]] = {}
    for e in answer:
        for note in ev.warnings.get((e.sample.file, e.sample.benchmark), ()):
            notes.setdefault(_short(note), []).append(e)
    return [f"{_models(entries)}: {note}" for note, entries in notes.items()]


def drifted(pairs: Sequence[tuple[Entry, Entry]], ev: Evidence) -> list[str]:
    out = []
    seen = set()
    for a, b in pairs:
        key = _pair(a.sample, b.sample)
        if key in ev.disagree and key not in seen:
            seen.add(key)
            out.append(f"drift: rounds of {a.contender.model} / {b.contender.model} disagree "
                       f"({format_factor(ev.disagree[key])}x)")
    slow = [e for e in dict.fromkeys(e for pair in pairs for e in pair)
            if (e.sample.file, e.sample.benchmark) in ev.slow]
    if slow:
        out.append(f"drift: {_models(slow)} met a slow CPU")
    return out


def noisy(answer: Sequence[Entry]) -> list[str]:
    found = [f"{e.contender.model} {e.noise[0].short}" for e in answer if e.noise]
    return [f"noisy: {', '.join(found)}"] if found else []


def reasons(analysis: Analysis, d: Decision, winner: Entry, runner_up: Entry | None, base: Entry | None,
            ev: Evidence, capped: bool = True) -> list[str]:
    """The reasons of one answer, most telling first; ``capped``: whether a concurrency cap can matter
    (not in an answer of costs per unit, whatever runs at once)."""
    answer = [winner] + ([runner_up] if runner_up is not None else [])
    pairs = [(winner, base)] if base is not None and base is not winner else []
    pairs += [(runner_up, winner)] if runner_up is not None else []
    return [*(capped_by_executor(d, ev) if capped else []), *gil_bound(analysis, d, base, ev),
            *warned(answer, ev), *drifted(pairs, ev), *noisy(answer)]
