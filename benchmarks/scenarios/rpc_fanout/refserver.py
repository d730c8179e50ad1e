"""The reference server of ``rpc_fanout``: the same for every client model.

Run as ``python -m benchmarks.scenarios.rpc_fanout.refserver --latency-ms L --size R``.  It listens
on 127.0.0.1 with an ephemeral port and prints that port on one line once it
accepts connections (readiness is signalled, never guessed with a sleep).  A
request is one line holding the index i; after L ms the server sends R bytes
derived from i and closes the connection, so a response ends at EOF.  The
server stops when its standard input closes: its parent exiting, however it
exits, ends it too.  It uses uvloop when installed, so that it is not the
bottleneck; the loop is recorded in the benchmark's metadata.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from benchmarks.core.work import payload
from benchmarks.runtimes.startup import die_with_parent
from benchmarks.scenarios.loopback import HOST, fastest_loop

READ_TIMEOUT_S = 10.0
BACKLOG = 4096


async def serve(latency_s: float, size: int) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(READ_TIMEOUT_S):
                line = await reader.readline()
            i = int(line)
            await asyncio.sleep(latency_s)
            writer.write(payload(i, size))
            await writer.drain()
        except (ValueError, TimeoutError, ConnectionError):
            pass  # a bad or vanished client: drop it, the client reports the error
        finally:
            writer.close()

    server = await asyncio.start_server(handle, HOST, 0, backlog=BACKLOG)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    class _StdinWatch(asyncio.Protocol):
        def connection_lost(self, exc: Exception | None) -> None:
            stdin_closed.set_result(None)

    await loop.connect_read_pipe(_StdinWatch, sys.stdin)
    async with server:
        await stdin_closed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scenarios.rpc_fanout.refserver")
    parser.add_argument("--latency-ms", type=float, required=True)
    parser.add_argument("--size", type=int, required=True)
    args = parser.parse_args()
    die_with_parent()  # a master or worker killed outright takes this process along
    _, factory = fastest_loop()
    loop = factory()
    try:
        loop.run_until_complete(serve(args.latency_ms / 1000.0, args.size))
    finally:
        loop.close()


if __name__ == "__main__":
    main()
