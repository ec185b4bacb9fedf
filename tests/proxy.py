"""A loopback HTTP proxy in front of a real Prometheus that injects faults between the two.

``with Proxy(prom.url, ...) as proxy: proxy.url``. Every request is forwarded as is and
recorded in ``seen`` (method, path, headers). Hooks, all optional:

- ``require``: headers the request must carry with exactly these values; otherwise the
  proxy answers 401 itself, as an authenticating gateway in front of Prometheus would.
- ``edit(body)``: rewrite each successful JSON answer (e.g. add ``warnings``).
- ``before(n)`` / ``after(n)``: called with the request's number (1, 2, ...) before it is
  forwarded and after its answer was sent (e.g. kill Prometheus after the first answer).

When Prometheus cannot be reached the proxy closes the connection without an answer,
so the client sees what it would see talking to a dead Prometheus directly.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class Proxy:
    def __init__(
        self,
        upstream: str,
        *,
        require: dict[str, str] | None = None,
        edit: Callable[[dict], dict] | None = None,
        before: Callable[[int], None] | None = None,
        after: Callable[[int], None] | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        counter = itertools.count(1)
        lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self._forward()

            def do_POST(self) -> None:
                self._forward()

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                with lock:
                    number = next(counter)
                    proxy.seen.append((self.command, self.path, dict(self.headers.items())))
                if require and any(self.headers.get(k) != v for k, v in require.items()):
                    self._send(401, b"Unauthorized", "text/plain")
                    return
                if before:
                    before(number)
                try:
                    answer = requests.request(
                        self.command,
                        proxy.upstream + self.path,
                        data=body,
                        headers={"Content-Type": self.headers.get("Content-Type", "")},
                        timeout=30,
                    )
                except requests.RequestException:
                    self._reset()
                    return
                content = answer.content
                if edit and answer.status_code == 200:
                    content = json.dumps(edit(json.loads(content))).encode()
                self._send(answer.status_code, content, answer.headers.get("Content-Type", ""))
                if after:
                    after(number)

            def _send(self, status: int, content: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)
                self.wfile.flush()

            def _reset(self) -> None:
                linger = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # on, 0 s: close with a RST
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
