"""Where each benchmark's loops come from, held fixed in every round.

With loops 0 (pyperf's "calibrate"), a pilot in the verification's session picks each
benchmark's loops once, instead of a calibration process of pyperf's per benchmark (which
doubled the cost of a default run's first round).  Loops are picked once per machine and
interpreter: a run reuses those an earlier run kept in the loops cache beside the results.
A resumed run keeps its earlier loops; ``--loops`` gives them outright.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.core.runrecord import Loops
from benchmarks.harness.loopcache import FILE_NAME, LoopCache, cache_key
from benchmarks.harness.plan import Case
from benchmarks.harness.progress import Console
from benchmarks.harness.rounds import Track

#: benchmark metadata: where its loops came from (pilot, an earlier run's cache, --loops)
LOOPS_FROM = "loops_from"


class LoopSource:
    """The loops of a run's benchmarks: the pilot's, the cache's, a resumed run's or --loops."""

    def __init__(self, args: Any, results: Path, console: Console) -> None:
        self.pilot_min_time = args.min_time if not args.loops else None
        self.cache = LoopCache.beside(results, cache_key(args.min_time, os.environ.get("PYTHON_GIL"))) \
            if self.pilot_min_time else None
        self.kept = self.cache.load() if self.cache is not None and not args.fresh_loops else {}
        if self.cache is not None and self.cache.problem:
            console.say(f"WARNING: loops picked afresh, the loops cache is unreadable: {self.cache.problem}")
        #: the loops the pilot picked during verification
        self.pilot: dict[str, int] = {}
        #: benchmark -> where its loops came from (a benchmark not here: --loops)
        self.origin: dict[str, str] = {}

    def pilot_for(self, case: Case) -> float | None:
        """The pilot's minimum time for ``case``'s verification; None: no pilot, loops are known."""
        return None if case.name in self.kept else self.pilot_min_time

    def save(self, console: Console) -> None:
        """Keep the pilot's loops in the cache for the runs to come."""
        if self.cache is not None:
            before = self.cache.problem
            self.cache.save(self.pilot)
            if self.cache.problem != before:
                console.say(f"WARNING: loops cache: {self.cache.problem}")

    def assign(self, tracks: Sequence[Track]) -> None:
        """Give each track its loops: a resumed track keeps its own, then the cache's, the pilot's."""
        for track in tracks:
            if track.loops is not None:  # the resumed run's, and what it said of them
                self.origin[track.name] = str(next((run.get_metadata().get(LOOPS_FROM) for run in track.runs
                                                    if LOOPS_FROM in run.get_metadata()), "the resumed run"))
            elif track.name in self.kept:
                track.loops, self.origin[track.name] = self.kept[track.name], f"an earlier run ({FILE_NAME})"
            elif track.name in self.pilot:
                track.loops, self.origin[track.name] = self.pilot[track.name], "pilot"

    def origin_of(self, name: str) -> str:
        return self.origin.get(name, "--loops")

    def record(self) -> Loops:
        return Loops(cache=str(self.cache.path) if self.cache is not None else None,
                     sources=dict(sorted(Counter(self.origin.values()).items())))
