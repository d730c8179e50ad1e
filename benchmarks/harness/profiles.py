"""Profiles: how much measuring a run does (parameters, pyperf settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    help: str
    quick_params: bool
    pyperf_args: tuple[str, ...]


# Each worker gets a timeout so a hung pair fails instead of stalling the run.
_TIMEOUT = ("--timeout", "900")

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("quick", "smaller parameters, 1 process x 3 values, 1 loop, pyperf warnings hidden: "
                "a smoke run, not for citing",
                True, ("--processes", "1", "--values", "3", "--warmups", "1", "--loops", "1", "--quiet",
                         *_TIMEOUT)),
        Profile("default", "default parameters, 10 processes x 3 values, calibrated loops",
                False, ("--processes", "10", "--values", "3", "--warmups", "1", *_TIMEOUT)),
        Profile("rigorous", "default parameters, pyperf --rigorous (40 processes x 3 values)",
                False, ("--rigorous", *_TIMEOUT)),
    )
}
