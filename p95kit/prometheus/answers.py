"""Prometheus HTTP answers into a :class:`Result` or a p95kit error.

The one place where HTTP failures are translated: a transport failure, a 401/403,
Prometheus's error envelope, a proxy's 5xx page and a body that is not API JSON each
become their :mod:`p95kit.errors` class here, with the server's words kept and the
URL shown without credentials. Malformed answers too: :func:`to_result` checks the
envelope's shape and :func:`malformed_is_an_error` guards the parsers that read the
samples (:mod:`p95kit.query.frames`). :func:`should_retry` says which failures are
worth another try. :class:`Prometheus <p95kit.prometheus.client.Prometheus>` only
sends and retries.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import requests

from p95kit.errors import (
    P95kitError,
    PrometheusAuthError,
    PrometheusUnavailableError,
)
from p95kit.prometheus import range_answers, sample_limits

#: Statuses retried with backoff (a proxy's 502/503/504, rate limiting); never 400/422.
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: vmauth (VictoriaMetrics' auth proxy, 1.79) answers an unknown token with 400 and this
#: text (which repeats the token: never shown); later versions answer 401.
_VMAUTH_UNKNOWN_TOKEN = b"cannot find the provided auth token"
_SAMPLE_KEYS = {"vector": ("value", "histogram"), "matrix": ("values", "histograms")}


@dataclass
class Result:
    """A successful API answer: ``result_type`` and ``result`` from ``data``,
    plus the ``warnings`` and ``infos`` Prometheus attached.

    ``warnings`` holds everything the user must see: Prometheus's warnings (a Thanos
    partial response among them), then its infos (``infos`` holds those alone), then
    p95kit's notes about the answer (it was split)."""

    result_type: str
    result: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    #: For matrices: every sample as float64 arrays (the series' ``values`` may be empty).
    columns: range_answers.Columns | None = None


def transport_error(
    exc: requests.RequestException, safe_url: str, timeout: float
) -> PrometheusUnavailableError:
    """No HTTP answer at all: a timeout, a refused or reset connection, TLS, DNS."""
    if isinstance(exc, requests.Timeout):
        message = f"Prometheus at {safe_url} did not answer within {timeout:g} s"
    elif isinstance(exc, requests.exceptions.SSLError):
        reason = re.search(r"\[SSL: (\w+)\]", str(exc))  # the code only: the text has the URL
        message = (
            f"TLS with Prometheus at {safe_url} failed"
            f"{f' ({reason.group(1)})' if reason else ''}; to trust its certificate authority "
            "pass --ca-bundle PATH (library: verify=PATH), or --insecure to skip the check"
        )
    else:
        message = f"cannot reach Prometheus at {safe_url}: {type(exc).__name__}"
    return PrometheusUnavailableError(message, url=safe_url)


def interpret(
    response: requests.Response, safe_url: str, path: str, query: str | None
) -> tuple[dict, P95kitError | None]:
    """The decoded body (``{}`` when it is not a JSON object) and the error it means,
    or ``None`` for a success envelope."""
    status = response.status_code
    try:
        body = range_answers.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        body = {}
    if status == 200 and body.get("status") == "success":
        return body, None
    if is_envelope(body):
        return body, sample_limits.query_error(
            str(body.get("errorType")), str(body.get("error")), query
        )
    where = f"{safe_url}{path}"
    if status in (401, 403) or (status == 400 and _VMAUTH_UNKNOWN_TOKEN in response.content):
        return body, PrometheusAuthError(
            f"authentication failed: {status} {response.reason} from {where}; "
            "check the bearer token, basic auth or tenant header",
            url=safe_url,
            status=status,
        )
    if status == 200:
        return body, bad_response(safe_url, path, "the body is not Prometheus API JSON")
    return body, PrometheusUnavailableError(
        f"Prometheus answered {status} {response.reason} for {where}", url=safe_url, status=status
    )


def should_retry(response: requests.Response, body: dict) -> bool:
    """A retryable status, and not Prometheus's own error envelope (that answer is final)."""
    return response.status_code in RETRY_STATUSES and not is_envelope(body)


def retry_after(response: requests.Response, cap: float) -> float | None:
    """The ``Retry-After`` header in seconds, at most ``cap``; ``None`` when absent or a date."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, min(float(value), cap))
    except ValueError:
        return None


def to_result(
    body: dict, columns: range_answers.Columns | None, safe_url: str, path: str, expect: str | None
) -> Result:
    """Check a success envelope's shape (``expect``: the ``resultType`` required, ``None``
    any) and build the :class:`Result`; a malformed answer is PrometheusUnavailableError."""
    data = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        raise bad_response(safe_url, path, "no data.result in the answer")
    kind = data.get("resultType")
    if expect is not None and kind != expect:
        raise bad_response(safe_url, path, f"resultType {kind!r}, expected {expect!r}")
    if expect in _SAMPLE_KEYS and not all(
        isinstance(item, dict)
        and isinstance(item.get("metric"), dict)
        and any(key in item for key in _SAMPLE_KEYS[expect])
        for item in data["result"]
    ):
        raise bad_response(safe_url, path, f"a {kind} item without a metric or samples")
    if kind == "matrix" and columns is None:
        try:
            columns = range_answers.from_lists(data["result"])
        except (ValueError, TypeError) as exc:
            raise bad_response(safe_url, path, f"samples must be numbers: {exc}") from None
    warnings = [str(w) for w in body.get("warnings") or []]
    infos = [str(i) for i in body.get("infos") or []]
    return Result(
        result_type=str(kind),
        result=data["result"],
        warnings=list(dict.fromkeys([*warnings, *infos])),
        infos=infos,
        columns=columns,
    )


def merge_matrices(parts: list[Result]) -> Result:
    """Join chunked matrix results series by series, in time order."""
    result, columns = range_answers.concat(
        [(p.result, p.columns or range_answers.from_lists(p.result)) for p in parts]
    )
    return Result(
        result_type="matrix",
        result=result,
        warnings=list(dict.fromkeys(w for p in parts for w in p.warnings)),
        infos=list(dict.fromkeys(i for p in parts for i in p.infos)),
        columns=columns,
    )


def is_envelope(body: dict) -> bool:
    """Prometheus's error envelope: ``{"status": "error", "errorType": ..., "error": ...}``."""
    return body.get("status") == "error" and "errorType" in body


def bad_response(safe_url: str, path: str, why: str) -> PrometheusUnavailableError:
    """An answer that is not what the API promises (a proxy page, a truncated body)."""
    return PrometheusUnavailableError(f"invalid answer from {safe_url}{path}: {why}", url=safe_url)


F = TypeVar("F", bound=Callable[..., Any])


def malformed_is_an_error(parse: F) -> F:
    """Turn a sample that is not a number (or a broken series) met while parsing a
    :class:`Result` into a clear PrometheusUnavailableError."""

    @functools.wraps(parse)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return parse(*args, **kwargs)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise PrometheusUnavailableError(
                f"invalid answer from Prometheus: {type(exc).__name__}: {exc} "
                '(samples must be [time, "number"] pairs)'
            ) from exc

    return wrapper  # type: ignore[return-value]
