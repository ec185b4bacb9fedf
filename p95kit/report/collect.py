"""Fetch a report's data: four questions per metric (six with an SLO), asked of the query
layer, in one pool.

Per metric (:class:`~p95kit.report.plan.MetricPlan`): P95 over time
(:func:`~p95kit.query.fetch.fetch_range`), the window and the window before it
(:func:`~p95kit.query.window.fetch_window`: percentiles, requests and buckets from one bucket
query each) and the current P95 (:func:`~p95kit.query.fetch.fetch_p95`); with an SLO its
burn windows and the budget over the window (:mod:`p95kit.report.slo_data`); with
``compare_label``, a fifth: the label's two busiest values per model, compared
(:mod:`p95kit.report.compare_section`). Every metric's
questions go through one pool in metric order, three per metric for up to
:data:`METRICS_AT_ONCE` metrics (:func:`~p95kit.prometheus.fanout.stream`), so a caller can
work on the metrics already in (draw a chart) while the next are fetched. Each metric becomes
a :class:`~p95kit.report.data.ReportData`; a metric without series is a warning when others
have data (a preset lists metrics that not every server exports).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from p95kit.errors import MetricShapeError
from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.fanout import stream
from p95kit.query import shapes
from p95kit.query.fetch import fetch_p95, fetch_range
from p95kit.query.frame_warnings import missing_models
from p95kit.query.percentile_buckets import overall_percentiles
from p95kit.query.window import fetch_window
from p95kit.report import compare_section
from p95kit.report.data import METRICS_DIR, ReportData, folder_name
from p95kit.report.paging_section import paging
from p95kit.report.plan import MetricPlan, Plan
from p95kit.report.slo_data import judge, slo_tasks
from p95kit.report.summary import summarize
from p95kit.version import __version__

log = logging.getLogger("p95kit")

#: Metrics fetched at once, three queries each: a report has at most 9 queries in flight
#: (Prometheus runs 20 at once by default).
METRICS_AT_ONCE = 3


def query_tasks(client: Prometheus, p: Plan) -> dict[str, Callable[[], Any]]:
    """The questions of one metric, by name, not yet asked (the longest first: the pool
    runs three at a time); with an SLO also its burn windows and budget over time
    (:mod:`p95kit.report.slo_data`)."""
    target = p.target
    tasks: dict[str, Callable[[], Any]] = {
        "range": lambda: fetch_range(
            client,
            target,
            p.duration,
            p.span,
            p.step,
            p.step_s,
            p.chart_range,
            p.end,
            p.estimator,
        ),
        "window": lambda: fetch_window(
            client, target, p.duration, p.end, p.percentiles, p.estimator
        ),
        "previous": lambda: fetch_window(
            client, target, p.duration, p.end - p.span, (95.0,), p.estimator
        ),
        "current": lambda: fetch_p95(client, target, p.time_range, p.end, p.estimator),
        **slo_tasks(client, p),
    }
    if p.settings.compare_label:  # a label's two busiest values per model, compared
        tasks["compare"] = lambda: compare_section.fetch_comparison(client, p)
    if p.slo_ms:  # would the SLO's pages have fired over the window (the backtest)
        tasks["paging"] = lambda: paging(client, p, p.objective)
    return tasks


def collect(client: Prometheus, p: Plan) -> ReportData:
    """The data of a one-metric report (see :func:`collect_all`)."""
    return collect_all(client, [MetricPlan(p)])[0][1]


def collect_all(
    client: Prometheus,
    plans: list[MetricPlan],
    notes: list[str] | None = None,
    on_ready: Callable[[MetricPlan, ReportData], None] | None = None,
) -> list[tuple[MetricPlan, ReportData]]:
    """Fetch every metric's questions; return the metrics that have data, first one first.

    Metrics without series become warnings in the first one's ``meta``; when none has
    data, the first is returned (empty) so the caller's empty-report check speaks.
    ``on_ready(metric, data)`` runs in this thread for each metric with data as soon as it
    is fetched (the report draws its chart there) while the next metrics are fetched.
    """
    started = time.time()
    datas = []
    for mp, results in _fetched(client, plans):
        data = assemble(client, mp.plan, results, started)
        data.meta["title"] = mp.title
        if on_ready is not None and len(data.summary):
            on_ready(mp, data)
        datas.append(data)
    log.info("fetched %d metrics in %.2f s", len(plans), time.time() - started)
    kept = [(mp, d) for mp, d in zip(plans, datas) if len(d.summary)]
    if not kept:
        return [(plans[0], datas[0])]
    warnings = list(notes or [])
    for mp, data in zip(plans, datas):
        if not len(data.summary):
            warnings.append(_missing(client, mp))
    first = kept[0][1]
    first.meta["warnings"] = [*first.meta.get("warnings", []), *warnings]
    first.meta["metrics"] = [
        {
            "metric_name": mp.metric_name,
            "title": mp.title,
            "folder": f"{METRICS_DIR}/{folder_name(mp.metric_name)}",
        }
        for mp, _ in kept
    ]
    return kept


def assemble(client: Prometheus, p: Plan, results: dict[str, Any], started: float) -> ReportData:
    """The :class:`ReportData` of one metric from the answers of :func:`query_tasks`."""
    target = p.target
    window, previous = results["window"], results["previous"]
    judged = judge(p, window.histograms, results)
    summary = summarize(
        target,
        p.slo_ms,
        window.percentiles,
        results["current"],
        previous.percentiles,
        window.requests,
        window.buckets,
        judged.frame if judged else None,
    )
    meta = _meta(p, client, results, started)
    meta["warnings"] += missing_models(target.models, summary["model"], target.metric_name)
    meta["all_models"] = overall_percentiles(window.buckets, p.percentiles)
    if "compare" in results:
        meta["compare"] = compare_section.to_meta(results["compare"])
        meta["queries"]["versions compared"] = results["compare"].attrs["query"]
    if "paging" in results:  # "would have paged" per model (report/paging_section.py)
        meta["paging"] = results["paging"]
    frames = (window.percentiles, results["current"], results["range"], summary)
    if judged is None:
        return ReportData(*frames, meta)
    meta["slo"] = judged.meta
    meta["queries"].update(judged.queries)
    meta["warnings"] += [w for w in judged.warnings if w not in meta["warnings"]]
    return ReportData(*frames, meta, judged.budget)


def _fetched(client: Prometheus, plans: list[MetricPlan]) -> Iterator[tuple[MetricPlan, dict]]:
    """Each metric's answers, in the order of ``plans``, as soon as they are in. The first
    failure is raised here, and no question is asked once a failure is known or the caller
    has stopped."""
    keys, calls = [], []
    for mp in plans:
        tasks = query_tasks(client, mp.plan)
        keys.append(list(tasks))
        calls.extend(tasks.values())
    results = stream(calls, workers=3 * min(len(plans), METRICS_AT_ONCE))
    try:
        for mp, names in zip(plans, keys):
            yield mp, {name: next(results) for name in names}
    finally:
        results.close()


def _meta(p: Plan, client: Prometheus, results: dict, started: float) -> dict:
    """The report's metadata (see :class:`~p95kit.report.data.ReportData`)."""
    window, previous = results["window"], results["previous"]
    query_text = {
        "window percentiles": window.queries["window"],
        "previous window P95": previous.queries["window"],
        "current P95": results["current"].attrs["query"],
        "P95 over time": results["range"].attrs["query"],
        "requests": window.queries["requests"],
        "buckets": window.queries["buckets"],
    }
    found = [
        window.percentiles,
        window.requests,
        window.buckets,
        previous.percentiles,
        results["current"],
        results["range"],
    ]
    warnings: list[str] = []
    for frame in found:
        warnings.extend(w for w in frame.attrs.get("warnings", []) if w not in warnings)
    return {
        "window_start": p.end - p.span,
        "window_end": p.end,
        "duration": p.duration,
        "step": p.step,
        "time_range": p.time_range,
        "chart_range": p.chart_range,
        "percentiles": list(p.percentiles),
        **p.target.attrs(),
        "slo_ms": p.slo_ms,
        "max_chart_models": p.max_chart_models,
        # what answered: an estimator that cannot read native histograms leaves them to
        # histogram_quantile
        "estimator": window.percentiles.attrs.get("estimator", p.estimator),
        "queries": query_text,
        "prometheus_url": client.safe_url,
        "version": __version__,
        "generated_at": time.time(),
        "fetch_seconds": round(time.time() - started, 3),
        "warnings": warnings,
    }


def _missing(client: Prometheus, mp: MetricPlan) -> str:
    p = mp.plan
    why = "not exported by this server?" if mp.optional else "check the name and label"
    try:
        notes = shapes.explain_empty(client, p.target, p.end - p.span - 86400, p.end)
    except MetricShapeError as exc:
        notes = [exc.message]
    detail = f": {notes[0]}" if notes else ""
    return f"{mp.metric_name}: no series in the window, left out ({why}){detail}"
