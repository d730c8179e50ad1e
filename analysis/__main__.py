"""Entry point of ``python -m analysis``: Ctrl-C, SIGTERM and SIGHUP are handled
(:mod:`benchmarks.core.stopping`) before pandas and matplotlib load, so a signal at any moment is
one line, not a traceback of an import."""

import sys

from benchmarks.core.stopping import command


def _main() -> int:
    from analysis.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(command("python -m analysis", _main, sys.argv, for_good=True))
