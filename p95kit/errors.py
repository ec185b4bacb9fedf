"""The p95kit exception tree.

Every error p95kit raises on purpose derives from :class:`P95kitError`, so callers
can catch one class. Third-party exceptions (requests, papermill, nbclient) are
translated exactly once, where they happen, with ``raise ... from exc``. Every class is
defined here; the CLI's exit code and ``p95kit serve``'s HTTP status of each
(``tests/test_errors.py`` holds them to this drawing)::

    P95kitError                                                                exit 1, HTTP 500
    ├── InvalidParameterError (a ValueError)  bad input; nothing was sent      exit 2, HTTP 400
    ├── MetricShapeError                      a counter, or the wrong kind     exit 1, HTTP 400
    ├── PrometheusUnavailableError            cannot reach / 5xx / timeout     exit 3, HTTP 503
    │   ├── PrometheusAuthError               401 / 403 from the server        exit 3, HTTP 503
    │   ├── Busy                              serve: at its query limit        exit 3, HTTP 503
    │   └── DeadlineExceeded                  serve: no answer in time         exit 3, HTTP 503
    ├── PrometheusQueryError                  Prometheus rejected the query    exit 4, HTTP 400
    │   └── PrometheusSampleLimitError        ... for its sample limit         exit 4, HTTP 400
    ├── ReportError                           a notebook run failed            exit 1, HTTP 500
    │   └── ReportLockedError                 another run holds the lock       exit 75, HTTP 500
    ├── NotificationError                     a webhook or mail not sent       exit 6, HTTP 500
    ├── ServeError                            p95kit serve could not start     exit 1, HTTP 500
    ├── JupyterLabError                       JupyterLab did not start         exit 1, HTTP 500
    └── LocalPrometheusError                  the demo's Prometheus failed     exit 1, HTTP 500
        └── PrometheusNotInstalledError       no prometheus/promtool binary    exit 2, HTTP 500

The exit codes are the CLI's (exit 5, a published report over an alert limit, is not an
error: see :mod:`p95kit.report.alerts`); the HTTP statuses are ``p95kit serve``'s, those of
the Django API that p95kit replaces, and are kept in error payloads' ``details``. A
:class:`PrometheusQueryError` whose ``errorType`` is Prometheus's own ``timeout``,
``unavailable`` or ``canceled`` is answered 503 by ``p95kit serve`` (the query was fine).
"""

from __future__ import annotations

from typing import Any


class P95kitError(Exception):
    """Base class of every error p95kit raises on purpose."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidParameterError(P95kitError, ValueError):
    """A parameter is invalid; raised before any request is sent.

    ``details["parameter"]`` names the offending parameter.
    """

    exit_code = 2
    http_status = 400

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message, parameter=parameter)
        self.parameter = parameter


class MetricShapeError(P95kitError):
    """The metric exists but cannot answer as asked: not a histogram or summary (a
    counter such as Triton's ``*_duration_us``), or a summary asked as a histogram (or the
    reverse). Found from the series after a query came back empty, so unlike
    :class:`InvalidParameterError` something was sent. The message says what would work.
    ``details["parameter"]`` names the option to change.
    """

    http_status = 400

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message, parameter=parameter)
        self.parameter = parameter


class PrometheusUnavailableError(P95kitError):
    """Prometheus could not be reached, timed out or answered 5xx/429 after retries."""

    exit_code = 3
    http_status = 503


class PrometheusAuthError(PrometheusUnavailableError):
    """Prometheus (or a proxy in front of it) refused the credentials: HTTP 401/403."""


class Busy(PrometheusUnavailableError):
    """``p95kit serve``: too many questions are on their way to Prometheus; try again
    shortly (``details["retry_after"]`` seconds, sent as ``Retry-After``)."""


class DeadlineExceeded(PrometheusUnavailableError):
    """``p95kit serve``: the answer did not arrive within the request deadline."""


class PrometheusQueryError(P95kitError):
    """Prometheus answered with its error envelope.

    ``error_type`` is Prometheus's ``errorType`` (``bad_data``, ``execution``,
    ``timeout``, ...) and ``error`` its message, both kept verbatim.
    """

    exit_code = 4
    http_status = 400

    def __init__(self, error_type: str, error: str, *, query: str | None = None) -> None:
        super().__init__(
            f"Prometheus rejected the query ({error_type}): {error}",
            error_type=error_type,
            error=error,
            query=query,
        )
        self.error_type = error_type
        self.error = error
        self.query = query


class PrometheusSampleLimitError(PrometheusQueryError):
    """The backend refused the query for its sample limit (Prometheus
    ``--query.max-samples``, Mimir's chunk and memory limits, VictoriaMetrics'
    ``-search.maxSamplesPerQuery``...): a smaller window would be answered. p95kit
    splits the question and raises this only when its parts are refused too (``parts``:
    how many it tried). ``limit`` names the setting (see
    :mod:`p95kit.prometheus.sample_limits`)."""

    def __init__(
        self, error_type: str, error: str, *, query: str | None, limit: str, parts: int = 1
    ) -> None:
        super().__init__(error_type, error, query=query)
        self.limit, self.parts = limit, parts
        self.details.update(limit=limit, parts=parts)
        if parts > 1:
            self.message = f"{self.message} (p95kit split it into {parts} parts, still refused)"
            self.args = (self.message,)


class ReportError(P95kitError):
    """Running or publishing a report failed (a notebook cell, the kernel, the export)."""

    exit_code = 1
    http_status = 500


class ReportLockedError(ReportError):
    """Another ``p95kit report`` run holds the lock on the output folder."""

    exit_code = 75


class ServeError(P95kitError):
    """``p95kit serve`` could not start (e.g. the port is taken)."""


class JupyterLabError(P95kitError):
    """JupyterLab (``p95kit demo --jupyter``) did not start."""


class NotificationError(P95kitError):
    """A report's webhook post or mail failed after its retries; the snapshot is published
    all the same (``details["channel"]``: ``webhook`` or ``mail``)."""

    exit_code = 6


class LocalPrometheusError(P95kitError):
    """The local Prometheus (``p95kit demo``, the tests) could not be prepared or started."""


class PrometheusNotInstalledError(LocalPrometheusError):
    """The ``prometheus`` or ``promtool`` binary cannot be found (CLI exit 2: a setup problem)."""

    exit_code = 2
