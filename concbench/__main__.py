"""Entry point of ``python -m concbench``.

The guard matters: process pools with the forkserver or spawn start method
re-import the main module in every child.
"""

import sys

from concbench.cli import main

if __name__ == "__main__":
    sys.exit(main())
