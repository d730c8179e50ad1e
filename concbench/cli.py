"""The ``concbench`` command: one entry point for the suite's verbs.

``run`` and ``list`` (and the verbs scenarios add) are the harness's
(:mod:`benchmarks.cli`); ``report``, ``compare`` and ``csv`` the analysis's
(:mod:`analysis.cli`); ``ask`` is this package's own (:mod:`concbench.ask`).
``python -m benchmarks`` and ``python -m analysis`` keep working: this module only routes.
"""

from __future__ import annotations

import sys

ANALYSIS_VERBS = ("report", "compare", "csv")
USAGE = "usage: concbench {ask,run,list,report,compare,csv,...} [options]  (concbench VERB --help)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "ask":
        from concbench.ask import main as ask_main
        return ask_main(argv[1:])
    if argv[0] in ANALYSIS_VERBS:
        from analysis.cli import main as analysis_main
        return analysis_main(argv)
    from benchmarks.cli import main as harness_main
    return harness_main(argv)
