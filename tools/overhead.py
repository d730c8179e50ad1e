"""What the harness adds to a measured value: the suite's timed call against a bare script.

For a few pairs, this alternates, round after round in one process, the exact function
pyperf's workers time (benchmarks.harness.worker.make_time_func: a fresh session per value,
opened outside the clock, ``loops`` runs, results checked after the clock) with a bare
script doing the same work with nothing around it (a fresh loop or pool made outside its
clock as well), and reports both per unit with the paired ratio and its interval
(benchmarks.stats.paired).  Run it on a quiet machine:

    .venv/bin/python tools/overhead.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from benchmarks import plan
from benchmarks.harness.worker import make_time_func
from benchmarks.scenarios import spawn
from benchmarks.stats.paired import paired_ratio, verdict


def bare_gather(n: int) -> Callable[[], float]:
    def timed() -> float:
        loop = asyncio.new_event_loop()
        try:
            start = time.perf_counter()
            loop.run_until_complete(_gather(n))
            return time.perf_counter() - start
        finally:
            loop.close()
    return timed


async def _gather(n: int) -> list[int]:
    return await asyncio.gather(*[spawn.aunit(i) for i in range(n)])


async def _create_tasks(n: int) -> list[int]:
    tasks = [asyncio.create_task(spawn.aunit(i)) for i in range(n)]
    return [await task for task in tasks]


def bare_tasks(n: int) -> Callable[[], float]:
    """What a hand-written loop of create_task costs: no gather (for the note below)."""
    def timed() -> float:
        loop = asyncio.new_event_loop()
        try:
            start = time.perf_counter()
            loop.run_until_complete(_create_tasks(n))
            return time.perf_counter() - start
        finally:
            loop.close()
    return timed


def bare_pool_map(n: int, workers: int) -> Callable[[], float]:
    def timed() -> float:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(spawn.unit, range(workers)))  # start its threads outside the clock
            start = time.perf_counter()
            list(pool.map(spawn.unit, range(n)))
            return time.perf_counter() - start
    return timed


def bare_loop(n: int) -> Callable[[], float]:
    def timed() -> float:
        unit = spawn.unit
        start = time.perf_counter()
        [unit(i) for i in range(n)]
        return time.perf_counter() - start
    return timed


PAIRS: list[tuple[str, dict[str, list[str]], Callable[[int], Callable[[], float]]]] = [
    ("asyncio", {"n": ["100000"], "lifecycle": ["warm"], "api": ["gather"], "task_factory": ["default"]},
     bare_gather),
    ("threads", {"n": ["20000"], "lifecycle": ["warm"], "workers": ["4"]}, lambda n: bare_pool_map(n, 4)),
    ("sequential", {"n": ["100000"], "lifecycle": ["warm"]}, bare_loop),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    for model, params, bare_for in PAIRS:
        (case,), _ = plan(["spawn"], [model], params)
        n = case.work.n
        bare = bare_for(n)
        suite = make_time_func(case, None)
        contenders: dict[str, Callable[[], float]] = {"suite": partial(suite, 1), "bare": bare}
        if model == "asyncio":  # gather's own cost, against awaiting tasks made one by one
            contenders["create_task"] = bare_tasks(n)
        rounds: dict[str, dict[int, list[list[float]]]] = {name: {} for name in contenders}
        for r in range(args.rounds):
            order = list(contenders.items())
            for name, timed in order if r % 2 == 0 else order[::-1]:
                rounds[name][r] = [[timed()]]
        per_unit = {name: statistics.median(v[0][0] for v in rs.values()) / n * 1e6
                    for name, rs in rounds.items()}
        ratio = paired_ratio(rounds["suite"], rounds["bare"])
        assert ratio is not None
        print(f"{case.name}: suite {per_unit['suite']:.2f} us/unit, bare {per_unit['bare']:.2f} us/unit, "
              f"suite/bare {verdict(ratio).text} over {ratio.rounds} rounds")
        if "create_task" in rounds:
            gather_cost = paired_ratio(rounds["bare"], rounds["create_task"])
            assert gather_cost is not None
            print(f"  a bare gather against a bare create_task loop ({per_unit['create_task']:.2f} us/unit): "
                  f"{verdict(gather_cost).text}")


if __name__ == "__main__":
    main()
