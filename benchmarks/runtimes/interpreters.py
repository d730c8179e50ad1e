"""InterpreterPool: a pool of subinterpreters, each with its own GIL, runs the units in parallel.

PEP 684 gives each isolated subinterpreter its own GIL, so pure-Python units run in parallel
inside one process, as threads do on a free-threaded build and processes do anywhere.  On
Python 3.14+ the pool is ``concurrent.futures.InterpreterPoolExecutor``.  On 3.13 it is built
on the low-level ``_interpreters`` module: ``workers`` isolated interpreters (default one per
CPU), each driven by a thread of the main interpreter that blocks in ``_interpreters.exec``
while its interpreter runs a unit (releasing the main GIL).  Older Pythons: unsupported.

How work crosses: the unit (a module-level function bound with ``functools.partial``) is
pickled once and unpickled in every interpreter when the pool starts, which imports the
scenario's module there; then each unit's index crosses as an int and its result comes back
pickled, length-prefixed, over a pipe of that interpreter's own.  Creating the interpreters
(about 7 ms each here) and that import are outside the timed region, as a process pool's
start-up is; the ``spawn`` scenario's ``lifecycle=cold`` times them.
"""

from __future__ import annotations

import builtins
import os
import pickle
import queue
import sys
import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from benchmarks.core.contract import Capability, Session
from benchmarks.core.params import WORKERS, Param, Value
from benchmarks.core.work import Work
from benchmarks.runtimes.pools import PoolSession
from benchmarks.runtimes.startup import process_pool_size

try:  # 3.13: the low-level module (3.12's lacks exec of a function and per-interpreter GIL configs)
    import _interpreters  # type: ignore[import-not-found]
except ImportError:
    _interpreters = None
try:  # 3.14+
    from concurrent.futures import InterpreterPoolExecutor  # type: ignore[attr-defined]
except ImportError:
    InterpreterPoolExecutor = None


def _step() -> None:  # runs inside a subinterpreter, in its __main__ (names set by the pool)
    result = pickle.dumps(_unit(_i))  # type: ignore[name-defined]  # noqa: F821
    os.write(_out, len(result).to_bytes(4, "little") + result)  # type: ignore[name-defined]  # noqa: F821


def _reraised(failure: Any) -> BaseException:
    """The exception a unit raised in a subinterpreter, as this interpreter can raise it: the same
    built-in type with the same message (a snapshot crosses, not the object), else RuntimeError;
    the subinterpreter's traceback rides along as the cause."""
    kind = getattr(builtins, failure.type.__name__, None) if failure.type.__module__ == "builtins" else None
    cause = RuntimeError(f"in a subinterpreter: {failure.formatted}")
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            error = kind(failure.msg)
        except Exception:  # a built-in that takes other arguments
            error = cause
    else:
        error = cause
    if error is not cause:
        error.__cause__ = cause
    return error


class _Interpreter:
    """One isolated interpreter with the unit loaded, and the pipe its results come back on."""

    def __init__(self, unit: bytes) -> None:
        self.id = _interpreters.create(_interpreters.new_config("isolated"))
        self.read_fd, self.write_fd = os.pipe()
        try:
            self._exec(f"import os, pickle, sys\nsys.path[:] = {sys.path!r}\n"
                       f"_unit = pickle.loads({unit!r})\n_out = {self.write_fd}\n")
        except BaseException:
            self.close()
            raise

    def _exec(self, code: Any, shared: dict[str, Any] | None = None) -> None:
        failure = _interpreters.exec(self.id, code, shared or {})  # 3.13.5 refuses None
        if failure is not None:
            raise _reraised(failure)

    def run(self, i: int) -> int:
        self._exec(_step, {"_i": i})
        size = int.from_bytes(self._read(4), "little")
        result: int = pickle.loads(self._read(size))
        return result

    def _read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = os.read(self.read_fd, size - len(data))
            if not chunk:
                raise RuntimeError("a subinterpreter's result pipe closed")
            data += chunk
        return data

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            os.close(fd)
        _interpreters.destroy(self.id)


def _loaded(unit: object) -> int:
    """Receiving ``unit`` makes an interpreter import the scenario's module now."""
    del unit
    return 0


_STOP = -1


class InterpreterSession(Session):
    """``size`` interpreters, each with a main-interpreter thread that feeds it unit indices."""

    def __init__(self, work: Work, size: int) -> None:
        self._work = work
        unit = pickle.dumps(work.call)
        self._interpreters: list[_Interpreter] = []
        self._todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[int, int | BaseException]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        try:
            for k in range(size):
                interpreter = _Interpreter(unit)
                self._interpreters.append(interpreter)
                thread = threading.Thread(target=self._serve, args=(interpreter,),
                                          name=f"concbench-subinterpreter-{k}")
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.close()
            raise

    def _serve(self, interpreter: _Interpreter) -> None:
        while (i := self._todo.get()) != _STOP:
            try:
                self._done.put((i, interpreter.run(i)))
            except BaseException as exc:  # reported by run(), in the calling thread
                self._done.put((i, exc))

    def run(self) -> list[int]:
        n = self._work.n
        for i in range(n):
            self._todo.put(i)
        results: list[int] = [0] * n
        failure: BaseException | None = None
        for _ in range(n):
            i, outcome = self._done.get()
            if isinstance(outcome, BaseException):
                failure = failure or outcome
            else:
                results[i] = outcome
        if failure is not None:
            raise failure
        return results

    def close(self) -> None:
        for _ in self._threads:
            self._todo.put(_STOP)
        for thread in self._threads:
            thread.join()
        for interpreter in self._interpreters:
            interpreter.close()
        self._threads.clear()
        self._interpreters.clear()


class InterpreterPool(Capability):
    """Subinterpreters with their own GIL: parallel units in one process."""

    label: ClassVar[str] = "a pool of subinterpreters with their own GIL"

    def params(self) -> tuple[Param, ...]:
        return (WORKERS,)

    def unsupported(self, params: Mapping[str, Value]) -> str | None:
        if InterpreterPoolExecutor is None and _interpreters is None:
            return (f"subinterpreters with a GIL of their own need Python 3.13+ (_interpreters) or 3.14+ "
                    f"(InterpreterPoolExecutor); this is {sys.version.split()[0]}")
        return None

    def size(self, work: Work, params: Mapping[str, Value]) -> int:
        return process_pool_size(work, int(params.get("workers", 0)))

    def parallelism(self, work: Work, params: Mapping[str, Value]) -> int:
        return self.size(work, params)

    def metadata(self, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        size = self.size(work, params)
        if InterpreterPoolExecutor is not None:
            return {"pool_size": size, "concurrency_limit": size, "interpreters": size,
                    "subinterpreters_api": "concurrent.interpreters",
                    "interpreter_impl": "concurrent.futures.InterpreterPoolExecutor",
                    "crossing": "the unit and each index pickled per call; results pickled"}
        return {"pool_size": size, "concurrency_limit": size, "interpreters": size,
                "subinterpreters_api": "_interpreters",
                "interpreter_impl": "_interpreters: isolated interpreters (own GIL), one feeding thread each",
                "crossing": "the unit pickled once per interpreter; indices as int; results pickled"}

    def open(self, work: Work, params: Mapping[str, Value]) -> Session:
        size = self.size(work, params)
        if InterpreterPoolExecutor is not None:  # 3.14+: the standard library's pool
            pool = InterpreterPoolExecutor(max_workers=size)
            # start every interpreter, and import the unit's module in it, outside the clock
            list(pool.map(_loaded, [work.call] * size))
            return PoolSession(pool, work)
        return InterpreterSession(work, size)
