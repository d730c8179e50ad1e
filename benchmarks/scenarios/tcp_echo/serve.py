"""``python -m benchmarks serve tcp_echo --model M``: any model's echo server, standalone.

The very server a benchmark session times (same class, same parameters),
bound to 127.0.0.1 on an ephemeral port unless ``--host`` / ``--port`` say
otherwise, so that any client (``python -m benchmarks loadgen``, vmbench's
``echo_client``, ``nc``) can drive it.  It prints ``host:port`` on stdout once
it accepts connections, and stops cleanly (connections closed, threads joined,
workers ended, nothing left listening) on Ctrl-C, SIGTERM or end of stdin.
Unlike a session it sets no timeouts (a client may stay connected and idle);
like one, it puts the server's allocator in its warm state (allocator.py).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import select
import signal
import socket
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from benchmarks.core.contract import Command, Model, Scenario
from benchmarks.core.params import BadInput, Value, parse_assignments
from benchmarks.scenarios.tcp_echo.allocator import set_state

if TYPE_CHECKING:
    from benchmarks.scenarios.tcp_echo import TcpEcho

DEFAULT_HOST = "127.0.0.1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", metavar="SCENARIO", help="the scenario whose server to run (tcp_echo)")
    parser.add_argument("--model", required=True, metavar="M", help="the model whose server to run")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=V",
                        help="a model parameter of the server (server=protocol, workers=4, accept=reuseport)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to bind (default 127.0.0.1; anything else is reachable beyond this "
                             "machine's loopback)")
    parser.add_argument("--port", default="0", help="port to bind (default 0: an ephemeral port)")
    parser.add_argument("--ignore-stdin", action="store_true",
                        help="do not stop at the end of stdin (a background job's stdin is /dev/null)")


def check_port(text: str, *, allow_zero: bool) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not (0 if allow_zero else 1) <= port <= 65535:
        low = 0 if allow_zero else 1
        raise BadInput(f"invalid port {text!r}: expected an integer from {low} to 65535")
    return port


def check_host(host: str) -> str:
    """An IP address, or a name that resolves to one; BadInput otherwise."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise BadInput(f"invalid host {host!r}: not an IP address and it does not resolve") from None
    return str(infos[0][4][0])


def model_params(scenario: TcpEcho, model: Model, assignments: list[str]) -> dict[str, Value]:
    """The server's parameters: the model's defaults, overridden by ``--param`` (one value each)."""
    known = {p.name: p for p in scenario.model_params(model)}
    params: dict[str, Value] = {name: p.default[0] for name, p in known.items()}
    for name, values in parse_assignments(assignments).items():
        if name not in known:
            valid = ", ".join(known) or "none"
            raise BadInput(f"unknown parameter {name!r} for the {model.name} server: choose from {valid}")
        if len(values) != 1:
            raise BadInput(f"parameter {name!r} takes one value here, not a sweep ({','.join(values)})")
        params[name] = known[name].parse(values[0])
    return params


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class StopSignals:
    """SIGINT and SIGTERM, from the moment the server starts until it has stopped: each just
    wakes :meth:`wait` (a second one cannot interrupt the cleanup)."""

    def __enter__(self) -> StopSignals:
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        # The signal may reach any thread; the wake-up fd is written at once from C, so the
        # main thread's select returns even when another thread took the signal.
        self.previous_fd = signal.set_wakeup_fd(self.wake_w)
        self.previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGINT, signal.SIGTERM)}
        return self

    def wait(self, watch_stdin: bool) -> None:
        """Until a signal or (if watched) the end of stdin."""
        watched = [self.wake_r] + ([sys.stdin.fileno()] if watch_stdin and not sys.stdin.closed else [])
        while True:
            ready, _, _ = select.select(watched, [], [])
            if self.wake_r in ready or not os.read(sys.stdin.fileno(), 65536):
                return

    def __exit__(self, *exc: object) -> None:
        signal.set_wakeup_fd(self.previous_fd)
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        os.close(self.wake_r)
        os.close(self.wake_w)


def serve(scenarios: Mapping[str, Scenario], models: Mapping[str, Model], scenario_name: str,
          model_name: str, assignments: list[str], host: str, port_text: str,
          watch_stdin: bool = True) -> int:
    """Serve until stopped; ``scenarios`` and ``models`` are the registry, by name."""
    from benchmarks.scenarios.tcp_echo import TcpEcho

    servable = {name: s for name, s in scenarios.items() if isinstance(s, TcpEcho)}
    scenario = servable.get(scenario_name)
    if scenario is None:
        choices = ", ".join(servable)
        raise BadInput(f"no server to serve for scenario {scenario_name!r}: choose from {choices}")
    if model_name not in models:
        raise BadInput(f"unknown model {model_name!r}: choose from {', '.join(models)}")
    model = models[model_name]
    port = check_port(port_text, allow_zero=True)
    bind = check_host(host)
    params: Mapping[str, Value] = model_params(scenario, model, assignments)
    reason = scenario.unsupported(model, {"connections": 1, "generator": "python", **params})
    if reason:
        raise BadInput(f"the {model_name} model has no {scenario_name} server: {reason}")
    if not ipaddress.ip_address(bind).is_loopback:
        print(f"serve: binding {bind}, which other machines may reach", file=sys.stderr)
    with StopSignals() as stop:
        try:
            server = scenario.server(model, params, bind, port)
        except OSError as exc:
            print(f"serve: error: cannot bind {bind} port {port}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        thread = None
        try:
            set_state("warm")  # as a benchmark session does (allocator.py says why)
            server.start()
            thread = server.background()
            if thread is not None:
                thread.start()
            print(address(server.listener), flush=True)
            stop.wait(watch_stdin)
        finally:
            server.stop()
            if thread is not None:
                thread.join()
    return 0


class Serve(Command):
    name = "serve"
    help = "run a model's echo server standalone; prints host:port"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        add_arguments(parser)

    def run(self, args: argparse.Namespace, scenarios: Mapping[str, Scenario],
            models: Mapping[str, Model]) -> int:
        return serve(scenarios, models, args.scenario, args.model, args.param, args.host, args.port,
                     not args.ignore_stdin)
