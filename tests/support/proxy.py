"""A loopback HTTP proxy in front of a real Prometheus that injects faults between the two.

``with Proxy(prom.url, ...) as proxy: proxy.url``. Every request is recorded in ``seen``
(:class:`~tests.support.loopback.Seen`, ``forwarded`` when it was passed on). Options, all
optional:

- ``prefix``: the path prefix a gateway such as Mimir's serves Prometheus under
  (``/prometheus``); requests without it get a 401, the rest lose it on the way.
- ``require``: headers the request must carry with exactly these values (a dict the test
  may change while the proxy runs: a rotated token); otherwise a plain-text 401, as an
  authenticating gateway answers (not Prometheus JSON).
- ``edit(body)``: rewrite each successful JSON answer (e.g. add ``warnings``).
- ``before(n)`` / ``after(n)``: called with the request's number (1, 2, ...) before it is
  forwarded and after its answer was sent (e.g. kill Prometheus after the first answer).

When Prometheus cannot be reached the proxy closes the connection without an answer,
so the client sees what it would see talking to a dead Prometheus directly.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable

import requests

from tests.support.loopback import Exchange, LoopbackServer


class Proxy(LoopbackServer):
    def __init__(
        self,
        upstream: str,
        *,
        prefix: str = "",
        require: dict[str, str] | None = None,
        edit: Callable[[dict], dict] | None = None,
        before: Callable[[int], None] | None = None,
        after: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.prefix, self.require = prefix, dict(require or {})
        self.edit, self.before, self.after = edit, before, after
        self._counter, self._count_lock = itertools.count(1), threading.Lock()

    def allows(self, exchange: Exchange) -> bool:
        path, headers = exchange.seen.path, exchange.seen.headers
        prefixed = not self.prefix or path == self.prefix or path.startswith(self.prefix + "/")
        return prefixed and all(headers.get(k) == v for k, v in self.require.items())

    def answer(self, exchange: Exchange) -> None:
        with self._count_lock:
            number = next(self._counter)
        if not self.allows(exchange):
            exchange.send(401, b"401 Unauthorized\n", "text/plain")
            return
        exchange.seen.forwarded = True
        if self.before:
            self.before(number)
        handler = exchange.handler
        try:
            answer = requests.request(
                handler.command,
                self.upstream + handler.path[len(self.prefix) :],
                data=exchange.body or None,
                headers={"Content-Type": handler.headers.get("Content-Type", "")},
                timeout=30,
            )
        except requests.RequestException:
            exchange.reset()
            return
        content = answer.content
        if self.edit and answer.status_code == 200:
            content = json.dumps(self.edit(json.loads(content))).encode()
        exchange.send(answer.status_code, content, answer.headers.get("Content-Type", ""))
        if self.after:
            self.after(number)


class AuthProxy(Proxy):
    """Mimir/Cortex-style: ``/prometheus`` prefix, a bearer token and a tenant header.

    ``with AuthProxy(upstream, token) as proxy: proxy.url + "/prometheus"``; set
    ``proxy.token`` to rotate the secret while it runs."""

    def __init__(self, upstream: str, token: str, tenant: str = "team-a") -> None:
        super().__init__(upstream, prefix="/prometheus", require={"X-Scope-OrgID": tenant})
        self.token = token

    @property
    def token(self) -> str:
        return self.require["Authorization"].removeprefix("Bearer ")

    @token.setter
    def token(self, value: str) -> None:
        self.require["Authorization"] = f"Bearer {value}"
