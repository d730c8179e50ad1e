"""Headless chromium driven over the DevTools protocol, with the standard library alone.

``--remote-debugging-pipe`` makes chromium read protocol messages on its file
descriptor 3 and write them on 4, each a JSON object ended by a NUL byte: no
port, no websocket, nothing a closed network can refuse.  ``os.posix_spawn``
places the two pipes on 3 and 4 in the child (its ``dup2`` file actions), in a
process group of its own, so that closing never leaves a renderer behind.
The flags are the ones this project's machines need: without the ones that
stop background networking, chromium's own connections are refused by their
closed network and it stalls.  Debian's package is
``/usr/bin/chromium`` (``make browser`` installs it); playwright's would
download a browser of its own.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import signal
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

CHROMIUM = "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         # a container's /dev/shm is often too small for chromium's shared memory: use /tmp
         "--disable-dev-shm-usage", "--remote-debugging-pipe")
TIMEOUT_S = 60.0


def find_chromium() -> str | None:
    """``CONCBENCH_CHROMIUM`` if set (empty: none), else Debian's chromium, else one on PATH, else None."""
    chosen = os.environ.get("CONCBENCH_CHROMIUM")
    if chosen is not None:
        return shutil.which(chosen) if chosen else None
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


class ProtocolError(RuntimeError):
    pass


class Chromium:
    """One headless browser with one page, ``width`` x ``height`` CSS pixels."""

    def __init__(self, binary: str, width: int = 1280, height: int = 800) -> None:
        self.width, self.height = width, height
        self._profile = tempfile.mkdtemp(prefix="concbench-chromium-")
        log = os.open(Path(self._profile) / "chromium.log", os.O_WRONLY | os.O_CREAT, 0o600)
        into_r, self._out = os.pipe()  # we write, chromium reads on its fd 3
        self._in, from_w = os.pipe()  # chromium writes on its fd 4, we read
        # copies above 9 first, so that no dup2 below lands on a descriptor another one still needs
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (into_r, from_w, log)]
        for fd in (into_r, from_w, log):
            os.close(fd)
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0), (os.POSIX_SPAWN_DUP2, high[2], 1),
                   (os.POSIX_SPAWN_DUP2, high[2], 2), (os.POSIX_SPAWN_DUP2, high[0], 3),
                   (os.POSIX_SPAWN_DUP2, high[1], 4)]
        argv = [binary, *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={width},{height}",
                "about:blank"]
        try:
            self._pid = os.posix_spawn(binary, argv, os.environ, file_actions=actions, setpgroup=0)
        finally:
            for fd in high:
                os.close(fd)
        self._closed = False
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self._session: str | None = None
        try:
            target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            attached = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})
            self._session = attached["sessionId"]
            self.call("Page.enable")
            self.call("Runtime.enable")  # so that the page's uncaught errors arrive as events
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def log(self) -> str:
        return (Path(self._profile) / "chromium.log").read_text(errors="replace")[-4000:]

    def _exited(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if os.waitpid(self._pid, os.WNOHANG)[0]:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = TIMEOUT_S) -> dict[str, Any]:
        """Send one command and wait for its answer (events that arrive meanwhile are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            got = self._receive(deadline, method)
            if got.get("id") == self._next_id:
                if "error" in got:
                    raise ProtocolError(f"{method}: {got['error']}")
                return dict(got.get("result", {}))
            self._events.append(got)

    def call(self, method: str, params: dict[str, Any] | None = None,
             timeout: float = TIMEOUT_S) -> dict[str, Any]:
        """A command to the page."""
        return self.send(method, params, self._session, timeout)

    def wait_for(self, event: str, timeout: float = TIMEOUT_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for i, got in enumerate(self._events):
                if got.get("method") == event:
                    return self._events.pop(i)
            self._events.append(self._receive(deadline, event))

    def _receive(self, deadline: float, waiting_for: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready = select.select([self._in], [], [], max(0.0, left))[0] if left > 0 else []
            if not ready:
                raise TimeoutError(f"chromium did not answer {waiting_for} in time; its log:\n{self.log()}")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise ProtocolError(f"chromium closed its pipe; its log:\n{self.log()}")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(raw))

    def open(self, path: Path) -> None:
        self._events.clear()
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired")

    def errors(self) -> list[str]:
        """The page's uncaught exceptions and console errors so far."""
        found = []
        for event in self._events:
            params = event.get("params", {})
            if event.get("method") == "Runtime.exceptionThrown":
                found.append(str(params.get("exceptionDetails", {}).get("exception", {}).get("description")))
            elif event.get("method") == "Runtime.consoleAPICalled" and params.get("type") == "error":
                args = params.get("args", [])
                found.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in args))
        return found

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (a promise is awaited)."""
        got = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                             "returnByValue": True})
        if "exceptionDetails" in got:
            raise ProtocolError(f"the page's script failed: {got['exceptionDetails']}")
        return got["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            height = int(self.evaluate("document.documentElement.scrollHeight"))
            params |= {"captureBeyondViewport": True,
                       "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}}
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", params)["data"]))
        return path

    def close(self) -> None:
        """Close the browser, and end its process group (ours) if it does not go within 10 s."""
        if self._closed:
            return
        self._closed = True
        try:
            self.send("Browser.close", timeout=10)
        except (OSError, ProtocolError, TimeoutError):
            pass
        if not self._exited(10):
            os.killpg(self._pid, signal.SIGKILL)
            self._exited(10)
        for fd in (self._in, self._out):
            os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)
