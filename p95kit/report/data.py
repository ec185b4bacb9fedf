"""Everything one report shows, fetched once: the frames behind the HTML and the JSON payloads.

:func:`collect` runs the queries (in the CLI process, which holds the
credentials); :meth:`ReportData.save` writes the payloads the frontend reads
(``p95.json``, ``p95_range.json``, ``percentiles.json``) plus ``summary.json``;
:meth:`ReportData.load` rebuilds the frames from those files inside the notebook
kernel, so the HTML shows exactly the data in the JSON, and no second fetch (nor
any secret) reaches the notebook.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from p95kit import __version__, validation
from p95kit.durations import align, choose_step, format_duration, normalize_duration
from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.fanout import run_all
from p95kit.query import estimators, frames, histograms, latency, promql, window_split
from p95kit.query.buckets import fetch_buckets, from_histograms
from p95kit.query.columns import percentile_column
from p95kit.query.frame_warnings import missing_models
from p95kit.query.payloads import dumps, from_payload, to_payload
from p95kit.query.percentile_buckets import overall_percentiles
from p95kit.query.target import Target, make_target
from p95kit.report.parameters import (
    ReportSettings,
    settings_from_notebook,
    with_selection_defaults,
)
from p95kit.report.summary import (
    bucket_columns,
    from_json_records,
    summarize,
    to_json_records,
)
from p95kit.times import parse_time, to_rfc3339

log = logging.getLogger("p95kit")


@dataclass
class ReportData:
    """The data of one report.

    - ``window``: percentiles per model over the whole window (``increase`` over
      ``duration``): ``model``, ``p50``/``p95``/``p99``... (float64 ms), ``timestamp``.
    - ``current``: P95 over the last ``time_range``: the :func:`p95kit.p95` frame.
    - ``range``: P95 over time: the :func:`p95kit.p95_range` frame.
    - ``summary``: one row per model, slowest window P95 first: ``model`` (str),
      ``requests`` (float64, requests in the window), the window percentile columns
      (ms), ``p95_current_ms``, ``p95_previous_ms`` (P95 of the previous window of
      the same length), ``delta_p95_ms`` and ``delta_p95_pct`` (change vs previous),
      ``slo_share`` (fraction of requests at or under ``slo_ms``, NaN without an SLO),
      ``top_bucket_ms`` (the highest finite bucket bound when the window P95 lies
      in the ``+Inf`` bucket, i.e. the P95 is "≥ that bound"; else NaN),
      ``no_traffic`` (bool).
    - ``meta``: ``window_start``/``window_end`` (unix s), ``duration``, ``step``,
      ``time_range``, ``percentiles`` (list of float), ``metric_name``,
      ``model_label``, ``unit``, ``unit_assumed``, ``slo_ms``, ``estimator``
      (``prometheus`` or ``smooth``: which percentiles these are), ``queries`` (dict
      name -> PromQL), ``prometheus_url`` (no credentials), ``version``,
      ``generated_at`` (unix s), ``warnings`` (list of str), ``all_models`` (the window
      percentiles over every request: :func:`p95kit.overall_percentiles`).
    """

    window: pd.DataFrame
    current: pd.DataFrame
    range: pd.DataFrame
    summary: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)

    def save(self, folder: Path) -> list[Path]:
        """Write ``p95.json``, ``p95_range.json``, ``percentiles.json`` and ``summary.json``."""
        folder = Path(folder)
        written = []
        for attribute, name in PAYLOAD_FILES.items():
            written.append(_write(folder / name, dumps(to_payload(getattr(self, attribute)))))
        body = {"meta": self.meta, "models": to_json_records(self.summary)}
        written.append(_write(folder / SUMMARY_FILE, dumps(body)))
        return written

    @classmethod
    def load(cls, folder: Path | str) -> ReportData:
        """Rebuild the data from the files :meth:`save` wrote (what the frontend reads)."""
        folder = Path(folder)
        body = orjson.loads((folder / SUMMARY_FILE).read_bytes())
        meta = body["meta"]
        loaded = {
            attribute: from_payload(
                orjson.loads((folder / name).read_bytes()),
                {"current": "p95", "range": "p95_range", "window": "percentiles"}[attribute],
                meta["percentiles"],
            )
            for attribute, name in PAYLOAD_FILES.items()
        }
        records = from_json_records(body["models"])
        summary = pd.DataFrame.from_records(records, columns=_summary_columns(meta))
        summary["model"] = summary["model"].astype("str")
        numeric = summary.columns.drop(["model", "no_traffic"])
        summary[numeric] = summary[numeric].astype(np.float64)
        summary["no_traffic"] = summary["no_traffic"].astype(bool)
        return cls(loaded["window"], loaded["current"], loaded["range"], summary, meta)


PAYLOAD_FILES = {"current": "p95.json", "range": "p95_range.json", "window": "percentiles.json"}
SUMMARY_FILE = "summary.json"
#: The P95-over-time chart (PNG) ``p95kit report`` draws beside the payloads.
CHART_FILE = "chart.png"


@dataclass(frozen=True)
class Plan:
    """Validated :class:`ReportSettings`: durations in seconds, ``end`` aligned to the step."""

    #: The settings as run: durations normalised, the step chosen, ``end`` aligned
    #: (RFC 3339), the percentiles sorted with 95 in them.
    settings: ReportSettings
    target: Target
    duration: str
    span: float
    step: str
    step_s: float
    time_range: str
    #: The rate window of each chart point: ``time_range``, or the step when that is
    #: longer (a shorter window would skip the requests between the points).
    chart_range: str
    percentiles: tuple[float, ...]
    end: float
    slo_ms: float | None
    max_chart_models: int
    estimator: str = "prometheus"


def plan(settings: ReportSettings) -> Plan:
    """Validate every setting; raises InvalidParameterError before anything is sent.

    With a ``preset`` or several metrics, the plan of the first one (all of them:
    :func:`p95kit.report.metric_set.plan_metrics`)."""
    settings = with_selection_defaults(settings)
    if settings.preset or not isinstance(settings.metric_name, str) or "," in settings.metric_name:
        from p95kit.report.metric_set import plan_metrics

        return plan_metrics(settings)[0][0].plan
    target = make_target(
        settings.metric_name,
        settings.model_label,
        settings.models,
        settings.selector,
        settings.histogram,
        settings.unit,
    )
    if target.histogram == "summary":
        raise InvalidParameterError(
            "histogram",
            "reports need a histogram (classic or native): a summary's precomputed quantiles "
            "cannot give a window-wide percentile; use `p95kit query --histogram summary`",
        )
    duration, span = normalize_duration(settings.duration, "duration")
    if settings.step:
        step, step_s = normalize_duration(settings.step, "step")
    else:
        step_s = choose_step(span)
        step = format_duration(step_s)
    if step_s > span:
        raise InvalidParameterError("step", f"step ({step}) must not exceed duration ({duration})")
    time_range, range_s = normalize_duration(settings.time_range, "time_range")
    slo = settings.slo_ms
    if slo is not None:
        slo = validation.positive(slo, "slo_ms", "milliseconds", "500")
    validation.count(settings.max_chart_models, "max_chart_models", 10)
    percentiles = tuple(sorted({*validation.percentiles(settings.percentiles), 95.0}))
    end = align(parse_time(settings.end, "end"), step_s)
    slo_ms = float(slo) if slo else None
    as_run = dataclasses.replace(
        settings,
        duration=duration,
        step=step,
        time_range=time_range,
        percentiles=percentiles,
        end=to_rfc3339(end),
        slo_ms=slo_ms,
    )
    return Plan(
        settings=as_run,
        target=target,
        duration=duration,
        span=span,
        step=step,
        step_s=step_s,
        time_range=time_range,
        chart_range=time_range if range_s >= step_s else step,
        percentiles=percentiles,
        end=end,
        slo_ms=slo_ms,
        max_chart_models=settings.max_chart_models,
        estimator=estimators.estimator(settings.estimator),
    )


def collect(client: Prometheus, p: Plan) -> ReportData:
    """Fetch everything a report shows, for a :func:`plan`: four queries, three at a time."""
    started = time.time()
    tasks = query_tasks(client, p)
    # One failure decides the run: the queries not yet started are skipped.
    results = dict(zip(tasks, run_all(list(tasks.values()), workers=3)))
    log.info("fetched %d queries in %.2f s", len(tasks), time.time() - started)
    return assemble(client, p, results, started)


@dataclass
class Window:
    """What a report says about one window: ``percentiles`` (the :func:`p95kit.percentiles`
    frame), ``requests`` (``model`` str, ``requests`` float64), ``buckets`` (the
    :func:`p95kit.buckets` frame) and ``queries`` (name -> the PromQL that answers each)."""

    percentiles: pd.DataFrame
    requests: pd.DataFrame
    buckets: pd.DataFrame
    queries: dict[str, str]


def fetch_window(client: Prometheus, p: Plan, end: float, percentiles: tuple[float, ...]) -> Window:
    """The window of ``p.duration`` before ``end``: from one bucket query for classic
    histograms (:mod:`p95kit.query.histograms`: Prometheus's numbers, computed here), from
    three (percentiles, requests, buckets) when a model has only a native histogram."""
    target = p.target
    count_query = promql.request_count(target, p.duration)
    hist = histograms.fetch(client, target, p.duration, end)
    if hist is not None:
        frame = latency.percentiles_from(client, hist, percentiles, p.estimator)
        requests = pd.DataFrame(
            {"model": pd.Series(hist.models, dtype="str"), "requests": hist.requests()}
        )
        buckets = from_histograms(hist, client.safe_url)
        queries = {"window": frame.attrs["query"], "requests": count_query, "buckets": hist.query}
        return Window(frame, requests, buckets, queries)
    frame, buckets, counted = run_all(
        [
            lambda: latency.fetch_percentiles(
                client, target, percentiles, p.duration, end, "increase", p.estimator
            ),
            lambda: fetch_buckets(client, target, p.duration, end),
            lambda: window_split.instant(
                client, partial(promql.request_count, target), p.duration, end
            ),
        ],
        workers=3,
    )
    requests = frames.parse_labelled_values(counted.result, (target.model_label,), "requests")
    requests = requests.rename(columns={target.model_label: "model"})
    requests.attrs["warnings"] = list(counted.warnings)
    queries = {
        "window": frame.attrs["query"],
        "requests": count_query,
        "buckets": buckets.attrs["query"],
    }
    return Window(frame, requests, buckets, queries)


def query_tasks(client: Prometheus, p: Plan) -> dict[str, Callable[[], Any]]:
    """The queries of one report (one metric), by name, not yet run: for :func:`collect`,
    or for several metrics run together (:mod:`p95kit.report.metric_set`)."""
    target = p.target
    return {
        # the longest first: the pool runs three at a time
        "range": lambda: latency.fetch_range(
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
        "window": lambda: fetch_window(client, p, p.end, p.percentiles),
        "previous": lambda: fetch_window(client, p, p.end - p.span, (95.0,)),
        "current": lambda: latency.fetch_p95(client, target, p.time_range, p.end, p.estimator),
    }


def assemble(client: Prometheus, p: Plan, results: dict[str, Any], started: float) -> ReportData:
    """The :class:`ReportData` of one metric from the results of :func:`query_tasks`."""
    target = p.target
    window, previous = results["window"], results["previous"]
    summary = summarize(
        target,
        p.slo_ms,
        window.percentiles,
        results["current"],
        previous.percentiles,
        window.requests,
        window.buckets,
    )
    meta = _meta(p, client, results, started)
    meta["warnings"] += missing_models(target.models, summary["model"], target.metric_name)
    meta["all_models"] = overall_percentiles(window.buckets, p.percentiles)
    return ReportData(window.percentiles, results["current"], results["range"], summary, meta)


def _meta(p: Plan, client: Prometheus, results: dict, started: float) -> dict:
    """The report's metadata."""
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
        # what answered: "smooth" falls back to "prometheus" for native histograms
        "estimator": window.percentiles.attrs.get("estimator", p.estimator),
        "queries": query_text,
        "prometheus_url": client.safe_url,
        "version": __version__,
        "generated_at": time.time(),
        "fetch_seconds": round(time.time() - started, 3),
        "warnings": warnings,
    }


def collect_live(prometheus_url: str | None = None, **settings: Any) -> ReportData:
    """Fetch report data now, for a notebook opened interactively (credentials from env)."""
    from p95kit.prometheus.config import build_client

    with build_client(prometheus_url or None) as client:
        return collect(client, plan(ReportSettings(**settings)))


def notebook_data(parameters: Mapping[str, Any]) -> ReportData:
    """The data a report notebook shows, from its ``parameters`` cell (pass ``globals()``):
    the files ``p95kit report`` saved in ``data_dir``, or, opened interactively with an
    empty ``data_dir``, fetched now with the cell's settings and ``prometheus_url``."""
    if parameters.get("data_dir"):
        return ReportData.load(parameters["data_dir"])
    settings = settings_from_notebook(parameters)
    return collect_live(parameters.get("prometheus_url") or None, **dataclasses.asdict(settings))


def _summary_columns(meta: dict) -> list[str]:
    percentile_columns = [percentile_column(p) for p in meta["percentiles"]]
    return [
        "model",
        "requests",
        *percentile_columns,
        "p95_current_ms",
        "p95_previous_ms",
        "delta_p95_ms",
        "delta_p95_pct",
        "slo_share",
        "top_bucket_ms",
        "no_traffic",
        *bucket_columns(percentile_columns),
    ]


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
