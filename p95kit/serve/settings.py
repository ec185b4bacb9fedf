"""What a ``p95kit serve`` process is configured with, from options or environment variables.

``p95kit serve`` builds :class:`ServeSettings` from its options; :func:`create_app` without
settings (``uvicorn --factory p95kit.serve:create_app --workers 4``) reads the same values
from the environment with :meth:`ServeSettings.from_env`, so every worker process gets
them. The variables (each also the ``envvar`` of the matching ``p95kit serve`` option):

- ``P95KIT_PROMETHEUS_URL``, ``P95KIT_TIMEOUT``, ``P95KIT_CA_BUNDLE``, ``P95KIT_INSECURE``
  and the credential variables of :mod:`p95kit.prometheus.config` (token files, headers)
- ``P95KIT_SERVE_REPORTS``            a ``p95kit report --out`` folder, served under /reports/
- ``P95KIT_SERVE_CORS_ORIGINS``       origins allowed by CORS, separated by spaces or commas
- ``P95KIT_SERVE_ALLOW_PROMETHEUS_URLS``  other Prometheus URLs callers may name, same separators
- ``P95KIT_SERVE_CACHE_TTL``          seconds an answer is reused (default 15; 0: no cache)
- ``P95KIT_SERVE_MAX_CONCURRENT_QUERIES``  Prometheus questions at once (default 8)
- ``P95KIT_SERVE_DEADLINE``           seconds a request may take (default ``timeout`` + 5)

Credentials are never settings values: token and password files are named here and read
by :func:`p95kit.prometheus.config.build_client`.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from p95kit import validation
from p95kit.errors import InvalidParameterError

#: The retry budget of :class:`p95kit.Prometheus` (backoff 0.5 + 1 + 2 s) plus a margin.
RETRY_BUDGET = 5.0


@dataclass(frozen=True)
class ServeSettings:
    """Everything a ``p95kit serve`` application needs; all optional."""

    prometheus_url: str | None = None
    bearer_token_file: str | None = None
    basic_auth_file: str | None = None
    headers: tuple[str, ...] = ()
    ca_bundle: str | None = None
    insecure: bool = False
    params: tuple[str, ...] = ()
    timeout: float = 30.0
    reports: str | None = None
    cors_origins: tuple[str, ...] = ()
    allow_prometheus_urls: tuple[str, ...] = ()
    cache_ttl: float = 15.0
    max_concurrent_queries: int = 8
    deadline: float | None = None
    cache_max_bytes: int = 256 * 1024 * 1024

    def __post_init__(self) -> None:
        validation.positive(self.timeout, "timeout", "seconds", "30")
        if self.deadline is not None:
            validation.positive(self.deadline, "deadline", "seconds", "35")
        validation.positive(self.cache_ttl, "cache_ttl", "seconds", "15", zero=True)
        validation.count(self.max_concurrent_queries, "max_concurrent_queries", 8)

    @property
    def request_deadline(self) -> float:
        """Seconds one request may take: ``deadline``, else ``timeout`` plus the retry budget."""
        return self.deadline if self.deadline is not None else self.timeout + RETRY_BUDGET

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServeSettings:
        """Settings from ``P95KIT_*`` variables (see the module docstring); unset ones default."""
        environ = os.environ if environ is None else environ
        values = {}
        for field, (name, parse) in ENVIRONMENT.items():
            raw = environ.get(name, "").strip()
            if raw:
                try:
                    values[field] = parse(raw)
                except ValueError:
                    raise InvalidParameterError(
                        field, f"${name} is not valid: {raw!r} (e.g. {EXAMPLES[field]})"
                    ) from None
        return cls(**values)

    def replace(self, **changes: object) -> ServeSettings:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)


def _words(text: str) -> tuple[str, ...]:
    return tuple(part for part in re.split(r"[\s,]+", text) if part)


def _flag(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "prometheus_url": ("P95KIT_PROMETHEUS_URL", str),
    "timeout": ("P95KIT_TIMEOUT", float),
    "ca_bundle": ("P95KIT_CA_BUNDLE", str),
    "insecure": ("P95KIT_INSECURE", _flag),
    "reports": ("P95KIT_SERVE_REPORTS", str),
    "cors_origins": ("P95KIT_SERVE_CORS_ORIGINS", _words),
    "allow_prometheus_urls": ("P95KIT_SERVE_ALLOW_PROMETHEUS_URLS", _words),
    "cache_ttl": ("P95KIT_SERVE_CACHE_TTL", float),
    "max_concurrent_queries": ("P95KIT_SERVE_MAX_CONCURRENT_QUERIES", int),
    "deadline": ("P95KIT_SERVE_DEADLINE", float),
}
EXAMPLES = {
    "prometheus_url": "http://localhost:9090",
    "timeout": "30",
    "ca_bundle": "/etc/ssl/certs/ca.pem",
    "insecure": "true",
    "reports": "/srv/reports",
    "cors_origins": "https://dash.example.com",
    "allow_prometheus_urls": "http://prom-b:9090",
    "cache_ttl": "15",
    "max_concurrent_queries": "8",
    "deadline": "35",
}
