"""``histogram_quantile`` over a window the backend refuses for its sample limit.

``histogram_quantile(q, sum by (le, model) (rate(x_bucket[30d])))`` reads every sample of
the window at once. When the backend refuses it (:mod:`p95kit.prometheus.sample_limits`),
:func:`answer` asks for the window's bucket counts instead
(:func:`p95kit.query.window_histograms.fetch`, split into sub-windows whose counts add up by
:mod:`p95kit.query.window_split`) and computes the quantiles with ``histogram_quantile``'s
arithmetic (:mod:`p95kit.query.linear`): the numbers the backend would have
answered, as the same vector (a ``quantile`` label on each series), so the frames are
parsed as usual. A model without traffic is a NaN row. Native histograms and summaries
are not split: their refusal is raised.
"""

from __future__ import annotations

from typing import Any

from p95kit.errors import PrometheusSampleLimitError
from p95kit.prometheus.answers import Result
from p95kit.prometheus.client import Prometheus
from p95kit.query import promql, window_histograms
from p95kit.query.target import Target


def answer(
    prom: Prometheus,
    target: Target,
    qs: tuple[float, ...],
    window: str,
    at: float,
    func: str,
    query: str,
) -> Result:
    """``prom.query(query, at)`` for ``query``, a :func:`~p95kit.query.promql.quantile` or
    :func:`~p95kit.query.promql.quantiles` query of ``qs`` over ``window`` (``func``: rate
    or increase); when refused for the sample limit, the same answer computed from the
    window's bucket counts, with a warning that says so."""
    try:
        return prom.query(query, at)
    except PrometheusSampleLimitError as refusal:
        if target.histogram not in ("classic", "auto"):
            raise
        hist = window_histograms.fetch(prom, target, window, at, func)
        if hist is None:  # a native histogram: Prometheus's to interpolate
            raise
        limit = refusal.limit
    values = hist.quantiles(qs) / target.scale  # the metric's unit, as the answer has it
    label = target.model_label
    result: list[dict[str, Any]] = [
        {
            "metric": {label: model, "quantile": promql.format_quantile(q)},
            "value": [at, repr(float(values[row, column]))],
        }
        for row, model in enumerate(hist.models)
        for column, q in enumerate(qs)
    ]
    note = (
        f"histogram_quantile over {window} was too large for the backend's sample limit "
        f"({limit}); p95kit computed the percentiles from the window's bucket counts "
        "with histogram_quantile's arithmetic"
    )
    return Result("vector", result, [*hist.warnings, note], list(hist.infos))
