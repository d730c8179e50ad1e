"""What the loopback scenarios' clients and servers agree on, shared by both sides."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

HOST = "127.0.0.1"


def fastest_loop() -> tuple[str, Callable[[], asyncio.AbstractEventLoop]]:
    """uvloop when installed (reference peers must not be the bottleneck), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return "asyncio", asyncio.new_event_loop
    return "uvloop", uvloop.new_event_loop
