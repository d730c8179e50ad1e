"""Does a workload file measure what the suite measures?  examples/hashing.py against cpu_hash.

    .venv/bin/python tools/validity.py [--size-kib 1024] [--budget 3m]   (make validity)
    .venv/bin/python tools/validity.py --results FILE                     (judge a run already made)

The example and the built-in scenario do the same work (32 SHA-256 units of `size_kib` KiB).  One
run measures both with sequential and threads, interleaved in the same rounds.  For each scenario
the paired threads/sequential time ratio and its 95% interval come from the suite's statistics
(benchmarks.stats.judge, as the report computes them).  The two agree when their intervals
overlap: two estimates of one ratio, each with its own noise, land outside each other's interval
often (about one time in six when the intervals are equally wide), while intervals that do not
overlap mean a difference beyond both noises.  Whether each estimate lies inside the other's
interval is printed too.  Exit status: 0 agree, 1 disagree, 2 bad input or an unfinished run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from anywhere: the suite's modules are imported

from analysis.data.bundle import analyse  # noqa: E402
from analysis.data.load import AnalysisError, load_results, read_runinfo  # noqa: E402
from benchmarks.stats.paired import Ratio  # noqa: E402

EXAMPLE = REPO / "examples" / "hashing.py"
#: scenario name -> its parameter that counts units
SCENARIOS = {"cpu_hash": "n", "hashing": "units"}
UNITS = 32
MODEL, BASELINE = "threads", "sequential"


class BadInput(Exception):
    """One line, exit status 2."""


@dataclass(frozen=True)
class Judged:
    scenario: str
    point: dict[str, object]  # units and size_kib, whatever the scenario calls them
    ratio: Ratio  # threads / sequential time, with its 95% interval


def judge_file(path: Path) -> list[Judged]:
    """The threads/sequential ratio of each scenario of :data:`SCENARIOS` in one results file."""
    try:
        info = read_runinfo(path)
        found = analyse(load_results(path), [info])
    except AnalysisError as exc:
        raise BadInput(str(exc)) from None
    out = []
    for scenario, units in SCENARIOS.items():
        pick = {m: [s for s in found.samples if s.scenario == scenario and s.model == m]
                for m in (MODEL, BASELINE)}
        if any(len(samples) != 1 for samples in pick.values()):
            raise BadInput(f"{path}: expected one {MODEL} and one {BASELINE} benchmark of {scenario}, found "
                           f"{len(pick[MODEL])} and {len(pick[BASELINE])}")
        a, b = pick[MODEL][0], pick[BASELINE][0]
        versus = found.judge(a, b)
        if versus.ratio is None:
            raise BadInput(f"{path}: {scenario}: {versus.why}")
        params = dict(b.params)
        out.append(Judged(scenario, {"units": params.get(units), "size_kib": params.get("size_kib")},
                          versus.ratio))
    if len({str(j.point) for j in out}) != 1:
        raise BadInput(f"{path}: the two scenarios ran different work: "
                       + "; ".join(f"{j.scenario} {_point(j)}" for j in out))
    return out


def inside(x: float, r: Ratio) -> bool:
    return r.low <= x <= r.high


def _point(j: Judged) -> str:
    return ", ".join(f"{k}={v}" for k, v in j.point.items())


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def verdict(judged: list[Judged]) -> tuple[bool, list[str]]:
    """(they agree, the lines that say so): intervals overlap; each estimate in the other's interval."""
    a, b = judged
    lines = [f"{j.scenario:>9}: {MODEL}/{BASELINE} time {j.ratio.estimate:.4f} [{j.ratio.low:.4f}-"
             f"{j.ratio.high:.4f}] over {j.ratio.rounds} rounds, {_point(j)}" for j in judged]
    overlap = a.ratio.low <= b.ratio.high and b.ratio.low <= a.ratio.high
    a_in_b, b_in_a = inside(a.ratio.estimate, b.ratio), inside(b.ratio.estimate, a.ratio)
    lines.append(f"intervals overlap: {_yes(overlap)}; {a.scenario}'s estimate in {b.scenario}'s interval: "
                 f"{_yes(a_in_b)}; {b.scenario}'s in {a.scenario}'s: {_yes(b_in_a)}")
    lines.append("agree: the example measures what cpu_hash measures" if overlap
                 else "DISAGREE: the example and cpu_hash measure different ratios")
    return overlap, lines


#: loops of every value, the same for the four benchmarks (see ``run``)
LOOPS = 8


def run(size_kib: int, budget: str, out: Path, extra: tuple[str, ...] = ()) -> int:
    """One run of both scenarios under both models; ``extra``: more options for ``concbench run``."""
    # each --param is known to one of the two scenarios: the harness takes a parameter any selected one has
    cmd = [sys.executable, "-m", "concbench", "run", "--plugin", str(EXAMPLE), *(a for s in SCENARIOS for a in
           ("--scenario", s)), "--model", BASELINE, "--model", MODEL, "--param", f"units={UNITS}",
           "--param", f"n={UNITS}", "--param", f"size_kib={size_kib}", "--budget", budget, "-o", str(out),
           # ask's rounds: until every interval is within +-2% and decided, or the budget (default's
           # at most 12 rounds left the intervals at +-7% here)
           "--profile", "ask",
           # the same loops for all four: a value is `loops` runs of a fresh session whose first run
           # is slower, so benchmarks of different loops hold different shares of it (measured here:
           # hashing's threads/sequential 0.78 at 4 loops against cpu_hash's 0.68 at 8, in the same
           # rounds; 0.67 and 0.68 with 8 loops each)
           "--loops", str(LOOPS),
           *extra]
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=REPO, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-kib", type=int, default=1024, help="KiB hashed per unit (default 1024)")
    parser.add_argument("--budget", default="3m", help="the run's time budget (default 3m)")
    parser.add_argument("--results", type=Path, help="judge this results file instead of running")
    parser.add_argument("-o", "--output", type=Path,
                        help="where the run writes (default results/<time>_validity.json)")
    args = parser.parse_args(argv)
    try:
        if args.size_kib < 1:
            raise BadInput(f"invalid --size-kib {args.size_kib}: expected an integer >= 1")
        path = args.results
        if path is None:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            path = args.output or REPO / "results" / f"{stamp}_validity.json"
            status = run(args.size_kib, args.budget, path)
            if status != 0:
                raise BadInput(f"the run exited with status {status}: nothing to judge")
        agree, lines = verdict(judge_file(path))
    except BadInput as exc:
        print(f"validity: {exc}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
