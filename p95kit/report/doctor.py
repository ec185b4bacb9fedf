"""``p95kit doctor``: check the kernel, Prometheus and the metric, and say what to fix."""

from __future__ import annotations

import time
from dataclasses import dataclass

from p95kit.durations import parse_duration
from p95kit.errors import MetricShapeError, P95kitError
from p95kit.prometheus.client import Prometheus
from p95kit.query import latency, promql, shapes
from p95kit.query.target import Target, make_target


@dataclass
class Check:
    """One check: ``ok``, what was found (``detail``) and, when not ok, how to ``fix`` it."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    exit_code: int = 0


def run_checks(
    client: Prometheus,
    metric_name: str,
    model_label: str,
    lookback: str = "1d",
    *,
    selector: str | None = None,
    histogram: str = "auto",
):
    """Run every check in order; a check that cannot run is reported, never raised.

    Invalid parameters raise InvalidParameterError first, before anything is sent."""
    target = make_target(metric_name, model_label, None, selector, histogram)  # validates
    lookback_s = parse_duration(lookback, "lookback")
    checks = [_kernel()]
    ready = client.ready()
    checks.append(
        Check("prometheus", True, f"{client.safe_url} is ready")
        if ready
        else Check(
            "prometheus",
            False,
            f"{client.safe_url}/-/ready does not answer 200",
            "check --prometheus-url / P95KIT_PROMETHEUS_URL, the network and auth",
            3,
        )
    )
    if not ready:
        return checks
    try:
        info = client.buildinfo()
        checks.append(Check("version", True, f"Prometheus {info.get('version', 'unknown')}"))
        now = time.time()
        start = now - lookback_s
        names = client.label_values("__name__", [promql.family_selector(metric_name)], start, now)
        if not names:
            fix = (
                "pass the histogram's name with --metric-name (without _bucket), "
                "or check the exporter and --lookback"
            )
            checks.append(
                Check("metric", False, f"no {metric_name} series in the last {lookback}", fix, 1)
            )
            return checks
        checks.append(Check("metric", True, f"found {', '.join(names)}"))
        shape = _shape(client, target, start, now)
        checks.append(shape)
        if not shape.ok:
            return checks
        models = latency.list_models(
            metric_name,
            model_label,
            client=client,
            end=now,
            lookback=lookback,
            selector=selector,
            histogram=histogram,
        )
        checks.append(
            Check("models", True, f"{len(models)} values of label {model_label!r}")
            if models
            else Check(
                "models",
                False,
                f"the metric has no label {model_label!r}"
                + (f" on series matching {selector}" if selector else ""),
                "pass --model-label with the label that names the model"
                + (", or check --selector" if selector else ""),
                1,
            )
        )
    except P95kitError as exc:
        checks.append(Check("query", False, exc.message, "see the message above", exc.exit_code))
    return checks


def _shape(client: Prometheus, target: Target, start: float, end: float) -> Check:
    """The empty-answer checks of every query (:mod:`p95kit.query.shapes`), run up front."""
    found = shapes.inspect_metric(client, target, start, end)
    try:
        notes = shapes.check_shape(found, target)
    except MetricShapeError as exc:
        return Check("shape", False, exc.message, _SHAPE_FIX, 1)
    if notes:
        return Check("shape", False, notes[0], "pass --model-label with one of those labels", 1)
    return Check(
        "shape", True, f"a {found.kind} histogram".replace("a summary histogram", "a summary")
    )


_SHAPE_FIX = "see the message: a histogram (or a summary with --histogram summary) is needed"


def _kernel() -> Check:
    from p95kit.report.kernel_setup import check_kernel, prepare_environment

    prepare_environment()
    try:
        argv = check_kernel()
    except P95kitError as exc:
        return Check("kernel", False, exc.message, "pip install ipykernel in this environment", 1)
    return Check("kernel", True, f"python3 kernel runs {argv[0]}")
