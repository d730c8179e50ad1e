"""Profiles: how much measuring a run does: parameters, pyperf's settings per worker, rounds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    help: str
    quick_params: bool
    #: pyperf's settings of every worker process; ``--processes`` counts processes per round
    pyperf_args: tuple[str, ...]
    min_rounds: int
    max_rounds: int
    #: seconds for the whole run (verification included); None: as many rounds as max_rounds
    budget_s: float | None
    #: stop measuring a comparison once its interval's half-width is at most this
    target: float
    #: after its first round, a benchmark whose runs last this long (seconds) and whose warm-up
    #: changed nothing is measured without warm-up (``Track.settle_warmup``); None: never
    warmup_free_s: float | None = None
    #: a benchmark of several loops warms up with one untimed run of one session instead of
    #: pyperf's warm-up (a whole value: ``loops`` runs)
    run_warmup: bool = False
    #: also keep measuring a comparison whose interval is narrow enough but straddles an edge of the
    #: +-2% band (an "undecided" verdict), until the budget is spent: a question wants a verdict
    decide: bool = False


# Where the variance is (Kalibera and Jones): between rounds, as the machine drifts, far more than
# between values of one process.  So the default profile spends its time on rounds: one value of
# 50 ms or more per process.  Measured on two back-to-back runs of the full matrix with 8 rounds
# of 2 values (the README's 22-minute pair; not committed): taking only each process's first
# value, two runs' ratios agreed within 5% as often (200 of 221, against 199), and a round costs
# a quarter less.  (pyperf's own default, 3 values of 100 ms, made a round twice as long again.)
# The warm-up stays where it matters: in a fresh worker the first value was 5% or more slower
# than the others' mean in 21% of 857 measurements, up to 2x for trio's and anyio's cold spawns,
# and 26% of warm-ups of runs shorter than 0.2 s were (process pools' first calls).  Its cost
# follows what a benchmark needs:
# - several loops: one untimed run of one session (``--warmup-runs 1``), not pyperf's warm-up of
#   a whole value (``loops`` runs; 16 s of a round of the full matrix).  Measured with both (398
#   values): after the one run, pyperf's warm-up was still 5% or more slower than the value in
#   22% of cases (median +0.7%), against 26% (median +1.2%) without it, and 20% (+0.2%) for a
#   process's first value against its second after a whole warm-up.
# - one loop of 0.2 s or more: no warm-up after the first round if that round's warm-up was within
#   5% of its value (``Track.settle_warmup``); of 178 such warm-ups in the 8-round runs, 1 was over
#   5% away, and they were 17 of a round's ~200 s.
# - one loop shorter than that: pyperf's warm-up, which is one run.
# Each worker gets a timeout so a hung pair fails instead of stalling the run.
_TIMEOUT = ("--timeout", "300")
#: the default profile's pyperf settings (its comment above says why), which `ask` shares
_ONE_VALUE = ("--processes", "1", "--values", "1", "--warmups", "1", "--min-time", "0.05", "--quiet",
              *_TIMEOUT)

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("quick", "smaller parameters, each model at its first variant, 2 rounds of 1 process "
                "x 1 value without warm-up, 1 loop: a smoke run, not for citing",
                True, ("--processes", "1", "--values", "1", "--warmups", "0", "--loops", "1", "--quiet",
                       "--timeout", "120"),
                min_rounds=2, max_rounds=2, budget_s=None, target=0.05),
        Profile("default", "default parameters, at least 3 rounds of 1 process x (1 warm-up + 1 value of "
                "50 ms or more; loops chosen once, before the rounds; the warm-up is one untimed run for "
                "benchmarks of several loops, and none after the first round for runs of 0.2 s or more "
                "that it did not change), more until every interval is within +-2% or 14 minutes are "
                "spent",
                False, _ONE_VALUE,
                min_rounds=3, max_rounds=12, budget_s=14 * 60, target=0.02, warmup_free_s=0.2,
                run_warmup=True),
        # `concbench ask`: one scenario, 2-3 models, one parameter point.  The default profile's
        # pyperf settings, target and minimum, for the reasons above; more rounds until every
        # interval is within the target or the budget of the whole command (2 minutes,
        # verification included) is spent.  The cap of 250 rounds is there so that the budget,
        # not the cap, stops the cheapest pairs: cpu_hash's threads against processes at n=32,
        # size_kib=64 (about 1-3 ms a run) took 150 rounds in 89 s here (0.59 s a round of two,
        # worker start-up dominating), and its interval was still +-2.3% after them (a per-round
        # spread of the log ratio of about 14% on the shared VM: the half-width is about
        # 2 x spread / sqrt(rounds)).
        Profile("ask", "for `concbench ask`: default parameters at one point, the default profile's "
                "rounds (at least 3, 1 process x (1 warm-up + 1 value of 50 ms or more)), more until "
                "every interval is within +-2% and its verdict decided, or 2 minutes are spent",
                False, _ONE_VALUE,
                min_rounds=3, max_rounds=250, budget_s=2 * 60, target=0.02, warmup_free_s=0.2,
                run_warmup=True, decide=True),
        Profile("rigorous", "default parameters, at least 6 rounds of 2 processes x 3 values, more until "
                "every interval is within +-1% or an hour is spent",
                False, ("--processes", "2", "--values", "3", "--warmups", "1", "--quiet", *_TIMEOUT),
                min_rounds=6, max_rounds=40, budget_s=60 * 60, target=0.01),
    )
}
