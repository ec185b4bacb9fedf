"""Run the application under uvicorn: bind, say where, serve, drain on SIGTERM.

:func:`serve` binds the socket itself (so port 0 works and a port in use is one clear
error), starts listening, calls ``announce`` with the base URL, then serves until SIGTERM
or Ctrl-C: uvicorn stops accepting, lets requests in flight finish (up to the request
deadline plus a second) and returns normally.
"""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Callable

import uvicorn

from p95kit.errors import ServeError
from p95kit.serve.app import create_app
from p95kit.serve.observe import log_to_stderr
from p95kit.serve.settings import ServeSettings


def serve(
    settings: ServeSettings,
    host: str = "127.0.0.1",
    port: int = 8000,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve the API on ``host:port`` until SIGTERM or Ctrl-C; ``announce(base_url)`` once
    the socket accepts connections (default: one line on stderr)."""
    log_to_stderr(replace=True)
    app = create_app(settings)
    sock = _listen(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{bound}"
    config = uvicorn.Config(
        app,
        access_log=False,  # ours logs the path without the query string
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=int(settings.request_deadline) + 1,
        log_level="info",
    )
    (announce or _say)(base)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # the signal uvicorn passes on after draining
        pass
    finally:
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        hint = "; choose another --port" if exc.errno == errno.EADDRINUSE else ""
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}{hint}") from None
    sock.listen(2048)  # connections wait in the backlog until uvicorn accepts them
    sock.set_inheritable(True)
    return sock


def _say(base: str) -> None:
    print(f"p95kit serve: listening on {base}", file=sys.stderr, flush=True)
