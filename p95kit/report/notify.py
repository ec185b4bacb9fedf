"""Post a message to chat incoming webhooks: Slack, Mattermost, Microsoft Teams.

:func:`post_webhook` sends ``{"text": ...}`` (:func:`p95kit.report.message.webhook_payload`)
as JSON, retrying what may pass (no connection, no answer within ``timeout``, HTTP 408,
429 and 5xx) with exponential backoff (``Retry-After`` honoured up to 30 s), and raises
:class:`~p95kit.errors.NotificationError` when it gives up. A webhook URL is a secret
(its path is the key), so messages and logs show only :func:`redact`'s
``scheme://host/…``; redirects are not followed. Proxies and CA bundles come from the
environment as for any ``requests`` call (``HTTPS_PROXY``, ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import requests

from p95kit.errors import InvalidParameterError, NotificationError

_sleep = time.sleep  # the retry backoff (tests replace it instead of waiting)
#: Statuses worth another attempt.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def check_webhook_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host, else InvalidParameterError (the
    message shows only the redacted URL)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameterError(
            "notify",
            f"--notify needs an http(s) URL of an incoming webhook, got {redact(url)!r} "
            "(e.g. https://hooks.slack.com/services/...)",
        )
    return url.strip()


def redact(url: str) -> str:
    """``https://hooks.slack.com/…``: scheme, host and port only (the path is the key)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an invalid URL)"
    return f"{parts.scheme or '?'}://{host}{port}/…"


def post_webhook(
    url: str,
    payload: dict[str, Any],
    *,
    timeout: float = 10.0,
    attempts: int = 3,
    backoff: float = 1.0,
) -> int:
    """POST ``payload`` as JSON to ``url``; return how many attempts it took.

    Raises NotificationError (``channel="webhook"``) naming the redacted URL and what
    went wrong after the last attempt, or at once for an answer retrying cannot change
    (a 4xx other than 408/429: a wrong or revoked URL)."""
    reason = "not sent"
    attempt = 0
    with requests.Session() as session:
        for attempt in range(1, attempts + 1):
            delay = backoff * 2 ** (attempt - 1)
            try:
                answer = session.post(
                    url, json=payload, timeout=(min(timeout, 5.0), timeout), allow_redirects=False
                )
            except requests.Timeout:
                reason = f"no answer within {timeout:g} s"
            except requests.exceptions.SSLError:
                reason = "TLS failed (certificate not trusted? see REQUESTS_CA_BUNDLE)"
            except requests.ConnectionError:
                reason = "cannot connect (refused, reset or unknown host)"
            except requests.RequestException as exc:  # never str(exc): it shows the URL
                reason = f"request failed ({type(exc).__name__})"
                break
            else:
                if 200 <= answer.status_code < 300:
                    return attempt
                reason = f"HTTP {answer.status_code}{_said(answer)}"
                if answer.status_code not in RETRY_STATUSES:
                    break
                delay = _retry_after(answer, delay)
            if attempt < attempts:
                _sleep(delay)
    tries = f"{attempt} attempt{'s' * (attempt != 1)}"
    raise NotificationError(f"webhook {redact(url)}: {reason} ({tries})", channel="webhook")


def _said(answer: requests.Response) -> str:
    """A short, one-line excerpt of the receiver's answer (Slack says ``no_service``)."""
    text = " ".join(answer.text[:200].split())[:80]
    return f": {text}" if text else ""


def _retry_after(answer: requests.Response, default: float) -> float:
    try:
        return min(max(float(answer.headers.get("Retry-After", "")), 0.0), 30.0)
    except ValueError:
        return default
