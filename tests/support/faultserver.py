"""A small loopback HTTP server that plays the faults a real Prometheus cannot easily show.

Each request pops the next scripted :class:`Reply` (the last one repeats); every
request is recorded in ``seen``, so tests can assert what was (or was not) sent.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field

from tests.support.loopback import Exchange, LoopbackServer


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # accept and never answer (until the server stops)
    reset: bool = False  # close the connection without an answer


def success(result: list | None = None, result_type: str = "vector", **extra) -> Reply:
    """A Prometheus success envelope."""
    return Reply(
        200,
        {"status": "success", "data": {"resultType": result_type, "result": result or []}, **extra},
    )


class FaultServer(LoopbackServer):
    """``with FaultServer([Reply(...), ...]) as server: server.url``."""

    def __init__(self, replies: list[Reply] | None = None, tls: ssl.SSLContext | None = None):
        super().__init__(tls)
        self.replies = list(replies or [success()])

    def answer(self, exchange: Exchange) -> None:
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if reply.hang:
            self.stopping.wait(30)
            return
        if reply.reset:
            exchange.reset()
            return
        body = reply.body
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        content_type = "application/json" if body[:1] in (b"{", b"[") else "text/html"
        content_type = reply.headers.get("Content-Type", content_type)
        extra = [(k, v) for k, v in reply.headers.items() if k != "Content-Type"]
        exchange.send(reply.status, body, content_type, extra)
