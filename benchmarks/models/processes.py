"""processes: a ProcessPoolExecutor of ``workers`` processes runs the units.

The start method is a parameter (default: the platform's) and is always
recorded.  ``workers=0`` means one process per CPU (never more than the
scenario lets run at once).  Units travel by pickle, ``chunksize`` at a time
(``ProcessPoolExecutor.map``'s default is 1).  The pool is created, every
worker started and the scenario module imported in each before timing.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor

from benchmarks.core.contract import Model, Session
from benchmarks.core.params import WORKERS, Param, Value
from benchmarks.core.pools import START_METHOD, new_process_pool, process_pool_size
from benchmarks.core.work import Work
from benchmarks.models.threads import PoolSession

CHUNKSIZE = Param("chunksize", int, (1,), "units per pickled task (ProcessPoolExecutor.map)", minimum=1)


def process_metadata(work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
    size = process_pool_size(work, int(params["workers"]))
    return {"pool_size": size, "concurrency_limit": size, "start_method": str(params["start_method"])}


def open_process_pool(work: Work, params: Mapping[str, Value]) -> ProcessPoolExecutor:
    size = process_pool_size(work, int(params["workers"]))
    return new_process_pool(size, str(params["start_method"]), work.call, work.process_init)


class Processes(Model):
    name = "processes"
    summary = "ProcessPoolExecutor of `workers` processes, start method recorded"
    params = (WORKERS, START_METHOD, CHUNKSIZE)

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return process_pool_size(work, int(params["workers"]))

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        return {**process_metadata(work, params), "chunksize": int(params["chunksize"])}

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        pool = open_process_pool(work, params)
        return PoolSession(pool, work, chunksize=int(params["chunksize"]))


MODEL = Processes()
