"""The plumbing the test servers share: a threaded HTTP server on 127.0.0.1 and a record
of every request. :class:`~tests.support.faultserver.FaultServer` scripts answers;
:class:`~tests.support.proxy.Proxy` forwards to a real Prometheus."""

from __future__ import annotations

import socket
import ssl
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    """One request as it arrived: ``query`` from the URL, ``form`` from a POST body."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]
    forwarded: bool = False  # set by a proxy that passed the request on

    @property
    def params(self) -> dict[str, list[str]]:
        """Query string and form body together."""
        return self.query | self.form


class Exchange:
    """The request being answered: what was read, and ways to answer it."""

    def __init__(self, handler: BaseHTTPRequestHandler) -> None:
        self.handler = handler
        length = int(handler.headers.get("Content-Length") or 0)
        self.body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        form = parse_qs(self.body.decode("latin-1"))
        headers = dict(handler.headers.items())
        self.seen = Seen(handler.command, parts.path, parse_qs(parts.query), form, headers)

    def send(self, status: int, content: bytes, content_type: str, headers=()) -> None:
        handler = self.handler
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)
        handler.wfile.flush()

    def reset(self) -> None:
        """Close the connection with a RST and no answer."""
        linger = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # on, 0 s
        self.handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.handler.close_connection = True


class LoopbackServer(ABC):
    """Calls ``self.answer(exchange)`` for each request; records it in ``self.seen``.

    ``with server: server.url``; stops (and releases any hanging answer) on exit."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        """``tls``: serve HTTPS with this server-side context."""
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server._handle(self)

            do_POST = do_GET

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._lock = threading.Lock()

    @abstractmethod
    def answer(self, exchange: Exchange) -> None:
        """Answer one request (each server says how)."""

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        exchange = Exchange(handler)
        with self._lock:
            self.seen.append(exchange.seen)
        self.answer(exchange)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
