"""A loopback reverse proxy in front of a real Prometheus, as Mimir or Cortex put one there.

It forwards ``/prometheus/<path>`` to ``<upstream>/<path>`` only when the request has
``Authorization: Bearer <token>`` and ``X-Scope-OrgID: <tenant>``; anything else gets a
plain-text 401, as proxies answer (not Prometheus JSON). ``token`` can be changed while it
runs (a rotated secret). Every request is recorded in ``seen``.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PREFIX = "/prometheus"


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, list[str]]  # query string and form body together
    headers: dict[str, str]
    forwarded: bool


class AuthProxy:
    """``with AuthProxy(upstream, token) as proxy: proxy.url + "/prometheus"``."""

    def __init__(self, upstream: str, token: str, tenant: str = "team-a") -> None:
        self.upstream, self.token, self.tenant = upstream.rstrip("/"), token, tenant
        self.seen: list[Seen] = []
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                allowed = proxy.allows(parts.path, self.headers)
                params = parse_qs(parts.query) | parse_qs(body.decode("latin-1"))
                proxy.seen.append(
                    Seen(self.command, parts.path, params, dict(self.headers.items()), allowed)
                )
                if not allowed:
                    self._reply(401, b"401 Unauthorized\n", "text/plain")
                    return
                target = proxy.upstream + self.path[len(PREFIX) :]
                request = urllib.request.Request(target, data=body or None, method=self.command)
                if self.headers.get("Content-Type"):
                    request.add_header("Content-Type", self.headers["Content-Type"])
                try:
                    with opener.open(request, timeout=30) as answer:
                        status, content, kind = answer.status, answer.read(), answer.headers
                except urllib.error.HTTPError as error:  # Prometheus's 4xx/5xx, relayed
                    status, content, kind = error.code, error.read(), error.headers
                self._reply(status, content, kind.get("Content-Type", "text/plain"))

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def allows(self, path: str, headers) -> bool:
        """The prefix, the bearer token and the tenant header are all right."""
        return (
            (path == PREFIX or path.startswith(PREFIX + "/"))
            and headers.get("Authorization") == f"Bearer {self.token}"
            and headers.get("X-Scope-OrgID") == self.tenant
        )

    def __enter__(self) -> AuthProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
