"""Which Prometheus a request may make the server talk to (the original API let it be any URL).

The server's own Prometheus is built from its options with credentials; URLs allowed with
``--allow-prometheus-url`` get plain clients without them. A ``prometheus_url`` query
parameter must name one of those; anything else is an
:class:`~p95kit.errors.InvalidParameterError` raised before any connection is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.config import build_client
from p95kit.serve.settings import ServeSettings

_DEFAULT_PORTS = {"http": 80, "https": 443}


class Clients:
    """The server's Prometheus clients, each counting its HTTP requests with ``on_request``."""

    def __init__(self, settings: ServeSettings, on_request: Callable[[], None]) -> None:
        self.own = build_client(
            settings.prometheus_url,
            bearer_token_file=settings.bearer_token_file,
            basic_auth_file=settings.basic_auth_file,
            headers=settings.headers,
            ca_bundle=settings.ca_bundle,
            insecure=settings.insecure,
            params=settings.params,
            timeout=settings.timeout,
        )
        self._by_url = {_identity(self.own.url): self.own}
        for url in settings.allow_prometheus_urls:
            self._by_url.setdefault(_identity(url), _allowed_client(url, settings.timeout))
        for client in self._by_url.values():
            client.session.hooks["response"].append(lambda response, **_: on_request())

    def choose(self, prometheus_url: str | None) -> Prometheus:
        """The client for a request's ``prometheus_url`` (``None``: the server's own)."""
        if prometheus_url is None or not prometheus_url.strip():
            return self.own
        parts = _split(prometheus_url)
        client = None
        if parts is not None and not (parts.username or parts.password):
            client = self._by_url.get(_identity(prometheus_url))
        if client is None:
            raise InvalidParameterError(
                "prometheus_url",
                "prometheus_url must be this server's own Prometheus or one it allows with "
                "--allow-prometheus-url (other URLs are never contacted); "
                "omit it to use the server's Prometheus",
            )
        return client

    def close(self) -> None:
        """Close every client's connections."""
        for client in self._by_url.values():
            client.close()


def _allowed_client(url: str, timeout: float) -> Prometheus:
    try:
        return Prometheus(url, timeout=timeout)
    except InvalidParameterError as exc:
        raise InvalidParameterError(
            "allow_prometheus_url",
            f"--allow-prometheus-url: {exc.message.removeprefix('prometheus_url ')}",
        ) from None


def _split(url: str):
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    return parts if parts.scheme in _DEFAULT_PORTS and parts.hostname else None


def _identity(url: str) -> tuple[str, str, int, str] | None:
    """Scheme, host, port and path: what makes two spellings of a URL the same server."""
    parts = _split(url)
    if parts is None or parts.query or parts.fragment:
        return None
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    return parts.scheme, parts.hostname or "", port, parts.path.rstrip("/")
