"""sleepy: 200 units that each wait 1 ms, at most 50 at once: threads or asyncio?"""
import asyncio
import time

import concbench

sleepy = concbench.workload(units=200, concurrency=50)


@sleepy.unit
def wait(i: int) -> int:
    time.sleep(0.001)
    return i * i


@sleepy.async_unit
async def wait_async(i: int) -> int:
    await asyncio.sleep(0.001)
    return i * i
