"""The burn-rate windows' counts (5m ... 3d, all ending at ``at``), every model, one query.

A burn rate needs, per model and window, only the requests and the good ones. When the
threshold is a bucket bound, that is two buckets (the threshold's and ``+Inf``), so the one
query asks for exactly those, each window tagged by ``label_replace``::

    label_replace(sum by (le, model) (increase(x_bucket{model!="", le=~"2|2\\.0|\\+Inf"}[5m])),
                  "p95kit_window", "5m", "", "")
    or label_replace(... [30m] ...) or ...

The ``le`` spellings come from the server (``/api/v1/label/le/values`` of the metric's
buckets): every spelling whose number is the threshold (``2``, ``2.0``, ``2e+00``) and
``+Inf``, so a bound is matched as a number however an exporter wrote it. When the threshold
lies between bounds the estimator needs the neighbouring buckets and the ``_sum``: the query
asks for every bucket instead (:func:`p95kit.query.window_histograms.query`). Either way each
window's answer becomes a :class:`~p95kit.query.window_histograms.WindowHistograms`, read by
the same histogram core as the SLO window.

A backend that refuses the query for its sample limit is asked one window at a time, and a
window still too large by itself through :func:`p95kit.query.window_histograms.fetch` (which
splits it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from p95kit.errors import PrometheusQueryError
from p95kit.prometheus.client import Prometheus
from p95kit.query import promql, window_histograms
from p95kit.query.histogram import SAME_BOUND
from p95kit.query.target import Target
from p95kit.query.window_histograms import WindowHistograms

log = logging.getLogger("p95kit")

#: The label that tells the windows apart in the one answer.
WINDOW_LABEL = "p95kit_window"
_INF = "+Inf"


@dataclass
class BurnWindows:
    """Each window's histograms (``histograms[window]``), the PromQL asked (``queries``:
    one, or one per window after a sample-limit refusal), and Prometheus's notes."""

    histograms: dict[str, WindowHistograms]
    queries: list[str]
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)


def classic(target: Target) -> Target:
    """``target`` asked as a classic histogram (SLOs read ``le`` buckets)."""
    return replace(target, histogram="classic")


def threshold_spellings(
    prom: Prometheus, target: Target, threshold_ms: float, start: float, end: float
) -> list[str] | None:
    """Every ``le`` spelling of the threshold on the metric's buckets between ``start`` and
    ``end``, plus ``+Inf``; None when no bucket bound there equals the threshold."""
    matches = [promql.series_selector(classic(target), "_bucket")]
    values = prom.label_values("le", matches, start, end)
    threshold = threshold_ms / target.scale
    found = [v for v in values if _equals(v, threshold)]
    return [*found, _INF] if found else None


def _equals(text: str, threshold: float) -> bool:
    try:
        bound = float(text)
    except ValueError:
        return False
    return bool(np.isclose(bound, threshold, rtol=SAME_BOUND, atol=0.0))


def window_query(target: Target, window: str, spellings: Sequence[str] | None) -> str:
    """One window's counts: the buckets of ``spellings`` (None: every bucket and ``_sum``)."""
    target = classic(target)
    if spellings is None:
        return window_histograms.query(target, window, "increase")
    pattern = "|".join(promql.regex_literal(s) for s in spellings)
    selector = promql.series_selector(target, "_bucket", f"le=~{promql.string_literal(pattern)}")
    return f"sum by (le, {target.model_label}) (increase({selector}[{window}]))"


def query(target: Target, windows: Sequence[str], spellings: Sequence[str] | None) -> str:
    """Every window's counts in one query, each series tagged with :data:`WINDOW_LABEL`."""
    label = window_label(target)
    return " or ".join(
        f'label_replace({window_query(target, w, spellings)}, "{label}", "{w}", "", "")'
        for w in windows
    )


def window_label(target: Target) -> str:
    """:data:`WINDOW_LABEL`, or another name when the model label is called that."""
    return WINDOW_LABEL if target.model_label != WINDOW_LABEL else WINDOW_LABEL + "_"


def fetch(
    prom: Prometheus,
    target: Target,
    threshold_ms: float,
    windows: Sequence[str],
    when: float,
    longest_s: float,
) -> BurnWindows:
    """Every model's counts over each of ``windows`` before ``when`` (``longest_s``: the
    longest window in seconds, where the ``le`` spellings are looked up)."""
    spellings = threshold_spellings(prom, target, threshold_ms, when - longest_s, when)
    text = query(target, windows, spellings)
    try:
        result = prom.query(text, when)
    except PrometheusQueryError as exc:
        if not too_many_samples(exc):
            raise
        log.info("burn windows: over the sample limit in one query; one window at a time")
        return _one_by_one(prom, target, windows, when, spellings)
    label = window_label(target)
    by_window: dict[str, list] = {w: [] for w in windows}
    for item in result.result:
        by_window.setdefault(item["metric"].get(label, ""), []).append(item)
    histograms = {}
    for w in windows:
        hist = window_histograms.from_answer(by_window[w], classic(target), w, when, text)
        histograms[w] = hist if hist is not None else _empty(target, w, when, text)
    return BurnWindows(histograms, [text], list(result.warnings), list(result.infos))


def too_many_samples(exc: PrometheusQueryError) -> bool:
    """Whether the backend refused a query for its sample limit: Prometheus's
    ``--query.max-samples`` ("would load too many samples into memory") or VictoriaMetrics'
    ``-search.maxSamplesPerQuery`` ("cannot select more than ... samples")."""
    text = exc.error or ""
    return "too many samples" in text or "maxSamplesPerQuery" in text


def _one_by_one(
    prom: Prometheus,
    target: Target,
    windows: Sequence[str],
    when: float,
    spellings: Sequence[str] | None,
) -> BurnWindows:
    """Each window by itself: the same question, or, when one window alone is over the
    limit, :func:`p95kit.query.window_histograms.fetch` (which splits it)."""
    histograms, queries, warnings, infos = {}, [], [], []
    for w in windows:
        text = window_query(target, w, spellings)
        try:
            result = prom.query(text, when)
            hist = window_histograms.from_answer(result.result, classic(target), w, when, text)
            notes = (list(result.warnings), list(result.infos))
        except PrometheusQueryError as exc:
            if not too_many_samples(exc):
                raise
            hist = window_histograms.fetch(prom, classic(target), w, when)
            notes = (list(hist.warnings), list(hist.infos)) if hist is not None else ([], [])
        hist = hist if hist is not None else _empty(target, w, when, text)
        histograms[w] = hist
        queries.append(hist.query or text)
        warnings += [x for x in notes[0] if x not in warnings]
        infos += [x for x in notes[1] if x not in infos]
    return BurnWindows(histograms, queries, warnings, infos)


def _empty(target: Target, window: str, when: float, text: str) -> WindowHistograms:
    return WindowHistograms(classic(target), window, when, text, [], [])
