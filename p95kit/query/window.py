"""Everything one window says about each model: percentiles, requests and buckets, fetched once.

:func:`fetch_window` answers, for the ``window`` before ``end``: the window-wide percentiles
(the :func:`p95kit.percentiles` frame, from ``increase``), the requests per model and the
:func:`p95kit.buckets` frame. For classic histograms all three come from one bucket query
(:mod:`p95kit.query.window_histograms`: Prometheus's numbers, computed in p95kit), and the
:class:`~p95kit.query.window_histograms.WindowHistograms` behind them travel along for
questions about thresholds (SLO shares). When a model has only a native histogram, three
queries (percentiles, requests, buckets) answer instead, three at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pandas as pd

from p95kit.prometheus.client import Prometheus
from p95kit.prometheus.fanout import run_all
from p95kit.query import frames, promql, window_histograms, window_split
from p95kit.query.buckets import fetch_buckets, from_histograms
from p95kit.query.fetch import fetch_percentiles, percentiles_from
from p95kit.query.target import Target
from p95kit.query.window_histograms import WindowHistograms


@dataclass
class Window:
    """One window's numbers: ``percentiles`` (the :func:`p95kit.percentiles` frame over the
    whole window), ``requests`` (``model`` str, ``requests`` float64), ``buckets`` (the
    :func:`p95kit.buckets` frame), ``queries`` (``window``, ``requests``, ``buckets`` -> the
    PromQL that answers each) and ``histograms`` (the classic buckets they were computed
    from; None for native histograms)."""

    percentiles: pd.DataFrame
    requests: pd.DataFrame
    buckets: pd.DataFrame
    queries: dict[str, str]
    histograms: WindowHistograms | None = None


def fetch_window(
    prom: Prometheus,
    target: Target,
    window: str,
    end: float,
    percentiles: tuple[float, ...],
    estimator: str = "prometheus",
) -> Window:
    """The :class:`Window` of the ``window`` (a validated duration) before ``end``, with the
    window-wide ``percentiles`` as ``estimator`` reads the buckets."""
    count_query = promql.request_count(target, window)
    hist = window_histograms.fetch(prom, target, window, end)
    if hist is not None:
        frame = percentiles_from(prom, hist, percentiles, estimator)
        requests = _requests_frame(hist.models, hist.requests())
        buckets = from_histograms(hist, prom.safe_url)
        queries = {"window": frame.attrs["query"], "requests": count_query, "buckets": hist.query}
        return Window(frame, requests, buckets, queries, hist)
    frame, buckets, counted = run_all(
        [
            lambda: fetch_percentiles(
                prom, target, percentiles, window, end, "increase", estimator
            ),
            lambda: fetch_buckets(prom, target, window, end),
            lambda: window_split.instant(prom, partial(promql.request_count, target), window, end),
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


def _requests_frame(models: list[str], requests) -> pd.DataFrame:
    return pd.DataFrame({"model": pd.Series(models, dtype="str"), "requests": requests})
