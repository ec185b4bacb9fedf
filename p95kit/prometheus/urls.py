"""Prometheus base URLs: where to connect (argument, environment, default) and how to print one."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from p95kit.errors import InvalidParameterError

DEFAULT_URL = "http://localhost:9090"
URL_ENV = "P95KIT_PROMETHEUS_URL"


def resolve_url(url: str | None) -> str:
    """The URL to use: ``url``, else ``$P95KIT_PROMETHEUS_URL``, else the default."""
    url = url or os.environ.get(URL_ENV) or DEFAULT_URL
    url = url.strip() if isinstance(url, str) else url
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
    except ValueError:  # e.g. "http://[::1"
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or not c.isprintable() for c in url)
    ):
        raise InvalidParameterError(
            "prometheus_url",
            f"prometheus_url must be an http(s) URL such as http://localhost:9090, "
            f"got {redact_url(url)!r}",
        )
    if parts.query or parts.fragment:  # API paths are appended to the URL
        raise InvalidParameterError(
            "prometheus_url",
            "prometheus_url must not carry a query string or fragment (pass extra query "
            "parameters with --param NAME=VALUE, or params= in the library), got "
            f"{redact_url(url) + '?…'!r}",  # never the query itself: it may hold a token
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InvalidParameterError(
            "prometheus_url", f"prometheus_url has an invalid port: {redact_url(url)!r}"
        ) from None
    return url


def redact_url(url: str) -> str:
    """Drop user-info and query string from a URL so it can be printed."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except (ValueError, TypeError, AttributeError):
        return "<invalid url>"
