"""Entry point of ``python -m benchmarks``.

The guard matters: process pools with the forkserver or spawn start method
re-import the main module in every child.  Ctrl-C, SIGTERM and SIGHUP are handled
(:mod:`benchmarks.core.stopping`) before the command's modules are imported: a
signal while they load is one line too, not a traceback of an import.
"""

import sys

from benchmarks.core.stopping import command


def _main() -> int:
    from benchmarks.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(command("python -m benchmarks", _main, sys.argv, for_good=True))
