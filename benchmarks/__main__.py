"""Entry point of ``python -m benchmarks``.

The guard matters: process pools with the forkserver or spawn start method
re-import the main module in every child.
"""

import sys

from benchmarks.cli import main

if __name__ == "__main__":
    sys.exit(main())
