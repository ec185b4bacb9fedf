"""Error responses: ``{"error": "<message>", "details": {...}}``, never a traceback.

Statuses: 400 for an invalid parameter or a query Prometheus rejected, 503 when Prometheus
cannot be reached, times out, or the server is at its query limit (with ``Retry-After``),
404/405 for unknown paths and methods, 500 for anything else (its message is generic:
an unexpected exception's text may hold internal paths). ``details`` names the parameter
and gives a valid ``example`` when one parameter is at fault.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from p95kit.errors import Busy, InvalidParameterError, P95kitError, PrometheusQueryError
from p95kit.query.payloads import dumps, error_payload
from p95kit.serve.endpoints import EXAMPLES

log = logging.getLogger("p95kit.serve")

JSON = "application/json"
_BUSY_TYPES = ("timeout", "unavailable", "canceled")


def error_response(error: BaseException) -> Response:
    """The response for ``error``: status, the error body, ``Retry-After`` when busy."""
    if isinstance(error, P95kitError):
        body = error_payload(error)
        parameter = body["details"].get("parameter")
        if parameter in EXAMPLES and parameter != "prometheus_url":
            body["details"]["example"] = f"{parameter}={EXAMPLES[parameter]}"
        status = error.http_status
        if isinstance(error, PrometheusQueryError) and error.error_type in _BUSY_TYPES:
            status = 503  # Prometheus's own timeout or overload: the query itself was fine
        upstream = error.details.get("status")
        if upstream is not None and upstream != status:
            body["details"]["prometheus_status"] = upstream
    else:
        body = {"error": "internal server error", "details": {"type": "InternalError"}}
        status = 500
    body["details"]["status"] = status
    headers = {"Retry-After": str(error.details["retry_after"])} if isinstance(error, Busy) else {}
    return Response(dumps(body), status, headers=headers, media_type=JSON)


def invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's 422 for a parameter over its size limit (or repeated too often) -> 400."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ()) if part != "query"]
    name = location[0] if location else "query"
    reason = str(first.get("msg", "invalid value")).rstrip(".")
    example = f", e.g. {name}={EXAMPLES[name]}" if name in EXAMPLES else ""
    return error_response(InvalidParameterError(name, f"{name}: {reason}{example}"))


def http_error(request: Request, exc: Exception) -> Response:
    """404, 405 and the other HTTP errors Starlette raises, in the API's error body."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = exc.detail if isinstance(exc, HTTPException) else "internal server error"
    details: dict[str, Any] = {"type": "HTTPError", "status": status}
    if status == 404:
        details["endpoints"] = (
            "/api/metrics/{p95,p95/range,percentiles,models}/, /api/compare/, /api/openapi.json"
        )
    body = {"error": str(message), "details": details}
    headers = getattr(exc, "headers", None) or {}
    return Response(dumps(body), status, headers=headers, media_type=JSON)


def unexpected(request: Request, exc: Exception) -> Response:
    """The last resort: log the traceback on the server, answer a generic 500."""
    log.error("unexpected %s on %s", type(exc).__name__, request.url.path, exc_info=exc)
    return error_response(exc)


HANDLERS = {
    RequestValidationError: invalid_request,
    HTTPException: http_error,
    Exception: unexpected,
}
