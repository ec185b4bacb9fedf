"""A small loopback HTTP server that plays the faults a real Prometheus cannot easily show.

Each request pops the next scripted :class:`Reply` (the last one repeats); every
request is recorded, so tests can assert what was (or was not) sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: bool = False  # accept and never answer (until the server stops)
    reset: bool = False  # close the connection without an answer


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]


def success(result: list | None = None, result_type: str = "vector", **extra) -> Reply:
    """A Prometheus success envelope."""
    return Reply(
        200,
        {"status": "success", "data": {"resultType": result_type, "result": result or []}, **extra},
    )


class FaultServer:
    """``with FaultServer([Reply(...), ...]) as server: server.url``."""

    def __init__(self, replies: list[Reply] | None = None) -> None:
        self.replies = list(replies or [success()])
        self.seen: list[Seen] = []
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                parts = urlsplit(self.path)
                server.seen.append(
                    Seen(self.command, parts.path, parse_qs(parts.query), parse_qs(raw),
                         dict(self.headers.items()))
                )  # fmt: skip
                reply = server.replies.pop(0) if len(server.replies) > 1 else server.replies[0]
                if reply.hang:
                    server._stop.wait(30)
                    return
                if reply.reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                    self.close_connection = True
                    return
                time.sleep(reply.delay)
                body = reply.body
                if isinstance(body, dict):
                    body = json.dumps(body).encode()
                elif isinstance(body, str):
                    body = body.encode()
                self.send_response(reply.status)
                content_type = "application/json" if body[:1] in (b"{", b"[") else "text/html"
                self.send_header("Content-Type", reply.headers.get("Content-Type", content_type))
                for name, value in reply.headers.items():
                    if name != "Content-Type":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
