"""processes: a ProcessPoolExecutor of ``workers`` processes runs the units.

The start method is a parameter (default: the platform's) and is always
recorded.  ``workers=0`` means one process per CPU (never more than the
scenario lets run at once).  Units travel by pickle, ``chunksize`` at a time
(``ProcessPoolExecutor.map``'s default is 1).  The pool is created, every
worker started and the scenario module imported in each before timing.
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.pools import ProcessPool


class Processes(Model):
    name = "processes"
    summary = "ProcessPoolExecutor of `workers` processes, start method recorded"
    capability = ProcessPool(chunked=True)


MODEL = Processes()
