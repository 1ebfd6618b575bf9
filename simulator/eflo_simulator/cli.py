"""``eflo-simulator``: serve the simulator with uvicorn on a host/port, announce the URL, stop on SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
import threading
from typing import Any, Generator, List, Optional

from . import __version__
from .app import Settings, SimulatorApp
from .credentials import DEMO_CREDENTIALS, load_credentials_file


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eflo-simulator",
        description="Local simulator of the Alibaba Cloud eflo-controller API (2022-12-15) for offline tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free port (default 0)")
    parser.add_argument("--ready-file", help="once listening, write the base URL (http://HOST:PORT) to this file")
    parser.add_argument("--credentials", help="JSON list of {access_key_id, access_key_secret, security_token?}; replaces the demo keys")
    parser.add_argument("--speed", type=float, default=1.0, help="task lifecycles run this many times faster; answers keep real time (default 1)")
    parser.add_argument("--seed", type=int, default=None, help="seed for ids, quirks and faults (default: random)")
    parser.add_argument("--quirk-rate", type=float, default=0.2, help="share of tasks whose answers carry documented quirks (default 0.2)")
    parser.add_argument("--no-demo-cluster", action="store_true", help="start with no cluster instead of the demo cluster")
    parser.add_argument("--http", default="auto", choices=("auto", "h11", "httptools"), help="uvicorn HTTP implementation")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    parser.add_argument("--version", action="version", version="%(prog)s " + __version__)
    return parser


def _bind(host: str, port: int) -> socket.socket:
    info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(info[0], info[1], info[2])
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(info[4])
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    address = sock.getsockname()
    host, port = address[0], address[1]
    if sock.family == socket.AF_INET6:
        host = "[%s]" % host
    return "http://%s:%d" % (host, port)


def _write_ready(path: str, url: str) -> None:
    tmp = "%s.tmp%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(url + "\n")
    os.replace(tmp, path)


def _server_class() -> Any:
    import uvicorn

    class Server(uvicorn.Server):  # type: ignore[misc]
        """uvicorn server that exits with status 0 on SIGTERM/SIGINT (no re-raised signal)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Generator[None, None, None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return

            def stop(_sig: int, _frame: Any) -> None:
                if self.should_exit:
                    self.force_exit = True
                self.should_exit = True

            originals = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    return Server


async def _serve(server: Any, sock: socket.socket, url: str, ready_file: Optional[str]) -> int:
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            await task
            return 1
        await asyncio.sleep(0.01)
    if ready_file:
        _write_ready(ready_file, url)
    print(url, flush=True)
    await task
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        credentials = load_credentials_file(args.credentials) if args.credentials else list(DEMO_CREDENTIALS)
    except (OSError, ValueError) as err:
        print("eflo-simulator: cannot use the credentials file: %s" % err, file=sys.stderr)
        return 2
    if args.speed <= 0 or not 0 <= args.quirk_rate <= 1:
        print("eflo-simulator: --speed must be positive and --quirk-rate between 0 and 1", file=sys.stderr)
        return 2
    import uvicorn

    settings = Settings(credentials=credentials, speed=args.speed, seed=args.seed, quirk_rate=args.quirk_rate, demo_cluster=not args.no_demo_cluster)
    app = SimulatorApp(settings)
    try:
        sock = _bind(args.host, args.port)
    except OSError as err:
        print("eflo-simulator: cannot listen on %s:%d: %s" % (args.host, args.port, err), file=sys.stderr)
        return 2
    url = _url(sock)
    app.base_url = url
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        log_level=args.log_level,
        http=args.http,
        ws="none",
        server_header=False,
        timeout_keep_alive=120,
        timeout_graceful_shutdown=5,
    )
    server = _server_class()(config)
    try:
        return asyncio.run(_serve(server, sock, url, args.ready_file))
    finally:
        sock.close()
        if args.ready_file:
            with contextlib.suppress(OSError):
                with open(args.ready_file, "r", encoding="utf-8") as handle:
                    mine = handle.read().strip() == url
                if mine:
                    os.unlink(args.ready_file)
