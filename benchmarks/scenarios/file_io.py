"""file_io: write N files of `size_kib` KiB, read each back and verify it, then delete it.

Each unit writes its own file in a temporary directory (created before timing
and always removed afterwards, also on failure), reads it back, checks the
bytes and returns their CRC-32.  There is no fsync: this measures the page
cache and the system calls, which is what most programs' file I/O costs.

asyncio has no native file I/O (the event loop cannot wait on regular
files), so the asyncio and uvloop models run each blocking unit through the
loop's default executor (``asyncio.to_thread``): they measure the same thing
as the ``to_thread`` model, and the report says so.  Likewise the trio and anyio
models go through their own ``to_thread`` (a limiter of 40 threads), and
gevent through its threadpool (monkey-patching cannot make a regular file
cooperative).  Paths are local: a Dask cluster's workers would each write to
their own machine's temporary directory, so only a local cluster is meaningful.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial

from benchmarks.core.contract import Model, Scenario
from benchmarks.core.params import Param, Value
from benchmarks.core.work import Checksum, Work, checksum, payload, unprepared
from benchmarks.runtimes.aio import gather_only


def unit(i: int, *, directory: str, size: int) -> int:
    path = os.path.join(directory, f"{i}.bin")
    data = payload(i, size)
    with open(path, "wb") as f:
        f.write(data)
    with open(path, "rb") as f:
        back = f.read()
    os.unlink(path)
    if back != data:
        raise OSError(f"{path}: read back {len(back)} bytes that differ from the {len(data)} written")
    return zlib.crc32(back)


async def _via_default_executor(call: Callable[[int], int], i: int) -> int:
    return await asyncio.to_thread(call, i)


async def _via_trio_thread(call: Callable[[int], int], i: int) -> int:
    import trio  # only the trio models await this form

    return await trio.to_thread.run_sync(call, i)


async def _via_anyio_thread(call: Callable[[int], int], i: int) -> int:
    import anyio

    return await anyio.to_thread.run_sync(call, i)


#: why a remote cluster cannot run these units
LOCAL = "its files are in this machine's temporary directory"
#: the async forms of a unit: each library's to_thread (none has native file I/O)
LIBRARIES = ("trio", "anyio")


class FileIO(Scenario):
    name = "file_io"
    summary = ("N files written, read back, verified and deleted in a temporary directory "
               "(asyncio has no native file I/O: asyncio and uvloop go through the default executor)")
    kind = "io"
    params = (
        Param("n", int, (100,), "number of files", quick=(16,), tiny=(6,), minimum=1),
        Param("size_kib", int, (64,), "size of each file, KiB", quick=(16,), tiny=(4,), minimum=1),
    )

    def model_params(self, model: Model) -> tuple[Param, ...]:
        return gather_only(model.params)

    def work(self, params: Mapping[str, Value]) -> Work:
        return unprepared(int(params["n"]), self.kind, libraries=LIBRARIES, blocks_natively=True,
                          local=LOCAL)

    def _bind(self, params: Mapping[str, Value], call: Callable[[int], int]) -> Work:
        return Work(n=int(params["n"]), kind=self.kind, call=call,
                    acall=partial(_via_default_executor, call),
                    aforms={"trio": partial(_via_trio_thread, call),
                            "anyio": partial(_via_anyio_thread, call)},
                    blocks_natively=True, local=LOCAL)

    @contextmanager
    def prepared(self, params: Mapping[str, Value]) -> Iterator[Work]:
        # the pid tells a run's directory from another's on the same machine (and the tests'
        # leak check counts only its own process's)
        directory = tempfile.mkdtemp(prefix=f"concbench-file_io-{os.getpid()}-")
        try:
            size = int(params["size_kib"]) * 1024
            yield self._bind(params, partial(unit, directory=directory, size=size))
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def expected(self, params: Mapping[str, Value]) -> Checksum:
        size = int(params["size_kib"]) * 1024
        return checksum(zlib.crc32(payload(i, size)) for i in range(int(params["n"])))

    def metadata(self, params: Mapping[str, Value]) -> dict[str, Value]:
        return {"file_sync": "none (page cache)", "async_file_io": "default executor (to_thread)"}

    def model_metadata(self, model: Model, work: Work, params: Mapping[str, Value]) -> dict[str, Value]:
        meta = super().model_metadata(model, work, params)
        library = model.capability.library() or meta.get("library")
        if library is not None:  # trio's or anyio's own to_thread, not asyncio's default executor
            meta["async_file_io"] = f"{library}.to_thread.run_sync (default limiter)"
        elif "units_in" in meta:  # gevent: its threadpool
            meta["async_file_io"] = str(meta["units_in"])
        return meta


SCENARIO = FileIO()
