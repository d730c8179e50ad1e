"""The warm-up policy: how each benchmark warms up before its values are timed, round by round.

* A benchmark of several loops is warmed up by one untimed, checked run of a session
  (``--warmup-runs 1``) instead of pyperf's warm-up of a whole value, when the profile says so
  (``RoundSettings.run_warmup``).
* A benchmark of one loop of at least ``warmup_free_s`` seconds whose first round's warm-up
  was within 5% of its values drops the warm-up from then on (``Track.settle_warmup``).
* Any other gets the profile's warm-ups per worker process.
"""

from __future__ import annotations

from typing import Any

from benchmarks.core.runrecord import Warmups
from benchmarks.harness.rounds import RoundSettings, Track


class WarmupPolicy:
    """Sets each benchmark's warm-up in pyperf's options before it is measured, and keeps what
    it decided for the run record."""

    def __init__(self, per_process: int, settings: RoundSettings) -> None:
        self.per_process = per_process  # the profile's, before any benchmark changed the options
        self.settings = settings
        self.dropped: list[str] = []  # benchmarks measured without warm-up after their first round
        self.one_run: set[str] = set()  # benchmarks warmed up by one untimed run instead

    def settle(self, track: Track) -> None:
        """Drop ``track``'s warm-up from its next round on, if its measurements so far allow it."""
        if self.settings.warmup_free_s is not None and self.per_process \
                and track.settle_warmup(self.settings.warmup_free_s):
            self.dropped.append(track.name)

    def apply(self, args: Any, track: Track) -> None:
        """Set the warm-up of ``track``'s next measurement in pyperf's options."""
        if self.per_process and self.settings.run_warmup and (track.loops or 1) > 1:
            args.warmups, args.warmup_runs = 0, 1  # one run warms up, not a whole value
            self.one_run.add(track.name)
        else:
            args.warmups = self.per_process if track.warmups is None else track.warmups
            args.warmup_runs = 0

    def record(self) -> Warmups:
        return Warmups(per_process=self.per_process, free_after_first_round_s=self.settings.warmup_free_s,
                       dropped=tuple(sorted(self.dropped)), one_run=len(self.one_run))
