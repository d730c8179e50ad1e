"""The answer of ``concbench ask``, read back from the run's results file and its ``.runinfo``.

Every comparison is one model against the fastest (:mod:`benchmarks.stats.ranking`), judged
by :func:`benchmarks.stats.judge.judge` with the seed the run recorded: the very interval the
planner stopped on (``benchmarks/harness/rounds.py`` measures every member against the fastest,
and against the baseline model when that is not the fastest).  A line's numbers are the
verdict's own printed figures (:attr:`benchmarks.stats.paired.Verdict.figures`), so what is
read is what was judged.  Rendering is pure: the same files give the same text.
"""

from __future__ import annotations

import shlex
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyperf

from benchmarks.core.formats import PARAM_PREFIX, format_value, param_names
from benchmarks.core.runrecord import RunRecord
from benchmarks.stats import ranking
from benchmarks.stats.judge import BAND, Versus, judge
from benchmarks.stats.sample import RoundValues
from benchmarks.stats.text import format_factor, three_digits

#: run metadata: the round a run belongs to (benchmarks.harness.rounds.ROUND_KEY)
ROUND_KEY = "round"
#: a PR comment stays under this many bytes (GitHub's limit is far above; reviewers' patience not)
MAX_MARKDOWN = 5000
#: pyperf's python_implementation, as its project writes it
IMPLEMENTATIONS = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}
#: a reason (unsupported, failed) is cut to this many characters in the Markdown
MAX_REASON = 240


@dataclass(frozen=True)
class Request:
    """What the user asked, as typed: enough to print the command that reproduces the answer."""

    target: str
    models: tuple[str, ...]
    #: ``--param`` values as typed, ``NAME=VALUE``
    params: tuple[str, ...] = ()
    rounds: int | None = None
    #: ``--budget`` as typed (None: the default)
    budget: str | None = None


@dataclass(frozen=True)
class Member:
    """One model's benchmark in the results file."""

    model: str
    benchmark: str
    values: tuple[float, ...]
    sample: RoundValues
    metadata: dict[str, Any]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def quartiles(self) -> tuple[float, float]:
        if len(self.values) < 2:
            return self.values[0], self.values[0]
        q = statistics.quantiles(self.values, n=4, method="inclusive")
        return q[0], q[2]


@dataclass(frozen=True)
class Answer:
    """The measured members (fastest first), each other member against the fastest, and the run."""

    scenario: str
    members: tuple[Member, ...]
    versus: tuple[Versus[RoundValues], ...]
    record: RunRecord
    results: Path

    @property
    def fastest(self) -> Member:
        return self.members[0]

    @property
    def rounds(self) -> int:
        return self.record.rounds.completed if self.record.rounds is not None else 0

    def point(self) -> list[tuple[str, str]]:
        """The parameter values the members were measured at, the scenario's own first."""
        found: dict[str, str] = {}
        for member in self.members:
            for name in param_names(member.metadata.get("params")):
                found.setdefault(name, format_value(member.metadata[PARAM_PREFIX + name]))
        return list(found.items())


def read_answer(results: Path, runinfo: Path) -> Answer:
    """The answer of a run of ``concbench ask``: its results file and run record."""
    record = RunRecord.read(runinfo)
    suite = pyperf.BenchmarkSuite.load(str(results))
    members = []
    for bench in suite.get_benchmarks():
        by_round: dict[int, list[list[float]]] = {}
        for run in bench.get_runs():
            if run.values:
                by_round.setdefault(int(run.get_metadata()[ROUND_KEY]), []).append(list(run.values))
        meta = dict(bench.get_metadata())
        members.append(Member(str(meta.get("model", bench.get_name())), bench.get_name(),
                              tuple(bench.get_values()), RoundValues(bench.get_name(), by_round),
                              meta))
    scenarios = {str(m.metadata.get("scenario")) for m in members}
    if len(scenarios) != 1:
        raise ValueError(f"{results}: expected the benchmarks of one scenario, found {sorted(scenarios)}")
    first = ranking.fastest([m.sample for m in members])
    ordered = [members[first], *(m for i, m in enumerate(members) if i != first)]
    seed = record.seed or 0
    versus = tuple(judge(m.sample, ordered[0].sample, same_run=True, seed=seed) for m in ordered[1:])
    return Answer(scenarios.pop(), tuple(ordered), versus, record, results)


# -- text


def format_seconds(seconds: float) -> str:
    """A wall time: ``48s``, ``1m48s``, ``1h02m``."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def _unit(seconds: float) -> tuple[str, float]:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return unit, scale
    return "ns", 1e-9


def format_spread(median: float, q1: float, q3: float) -> str:
    """A median time and its interquartile range in the median's unit: ``12.3 ms (IQR 12.1-12.6)``."""
    unit, scale = _unit(median)
    low, middle, high = (three_digits(x / scale) for x in (q1, median, q3))
    return f"{middle} {unit} (IQR {low}-{high})"


def _band() -> str:
    return f"+-{BAND:.0%}"


def _why_undecided(answer: Answer, v: Versus[RoundValues], request: Request) -> str:
    """Why an interval still straddles an edge of the band."""
    rounds = answer.record.rounds
    target = rounds.target_half_width if rounds is not None else BAND
    if v.ratio is not None and v.ratio.half_width <= target:
        return (f"the interval is narrow (+-{v.ratio.half_width:.1%}) but straddles the edge of "
                f"{_band()}: a difference near {_band()}")
    if answer.record.interrupted:
        after = "when interrupted"
    elif request.rounds is not None:
        after = f"after --rounds {request.rounds}"
    elif rounds is not None and rounds.stop_reason.startswith("the time budget"):
        after = "after the budget"
    else:
        after = f"after {answer.rounds} rounds, the most `ask` measures"
    return f"the interval crosses {_band()} {after}"


def verdict_line(answer: Answer, v: Versus[RoundValues], request: Request, wall_s: float) -> str:
    """One comparison in one line, its numbers the verdict's own."""
    member, fastest = v.a.benchmark, v.b.benchmark
    names = {m.benchmark: m.model for m in answer.members}
    a, b = names[member], names[fastest]
    measured = f"{answer.rounds} rounds, {format_seconds(wall_s)}" + \
        (", interrupted" if answer.record.interrupted else "")
    where = f"on this machine ({measured})"
    if v.verdict is None:
        return f"undecided: {a} vs {b} {format_factor(v.estimate)}x (why: {v.why})"
    estimate, low, high = v.verdict.figures
    if v.kind == "slower":
        return f"{b} is {estimate}x faster than {a} [{low}-{high}] {where}"
    if v.kind == "faster":
        return f"{a} is {estimate}x faster than {b} [{low}-{high}] {where}"
    if v.kind == "no difference":
        return f"no difference between {a} and {b} ({estimate}x [{low}-{high}], within {_band()}) {where}"
    return (f"undecided: {a} vs {b} {estimate}x [{low}-{high}] "
            f"(why: {_why_undecided(answer, v, request)}; {measured})")


def missing_lines(answer_record: RunRecord) -> list[str]:
    """One line per model not measured, with its reason."""
    lines = [f"not measured: {u.model}: unsupported: {u.reason}" for u in answer_record.unsupported]
    lines += [f"not measured: {f.model}: failed {f.stage}: {f.error}" for f in answer_record.failed]
    return lines


def command(request: Request, point: Sequence[tuple[str, str]]) -> str:
    """``concbench ask ...`` as typed, with every parameter of the measured point spelled out."""
    words = ["concbench", "ask", request.target]
    for model in request.models:
        words += ["--model", model]
    typed = [p.partition("=")[0].strip() for p in request.params]
    words += [w for p in request.params for w in ("--param", p)]
    words += [w for name, value in point if name not in typed for w in ("--param", f"{name}={value}")]
    if request.rounds is not None:
        words += ["--rounds", str(request.rounds)]
    if request.budget is not None:
        words += ["--budget", request.budget]
    return shlex.join(words)


def environment(meta: dict[str, Any]) -> str:
    """The machine and interpreter of the run, from its metadata: one line."""
    def get(key: str) -> str:
        return str(meta.get(key, "?"))

    cpus = f"{get('cpu_count')} CPUs"
    if "worker_cpu_affinity" in meta:
        cpus += f" (workers on {get('worker_cpu_affinity')})"
    build = f"PGO {get('python_pgo')}, LTO {get('python_lto')}"
    version = get("python_version").removesuffix(" (64-bit)")
    implementation = IMPLEMENTATIONS.get(get("python_implementation"), get("python_implementation"))
    return (f"{get('cpu_model_name')}, {cpus}; {implementation} {version} "
            f"({get('python_compiler')}, {build}); GIL {get('python_gil')}")


def _row(answer: Answer, member: Member, v: Versus[RoundValues] | None) -> str:
    spread = format_spread(member.median, *member.quartiles())
    if v is None:
        return f"| **{member.model}** | {spread} | 1.00x | fastest |"
    if v.verdict is None:
        return f"| {member.model} | {spread} | {format_factor(v.estimate)}x (no interval) | {v.why} |"
    estimate, low, high = v.verdict.figures
    if v.kind == "faster":  # the figures are a speed-up; the column holds time ratios
        assert v.ratio is not None
        estimate, low, high = (format_factor(x) for x in (v.ratio.estimate, v.ratio.low, v.ratio.high))
    judged = {"slower": f"{v.verdict.figures[0]}x slower", "faster": f"{v.verdict.figures[0]}x faster"}
    return f"| {member.model} | {spread} | {estimate}x [{low}-{high}] | {judged.get(v.kind, v.kind)} |"


def _cut(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."


def markdown(answer: Answer, request: Request, wall_s: float) -> str:
    """A block for a pull request's comment: the verdict, a table, the environment and the command."""
    point = answer.point()
    rounds = answer.record.rounds
    lines = [f"#### `concbench ask`: {answer.scenario}, {' vs '.join(m.model for m in answer.members)}", ""]
    for v in answer.versus:  # a paragraph each
        lines += [f"**{verdict_line(answer, v, request, wall_s)}**", ""]
    lines += ["| model | median time (IQR) | time vs fastest [95% interval] | verdict |",
              "|:--|--:|--:|:--|", _row(answer, answer.fastest, None)]
    lines += [_row(answer, m, v) for m, v in zip(answer.members[1:], answer.versus, strict=True)]
    stop = f"; stopped: {rounds.stop_reason}" if rounds is not None and rounds.stop_reason else ""
    per_round = rounds.processes_per_round if rounds is not None else 1
    lines += ["",
              f"- Point: {', '.join(f'{k}={v}' for k, v in point) or '(no parameters)'}",
              f"- Environment: {environment(answer.fastest.metadata)}",
              f"- Measured: {answer.rounds} rounds, {per_round} fresh worker process per model and round, "
              f"{format_seconds(wall_s)} in all{stop}"]
    lines += [f"- {_cut(line[0].upper() + line[1:])}" for line in missing_lines(answer.record)]
    lines += [f"- Reproduce: `{command(request, point)}`", "",
              f"Time ratios are paired by round, 95% intervals; a difference within {_band()} is "
              "none. The answer holds for this machine and CPU only."]
    return "\n".join(lines) + "\n"

