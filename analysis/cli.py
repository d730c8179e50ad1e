"""Command line: ``python -m analysis report|compare|csv``.

``compare`` exits 1 when its gate (``--fail-on-slower``) finds a slowdown.

Bad input (a missing, empty, corrupt or foreign file, nothing to compare, an
output path that cannot or must not be written) is one line on stderr,
``python -m analysis: error: ...``, and exit status 2, with nothing written.  Output paths are
checked before any results file is read (:mod:`benchmarks.core.outputs`): ``-o`` of ``report``
and ``compare`` must be a new or empty folder or one the suite wrote; ``csv -o`` a new file or
a CSV the suite wrote.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import NoReturn

from benchmarks.core.stopping import command

from .compare import default_compare_dir, run_compare
from .data.load import AnalysisError, load_results
from .render.output import check_csv_target, check_output_folder, write_csv
from .render.progress import Progress
from .report import default_report_dir, write_report

PROG = "python -m analysis"
BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line."""

    def error(self, message: str) -> NoReturn:
        self.exit(BAD_INPUT, f"{PROG}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, allow_abbrev=False,
                     description="Turn concbench results files into a report, a CSV or a comparison.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{report,compare,csv}")

    rp = sub.add_parser("report", allow_abbrev=False,
                        help="write report.md/.html, diagnostics.md/.html, summary.md, results.csv and "
                             "charts; print where report.md, report.html and summary.md are (summary last)")
    rp.add_argument("results", nargs="*", metavar="RESULTS.json", help="one or more results files")
    rp.add_argument("--latest", nargs="?", const="results", metavar="DIR",
                    help="report the newest results file in DIR (default: results)")
    rp.add_argument("--newer-than", metavar="FILE",
                    help="with --latest: fail unless that file was written after FILE "
                         "(so `make bench` never reports an older run)")
    rp.add_argument("-o", "--output-dir", metavar="OUTDIR",
                    help="where to write (default: <first results file without .json>.report/)")
    rp.add_argument("--baseline", metavar="MODEL",
                    help="model the speedups are measured against (default: sequential)")

    cp = sub.add_parser("compare", allow_abbrev=False,
                        help="compare every common benchmark of two results files; print a summary and "
                             "the changes; with --fail-on-slower, a CI gate",
                        description="Compare the benchmarks two results files have in common: a summary "
                                    "(how many are faster, slower, no different, undecided), then the "
                                    "changes (--all: every row), written to compare.md with a chart. Runs "
                                    "of different CPUs, kernels or interpreters are named first. Exit "
                                    "status: 0, or 1 when --fail-on-slower finds a ratio slower than its "
                                    "threshold over its whole interval; 2 for bad input.")
    cp.add_argument("base", metavar="BASE.json")
    cp.add_argument("new", metavar="NEW.json")
    cp.add_argument("-o", "--output-dir", metavar="OUTDIR",
                    help="where to write compare.md and its chart (default: <NEW>.compare-<BASE>/)")
    cp.add_argument("--all", action="store_true", dest="show_all",
                    help="list every common benchmark, not only the changes")
    cp.add_argument("--scenario", action="append", default=[], metavar="S",
                    help="compare only this scenario (repeatable)")
    cp.add_argument("--model", action="append", default=[], metavar="M",
                    help="compare only this model (repeatable)")
    cp.add_argument("--fail-on-slower", type=percentage, metavar="PERCENT",
                    help="exit 1 when any new/base ratio's whole 95%% interval is above 1 + PERCENT "
                         "(e.g. 5%%); refuses runs of different machines (exit 2)")
    cp.add_argument("--allow-different-machines", action="store_true",
                    help="let --fail-on-slower judge runs of different CPUs, kernels or interpreters")

    cs = sub.add_parser("csv", allow_abbrev=False, help="write every measured value as CSV")
    cs.add_argument("results", nargs="+", metavar="RESULTS.json")
    cs.add_argument("-o", "--output", required=True, metavar="FILE.csv")
    return parser


def percentage(text: str) -> float:
    """``5%`` (or ``5``) -> 0.05."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        value = math.nan
    if not (0 <= value < 1000):
        raise argparse.ArgumentTypeError(f"invalid percentage {text!r}: expected e.g. 5% (0 to 999)")
    return value / 100


def newest_results(directory: Path, newer_than: Path | None = None) -> Path:
    """The most recently written ``*.json`` in ``directory`` (after ``newer_than``, if given)."""
    if not directory.is_dir():
        raise AnalysisError(f"results directory {str(directory)!r} does not exist")
    found = [(p.stat().st_mtime_ns, p.name, p) for p in directory.glob("*.json")
             if not p.name.startswith(".")]
    if newer_than is not None:
        if not newer_than.exists():
            raise AnalysisError(f"{str(newer_than)!r} does not exist")
        after = newer_than.stat().st_mtime_ns
        found = [item for item in found if item[0] > after]
    if not found:
        since = f" written after {str(newer_than)!r}" if newer_than is not None else ""
        raise AnalysisError(f"no results file in {str(directory)!r}{since}")
    return max(found)[2]


def _report(ns: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    paths = [Path(p) for p in ns.results]
    if ns.latest is not None:
        if paths:
            parser.error("give results files or --latest, not both")
        paths = [newest_results(Path(ns.latest), Path(ns.newer_than) if ns.newer_than else None)]
    elif ns.newer_than:
        parser.error("--newer-than needs --latest")
    if not paths:
        parser.error("report: give one or more results files, or --latest")
    check_output_folder(Path(ns.output_dir) if ns.output_dir else default_report_dir(paths[0]))
    markdown = Path(os.path.abspath(write_report(*paths, out_dir=ns.output_dir, baseline=ns.baseline,
                                                 progress=Progress())))
    print(markdown)
    print(markdown.with_name("report.html"))
    print(markdown.with_name("summary.md"))  # last: what to paste into a pull request (make bench ends on it)
    return 0


def _compare(ns: argparse.Namespace) -> int:
    check_output_folder(Path(ns.output_dir) if ns.output_dir else default_compare_dir(Path(ns.base),
                                                                                          Path(ns.new)))
    compared = run_compare(ns.base, ns.new, ns.output_dir, scenarios=ns.scenario, models=ns.model,
                           show_all=ns.show_all, fail_on_slower=ns.fail_on_slower,
                           allow_different_machines=ns.allow_different_machines)
    print(compared.markdown, end="")
    where = Path(os.path.abspath(compared.path))
    chart = f" (chart: {where.with_name(compared.chart.name)})" if compared.chart is not None else ""
    print(f"\nWritten: {where}{chart}")
    return 1 if compared.gate is not None and compared.gate.failing else 0


def main(argv: list[str] | None = None) -> int:
    """The command's exit status; SIGINT, SIGTERM or SIGHUP: one line, 130, 143 or 129, and no
    report folder half written (:class:`analysis.render.output.Staging`)."""
    words = sys.argv[1:] if argv is None else argv
    return command(PROG, lambda: _main(words), words, for_good=argv is None)


def _main(argv: list[str]) -> int:
    parser = build_parser()
    ns = parser.parse_args(argv)
    try:
        if ns.command == "report":
            return _report(ns, parser)
        if ns.command == "compare":
            return _compare(ns)
        check_csv_target(Path(ns.output))
        print(write_csv(load_results(*ns.results), ns.output))
        return 0
    except AnalysisError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return BAD_INPUT
