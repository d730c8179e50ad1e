"""Compare two runs: two interpreters, two machines, or before and after a change.

Benchmarks are matched by what they measured (scenario, model and every
parameter, from metadata), not by name.  Two runs share no rounds, so each
ratio new/base is unpaired (:func:`benchmarks.stats.paired.unpaired_ratio`: each
run's geometric mean of per-round medians, an interval from a bootstrap over
each side's own rounds) and judged as the report judges (:mod:`benchmarks.stats.judge`).
A drift between the two runs (another time, another machine) is in the ratio:
nothing cancels it, which is why such an interval is wider than a paired one.

``pyperf compare_to`` on the same two files is shown beside it, as people
will run it; where it disagrees, one line says why: its t-test calls samples
of different sizes significant (it cannot compute them and says
"significant"), and it pools the values of every process and round as if
each were independent.  A summary gives the geometric mean of the ratios,
pyperf's way of summarising many benchmarks in one number.

As a gate (``--fail-on-slower 5%``): the comparison fails when any ratio's whole
interval lies beyond +5%, the same rule as a verdict with that threshold as its
band (:func:`benchmarks.stats.paired.verdict`).  Two runs of different CPUs,
kernels or interpreters measure the machine as much as the change: the page says so
first, and the gate refuses them unless told they may differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# mypy: disable-error-code="import-untyped"
import pandas as pd

from benchmarks.core.formats import results_stem
from benchmarks.stats.judge import BAND, Versus, judge
from benchmarks.stats.paired import verdict

from ._format import Params, format_params, format_ratio, format_time, params_key
from .charts.style import FORMATS, figure, footnote, model_color, plain_log_axis, save
from .data.inferred import run_registry
from .data.load import AnalysisError, RunInfo, file_labels, load_results, read_runinfo
from .data.pyperf_verdict import PyperfVerdict, compare_to, disagreement
from .data.samples import Sample
from .data.views import samples
from .render.document import Block, Bullets, Heading, Para, Table, chart_image, to_markdown
from .render.output import Staging

Key = tuple[str, str, Params]
#: a comparison's verdicts, in the order the summary counts them
KINDS = ("faster", "slower", "no difference", "undecided", "no interval")
#: what tells two machines apart, as the summary names it: metadata it is read from
MACHINE = (("CPU", ("cpu_model_name",)), ("kernel", ("platform",)),
           ("interpreter", ("python_implementation", "python_version", "python_free_threaded_build")))


@dataclass(frozen=True)
class Comparison:
    key: Key
    base: Sample
    new: Sample
    versus: Versus  # new against base, unpaired
    pyperf: PyperfVerdict  # what ``pyperf compare_to`` says of the same two benchmarks

    @property
    def ratio(self) -> float:
        """new / base: the unpaired estimate (before rounds: of medians)."""
        return self.versus.estimate

    @property
    def change(self) -> str:
        """The change in time, in percent: ``-1.8%`` is 1.8% less time (faster)."""
        return f"{(self.ratio - 1) * 100:+.1f}%"

    @property
    def is_result(self) -> bool:
        return self.versus.decided

    @property
    def why_pyperf_differs(self) -> str | None:
        return disagreement(self.versus, self.pyperf)


def compare_frames(base: pd.DataFrame, new: pd.DataFrame, runinfos: Sequence[RunInfo] = (),
                   ) -> tuple[list[Comparison], list[Key], list[Key]]:
    """(comparisons of common benchmarks, keys only in base, keys only in new), in registry order.

    The order is the runs' registries' (from ``runinfos``), else the one read off the results.
    """
    both = [samples(base), samples(new)]
    a, b = ({(s.scenario, s.model, s.params): s for s in group} for group in both)
    registry = run_registry([*both[0], *both[1]], runinfos)

    def order(key: Key) -> tuple[object, ...]:
        return (registry.scenario_key(key[0]), registry.model_key(key[1]), params_key(key[2]))

    common = sorted(a.keys() & b.keys(), key=order)
    found = [Comparison(k, a[k], b[k], judge(b[k], a[k], same_run=False), compare_to(a[k], b[k]))
             for k in common]
    return found, sorted(a.keys() - b.keys(), key=order), sorted(b.keys() - a.keys(), key=order)


def machine(frame: pd.DataFrame) -> dict[str, str]:
    """What a run measured on, as :data:`MACHINE` names it (a free-threaded build ends in ``t``)."""
    first = frame.iloc[0]
    found = {}
    for name, columns in MACHINE:
        values = [str(first[c]) if c in frame.columns else "?" for c in columns]
        if name == "interpreter":
            implementation, version, free_threaded = values
            values = [implementation, version.split(" ")[0] + ("t" if free_threaded == "yes" else "")]
        found[name] = " ".join(values)
    return found


def machine_differences(base: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """``CPU 'Intel(R) Xeon(R) Processor' against 'AMD EPYC 7B13'``, one per thing that differs."""
    a, b = machine(base), machine(new)
    return [f"{name} {a[name]!r} (base) against {b[name]!r} (new)" for name in a if a[name] != b[name]]


def slower_than(found: Sequence[Comparison], threshold: float) -> list[Comparison]:
    """The comparisons whose whole interval is slower than ``threshold`` (0.05: 5% more time):
    a verdict of "slower" with the threshold as its band."""
    return [c for c in found
            if c.versus.ratio is not None and verdict(c.versus.ratio, threshold).kind == "slower"]


def select(found: list[Comparison], only_base: list[Key], only_new: list[Key],
           scenarios: Sequence[str] = (), models: Sequence[str] = ()
           ) -> tuple[list[Comparison], list[Key], list[Key]]:
    """Only the benchmarks of ``scenarios`` and ``models`` (empty: all); a name neither run has
    is an :class:`AnalysisError` naming those they have."""
    keys = [c.key for c in found] + only_base + only_new
    for what, wanted, position in (("scenario", scenarios, 0), ("model", models, 1)):
        known = list(dict.fromkeys(str(k[position]) for k in keys))
        unknown = [name for name in wanted if name not in known]
        if unknown:
            raise AnalysisError(f"neither run has a {what} {unknown[0]!r}: choose from {', '.join(known)}")

    def kept(key: Key) -> bool:
        return (not scenarios or key[0] in scenarios) and (not models or key[1] in models)

    return ([c for c in found if kept(c.key)], [k for k in only_base if kept(k)],
            [k for k in only_new if kept(k)])


def count_kinds(found: Sequence[Comparison]) -> dict[str, int]:
    return {kind: sum(1 for c in found if c.versus.kind == kind) for kind in KINDS}


def summary(found: Sequence[Comparison]) -> str:
    """The opening paragraph: how many are faster, slower, no different, undecided."""
    n = count_kinds(found)
    text = (f"{len(found)} benchmark(s) in common: {n['faster']} faster and {n['slower']} slower beyond "
            f"the noise band of +-{BAND:.0%}, {n['no difference']} no difference, {n['undecided']} "
            "undecided")
    if n["no interval"]:
        text += f", {n['no interval']} with no interval (measured before rounds)"
    geo = math.exp(sum(math.log(c.ratio) for c in found) / len(found))
    return text + f". Geometric mean of new/base: {format_ratio(geo)}."


@dataclass(frozen=True)
class Gate:
    """``--fail-on-slower``: its threshold (0.05 for 5%) and the comparisons beyond it."""

    threshold: float
    failing: tuple[Comparison, ...]

    @property
    def text(self) -> str:
        limit = f"{self.threshold * 100:g}%"
        if not self.failing:
            return f"**Gate passed**: no ratio's whole interval is slower than +{limit}."
        return (f"**Gate failed**: {len(self.failing)} ratio(s) slower than +{limit} over their whole "
                "interval, marked **over the gate** below.")


def _labels(found: list[Comparison]) -> list[str]:
    """scenario/model plus only the parameters that vary between the compared benchmarks."""
    values: dict[tuple[str, str], set[object]] = {}
    for c in found:
        for name, value in c.key[2]:
            values.setdefault((c.key[0], name), set()).add(value)
    labels = []
    for c in found:
        shown = tuple(p for p in c.key[2] if len(values[c.key[0], p[0]]) > 1)
        labels.append(f"{c.key[0]}/{c.key[1]}" + (f" ({format_params(shown)})" if shown else ""))
    return labels


def plot_compare(found: list[Comparison], out_dir: str | Path, formats: Sequence[str] = FORMATS,
                 title: str = "Compare") -> Path:
    """new/base per benchmark, in the model's colour: filled if a result, hatched if not."""
    labels = _labels(found)
    with figure(9.0, 1.4 + 0.3 * len(found)) as fig:
        ax = fig.subplots()
        ys = list(range(len(found)))[::-1]
        ratios = [c.ratio for c in found]
        for y, c in zip(ys, found, strict=True):
            color = model_color(c.key[1])
            if c.is_result:
                ax.barh(y, c.ratio - 1, left=1, height=0.6, color=color, edgecolor="black", lw=0.6)
            else:
                ax.barh(y, c.ratio - 1, left=1, height=0.6, facecolor="white", edgecolor=color,
                        hatch="////", lw=1.0)
            interval = c.versus.ratio
            if interval is not None:
                ax.errorbar(c.ratio, y, xerr=[[c.ratio - interval.low], [interval.high - c.ratio]],
                            fmt="none", ecolor="black", elinewidth=0.9, capsize=3)
                ratios += [interval.low, interval.high]
        ax.axvline(1.0, color="black", lw=0.8)
        ax.axvspan(1 / (1 + BAND), 1 + BAND, color="#e3e3e3", zorder=0, lw=0)  # the noise band
        # each change as a tick label of a right-hand axis, which the layout makes room for
        right = ax.secondary_yaxis("right")
        changes = [c.change + ("" if c.is_result else f" ({c.versus.kind})") for c in found]
        right.set_yticks(ys, changes, fontsize=8)
        right.tick_params(length=0)
        right.spines["right"].set_visible(False)
        ax.set_yticks(ys, labels)
        ax.set_ylim(-0.7, len(found) - 0.3)
        ax.grid(axis="y", visible=False)
        span = max(max(ratios), 1 / min(ratios)) * 1.1
        if span > 2:
            plain_log_axis(ax, "x")
            ax.set_xlim(1 / span, span)
            ax.set_xlabel("new / base, unpaired (log scale; left of 1 is faster)")
        else:
            # Changes of a few percent read better on a linear axis with visible ticks.
            half = max(span - 1, 0.05)
            ax.set_xlim(1 - half, 1 + half)
            ax.set_xlabel("new / base, unpaired (left of 1 is faster)")
        fig.suptitle(f"{title}: new / base")
        footnote(fig, "left of 1: new is faster   whiskers: 95% interval   grey: the noise band   "
                      f"filled: faster or slower beyond +-{BAND:.0%}   "
                      "hatched: no difference, undecided or no interval")
        return save(fig, Path(out_dir), "compare", formats)


def _environment(frame: pd.DataFrame) -> str:
    first = frame.iloc[0]
    return (f"{first['python_implementation']} {first['python_version']} on "
            f"{first['hostname']} ({first['cpu_model_name']}, {first['cpu_count']} CPUs), "
            f"profile {first['profile']}")


def compare_blocks(found: list[Comparison], only_base: list[Key], only_new: list[Key],
                   names: tuple[str, str], envs: tuple[str, str], chart: Path | None,
                   folder: str = "", *, differences: Sequence[str] = (), show_all: bool = False,
                   gate: Gate | None = None) -> list[Block]:
    """The comparison: machines that differ first, then the summary, then the changes (every row
    with ``show_all``); its chart linked from ``folder`` (default: beside the Markdown)."""
    failing = {c.key for c in gate.failing} if gate is not None else set()
    shown = [c for c in found if show_all or c.is_result or c.key in failing]
    blocks: list[Block] = [Heading(1, f"Compare `{names[1]}` against `{names[0]}`")]
    if differences:
        blocks.append(Para("**Not the same CPU, kernel or interpreter**: " + "; ".join(differences)
                           + ". Every ratio below holds that difference as well as any change of the "
                           "code: a CPU, kernel or interpreter of its own moves ratios by far more than "
                           "the noise band."))
    blocks.append(Para(summary(found) + (" " + gate.text if gate is not None else "")))
    blocks.append(Bullets((f"base: `{names[0]}`: {envs[0]}", f"new: `{names[1]}`: {envs[1]}")))
    if not shown:
        blocks.append(Para(f"No change beyond the noise band (`--all` lists all {len(found)} rows)."))
    else:
        # every ratio here is unpaired, as the text above the table says: no mark on each row
        rows = tuple((f"`{c.key[0]}`", c.key[1], format_params(c.key[2]), format_time(c.base.median),
                      format_time(c.new.median), format_ratio(c.ratio), c.change,
                      c.versus.bare_text + (" **over the gate**" if c.key in failing else ""),
                      c.pyperf.text) for c in shown)
        which = (f"All {len(found)} rows." if show_all or len(shown) == len(found) else
                 f"The {len(shown)} change(s) of {len(found)} rows (`--all` lists every row).")
        blocks += [
            Para(which + " Ratios are new / base (below 1.00x: new is faster), **unpaired**: two runs "
                 "share no rounds, so each side's geometric mean of per-round medians is estimated from "
                 "its own rounds, with a 95% interval from a bootstrap over each side's rounds (then "
                 "processes within a round). A drift between the two runs (another time, another machine) "
                 "is part of the ratio; nothing cancels it. **verdict**: faster or slower only when the "
                 f"whole interval lies beyond the noise band of +-{BAND:.0%}, **no difference** when it "
                 "lies inside, **undecided** when it crosses the band's edge; **no interval (measured "
                 "before rounds)**: a ratio of medians from a run made before rounds, not a verdict. "
                 "**pyperf compare_to**: what `pyperf compare_to` says of the same two benchmarks (its "
                 "t-test at 95% on every value pooled)."),
            Table(("scenario", "model", "parameters", "base", "new", "new/base", "time change", "verdict",
                   "pyperf compare_to"), rows, "lllrrrrll"),
        ]
        differing = [(c, why) for c in shown if (why := c.why_pyperf_differs) is not None]
        if differing:
            blocks += [Para(f"Where `pyperf compare_to` says otherwise ({len(differing)}), and why:"),
                       Bullets(tuple(f"`{c.key[0]}` {c.key[1]} ({format_params(c.key[2])}): {why}"
                                     for c, why in differing))]
    if chart is not None:
        blocks.append(chart_image(chart, "new/base per benchmark", folder))
    for keys, where in ((only_base, names[0]), (only_new, names[1])):
        if keys:
            blocks += [Para(f"Only in `{where}` ({len(keys)}), not compared:"),
                       Bullets(tuple(f"`{k[0]}` {k[1]} ({format_params(k[2])})" for k in keys))]
    return blocks


def default_compare_dir(base: Path, new: Path) -> Path:
    return new.with_name(f"{results_stem(new)}.compare-{results_stem(base)}")


@dataclass(frozen=True)
class Compared:
    """What :func:`run_compare` wrote and found."""

    path: Path  # compare.md
    #: compare.md's Markdown without its chart (the chart's link means nothing in a terminal)
    markdown: str
    #: the gate's outcome, when one was asked for
    gate: Gate | None
    #: the chart (None: no row to draw)
    chart: Path | None


def run_compare(base: str | Path, new: str | Path, out_dir: str | Path | None = None, *,
                scenarios: Sequence[str] = (), models: Sequence[str] = (), show_all: bool = False,
                fail_on_slower: float | None = None, allow_different_machines: bool = False) -> Compared:
    """Write compare.md (its chart linked relative to it) and the chart into ``out_dir``.

    Bad input is an :class:`AnalysisError` before anything is written: a file that cannot be
    read, a scenario or model neither run has, nothing in common, and a gate asked to judge
    runs of different machines without ``allow_different_machines``.
    """
    paths = [Path(base), Path(new)]
    frames = [load_results(p) for p in paths]
    names = tuple(file_labels(paths))
    runinfos = [read_runinfo(p) for p in paths]  # labelled as load_results labels a file on its own
    found, only_base, only_new = select(*compare_frames(frames[0], frames[1], runinfos), scenarios, models)
    if not found:
        chosen = " of the scenarios and models chosen" if scenarios or models else ""
        raise AnalysisError(f"{str(paths[0])!r} and {str(paths[1])!r} have no benchmark{chosen} in common "
                            "(same scenario, model and parameters): nothing to compare")
    differences = machine_differences(frames[0], frames[1])
    if fail_on_slower is not None and differences and not allow_different_machines:
        raise AnalysisError(f"the two runs differ in {differences[0]}" + (" and more" if len(differences) > 1
                                                                         else "")
                            + ": --fail-on-slower refuses to judge runs of different machines; add "
                            "--allow-different-machines to judge them anyway")
    gate = None if fail_on_slower is None else Gate(fail_on_slower, tuple(slower_than(found, fail_on_slower)))
    failing = {c.key for c in gate.failing} if gate is not None else set()
    drawn = [c for c in found if show_all or c.is_result or c.key in failing]
    out = Path(out_dir) if out_dir is not None else default_compare_dir(*paths)
    envs = (_environment(frames[0]), _environment(frames[1]))

    def blocks(chart: Path | None) -> list[Block]:
        return compare_blocks(found, only_base, only_new, (names[0], names[1]), envs, chart,
                              differences=differences, show_all=show_all, gate=gate)

    with Staging(out) as staging:
        title = f"{names[1]} against {names[0]}"
        chart = plot_compare(drawn, staging.dir, title=title) if drawn else None
        (staging.dir / "compare.md").write_text(to_markdown(blocks(chart)), encoding="utf-8")
        staging.publish(last="compare.md")
    return Compared(out / "compare.md", to_markdown(blocks(None)), gate,
                    out / chart.name if chart is not None else None)


def write_compare(base: str | Path, new: str | Path, out_dir: str | Path | None = None) -> tuple[Path, str]:
    """Write compare.md and its chart into ``out_dir``; return (compare.md, its Markdown)."""
    compared = run_compare(base, new, out_dir, show_all=True)
    return compared.path, compared.path.read_text(encoding="utf-8")
