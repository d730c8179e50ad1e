"""gevent: the blocking units in greenlets of a monkey-patched worker process.

``time.sleep`` and sockets cooperate once patched, so sleep_fanout, rpc_fanout,
spawn and retry run the very same ``call`` as the threads model, one greenlet
per unit (a ``gevent.pool.Pool`` for a concurrency limit); CPU units and file
I/O go through gevent's threadpool, sized as the threads model's pool.  gevent
runs only in processes of its own (see :mod:`benchmarks.runtimes.greenlets`).
"""

from __future__ import annotations

from benchmarks.core.contract import Model
from benchmarks.runtimes.greenlets import Greenlets


class Gevent(Model):
    name = "gevent"
    summary = "greenlets in a monkey-patched worker (its threadpool for CPU and file units)"
    capability = Greenlets()


MODEL = Gevent()
