"""A report run's ``run.json``: status, window, parameters (no secrets), versions, timings.

:func:`new_record` starts it when the run holds the lock, :func:`record_failure` adds the
error of a failed run; :func:`check_not_empty` refuses to publish a report without any
series (a typo in a metric or label name).
"""

from __future__ import annotations

import platform
import time
from dataclasses import asdict
from typing import Any

from p95kit.errors import P95kitError, PrometheusQueryError, PrometheusUnavailableError, ReportError
from p95kit.prometheus.client import Prometheus
from p95kit.query import shapes
from p95kit.query.payloads import error_payload
from p95kit.report.data import ReportData
from p95kit.report.parameters import ReportSettings
from p95kit.report.plan import Plan
from p95kit.times import to_rfc3339
from p95kit.version import __version__


def new_record(
    client: Prometheus, settings: ReportSettings, validated: Plan, started: float
) -> dict[str, Any]:
    """A running run's record: window, parameters (the client's URL without credentials)."""
    parameters = asdict(settings)
    parameters.update(step=validated.step, end=to_rfc3339(validated.end))
    return {
        "status": "running",
        "started_at": started,
        "window": {
            "start": to_rfc3339(validated.end - validated.span),
            "end": to_rfc3339(validated.end),
            "duration": validated.duration,
            "step": validated.step,
            "time_range": validated.time_range,
        },
        "parameters": {**parameters, "prometheus_url": client.safe_url},
        "timings": {},
    }


def record_failure(run: dict[str, Any], exc: Exception, started: float) -> None:
    """Mark ``run`` failed with ``exc``'s message and details."""
    run["status"] = "failed"
    run["error"] = {"message": getattr(exc, "message", str(exc)), **error_payload(exc)["details"]}
    run["timings"]["total_s"] = round(time.time() - started, 3)


def versions(client: Prometheus) -> dict[str, str]:
    """p95kit's, Python's, the notebook tools' and Prometheus's versions."""
    import nbconvert
    import pandas
    import papermill

    found = {
        "p95kit": __version__,
        "python": platform.python_version(),
        "pandas": pandas.__version__,
        "papermill": papermill.__version__,
        "nbconvert": nbconvert.__version__,
    }
    try:
        found["prometheus"] = str(client.buildinfo().get("version", "unknown"))
    except P95kitError:
        found["prometheus"] = "unknown"
    return found


def check_not_empty(data: ReportData, client: Prometheus, p: Plan) -> None:
    """No series at all is a mistake (a metric or label typo, a wrong --end), not a report:
    publishing it would replace ``latest`` with empty payloads, and cron would say nothing.
    A metric that cannot give percentiles (a counter) raises the shape check's error."""
    if len(data.summary):
        return
    try:
        notes = shapes.explain_empty(client, p.target, p.end - p.span - 86400, p.end)
    except (PrometheusUnavailableError, PrometheusQueryError):
        notes = []
    meta = data.meta
    what = f"{meta['metric_name']} with a {meta['model_label']!r} label"
    if meta.get("selector"):
        what += f" matching {meta['selector']}"
    if meta.get("models"):
        what += " for the requested models"
    raise ReportError(
        f"no series of {what} between {to_rfc3339(meta['window_start'])} and "
        f"{to_rfc3339(meta['window_end'])}; "
        + (f"{notes[0]}; " if notes else "")
        + "check --metric-name, --model-label, --selector and --end, or run p95kit doctor",
        reason="no_data",
    )
