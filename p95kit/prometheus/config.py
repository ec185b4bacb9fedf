"""Build a :class:`~p95kit.prometheus.client.Prometheus` from CLI options and environment variables.

Credentials come from files (re-read on every run, so rotated tokens work) or
the environment, never from a command-line value that would show up in ``ps``
or a crontab. Environment variables:

- ``P95KIT_PROMETHEUS_URL``  base URL, may carry a path prefix
- ``P95KIT_BEARER_TOKEN``      bearer token
- ``P95KIT_BEARER_TOKEN_FILE`` file holding the bearer token (or ``--bearer-token-file``)
- ``P95KIT_BASIC_AUTH_FILE``   file holding ``user:password`` (or ``--basic-auth-file``)
- ``P95KIT_HEADERS``           extra headers, ``Name: value`` separated by newlines or ``;``

This module is the one place that reads them, for the CLI and for notebooks alike.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import Prometheus

log = logging.getLogger("p95kit")

TOKEN_ENV = "P95KIT_BEARER_TOKEN"
TOKEN_FILE_ENV = "P95KIT_BEARER_TOKEN_FILE"
BASIC_AUTH_FILE_ENV = "P95KIT_BASIC_AUTH_FILE"
HEADERS_ENV = "P95KIT_HEADERS"
#: Variables that may carry credentials (kept out of the report kernel's environment).
SECRET_ENV = (TOKEN_ENV, TOKEN_FILE_ENV, BASIC_AUTH_FILE_ENV, HEADERS_ENV)


def build_client(
    url: str | None = None,
    *,
    bearer_token_file: str | None = None,
    basic_auth_file: str | None = None,
    headers: Sequence[str] = (),
    ca_bundle: str | None = None,
    insecure: bool = False,
    params: Sequence[str] = (),
    timeout: float = 30.0,
) -> Prometheus:
    """A client configured from option values (``headers``/``params`` as ``"Name: value"``
    and ``"key=value"`` strings) plus the environment."""
    token_file = bearer_token_file or os.environ.get(TOKEN_FILE_ENV)
    token = _read_secret(token_file, "bearer_token_file") if token_file else None
    token = token or os.environ.get(TOKEN_ENV) or None
    auth_file = basic_auth_file or os.environ.get(BASIC_AUTH_FILE_ENV)
    basic = _basic_auth(auth_file) if auth_file else None
    merged = parse_headers(_env_headers()) | parse_headers(headers)
    verify: bool | str = False if insecure else (ca_bundle or True)
    if insecure:  # asked for: not a warning per request (cron mails every stderr line)
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        log.info("TLS certificates are not verified (--insecure)")
    return Prometheus(
        url,
        bearer_token=token,
        basic_auth=basic,
        headers=merged,
        verify=verify,
        params=parse_params(params),
        timeout=timeout,
    )


def parse_headers(values: Sequence[str]) -> dict[str, str]:
    """``["X-Scope-OrgID: team-a"]`` -> ``{"X-Scope-OrgID": "team-a"}``."""
    headers = {}
    for value in values:
        name, sep, content = value.partition(":")
        name = name.strip()
        # A line break in the value is refused by the client's header check (never echoed).
        if not sep or not name or any(c in name for c in " \t\r\n"):
            raise InvalidParameterError(
                "header", "header must look like 'X-Scope-OrgID: team-a' (name: value)"
            )
        headers[name] = content.strip()
    return headers


def parse_params(values: Sequence[str]) -> dict[str, str]:
    """``["partial_response=true"]`` -> ``{"partial_response": "true"}``."""
    params = {}
    for value in values:
        key, sep, content = value.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(
                "param", f"param must look like partial_response=true, got {value!r}"
            )
        params[key.strip()] = content
    return params


def _env_headers() -> list[str]:
    raw = os.environ.get(HEADERS_ENV, "")
    return [part for part in raw.replace(";", "\n").splitlines() if part.strip()]


def _read_secret(path: str, parameter: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InvalidParameterError(
            parameter, f"cannot read {parameter} {path!r}: {exc.strerror}"
        ) from None
    if not text:
        raise InvalidParameterError(parameter, f"{parameter} {path!r} is empty")
    return text


def _basic_auth(path: str) -> tuple[str, str]:
    user, sep, password = _read_secret(path, "basic_auth_file").partition(":")
    if not sep or not user:
        raise InvalidParameterError(
            "basic_auth_file", f"basic_auth_file {path!r} must hold one line 'user:password'"
        )
    return user, password
