"""Recognising a backend's refusal of a query for its sample limit.

Every engine that speaks the Prometheus API protects itself from a question that would
read too much, and each says so in its own words (the texts below are the engines'
own, from their sources, and the Prometheus and VictoriaMetrics ones were checked
against the real servers):

- Prometheus (and Thanos, Cortex and Mimir's queriers, which run its engine):
  ``query processing would load too many samples into memory in query execution``
  (``errorType`` ``execution``, HTTP 422), for ``--query.max-samples`` (default 50
  million). Its engine counts a range query's points across every series, and the
  samples of one series' window at a time;
- Mimir: ``the query exceeded the maximum number of chunks (limit: N chunks)
  (err-mimir-max-chunks-per-query)``, the same for chunk bytes
  (``err-mimir-max-chunks-bytes-per-query``), estimated chunks and the query engine's
  estimated memory (``err-mimir-max-estimated-memory-consumption-per-query``);
- Cortex: ``the query hit the max number of chunks limit (limit: N chunks)``,
  ``the query hit the aggregated chunks size limit`` (and data size);
- VictoriaMetrics: ``cannot select more than -search.maxSamplesPerQuery=N samples;
  possible solutions: ...`` (every raw sample the query reads, counted by whole
  storage blocks of up to 8,192 samples per series), ``cannot process more than N
  samples per series; either increase -search.maxSamplesPerSeries or reduce time
  range for the query``, and for ranges ``too many points for the given step=...:
  N; cannot exceed -search.maxPointsPerTimeseries=M`` (``errorType`` ``422``).

Each of these shrinks with the time the question covers, so a smaller window is
answered: :mod:`p95kit.prometheus.range_split` splits a range into shorter ones,
:mod:`p95kit.query.window_split` a window into sub-windows whose counts add up. A limit
on the number of *series* (``err-mimir-max-series-per-query``) does not shrink with time
and is not one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from p95kit.errors import PrometheusQueryError, PrometheusSampleLimitError


@dataclass(frozen=True)
class Limit:
    """One engine's words for its limit: ``phrase`` (found in the ``error`` text,
    case-insensitively), the ``engine`` and the ``setting`` that sets it (for messages)."""

    phrase: str
    engine: str
    setting: str

    def __str__(self) -> str:
        return f"{self.engine} {self.setting}"


LIMITS = (
    Limit(
        "query processing would load too many samples into memory",
        "Prometheus",
        "--query.max-samples (Thanos, Cortex, Mimir: -querier.max-samples)",
    ),
    Limit("err-mimir-max-chunks-per-query", "Mimir", "-querier.max-fetched-chunks-per-query"),
    Limit(
        "err-mimir-max-chunks-bytes-per-query",
        "Mimir",
        "-querier.max-fetched-chunk-bytes-per-query",
    ),
    Limit(
        "err-mimir-max-estimated-chunks-per-query",
        "Mimir",
        "-querier.max-estimated-fetched-chunks-per-query-multiplier",
    ),
    Limit(
        "err-mimir-max-estimated-memory-consumption-per-query",
        "Mimir",
        "-querier.max-estimated-memory-consumption-per-query",
    ),
    Limit(
        "the query hit the max number of chunks limit",
        "Cortex",
        "-querier.max-fetched-chunks-per-query",
    ),
    Limit(
        "the query hit the aggregated chunks size limit",
        "Cortex",
        "-querier.max-fetched-chunk-bytes-per-query",
    ),
    Limit(
        "the query hit the aggregated data size limit",
        "Cortex",
        "-querier.max-fetched-data-bytes-per-query",
    ),
    Limit("-search.maxSamplesPerQuery", "VictoriaMetrics", "-search.maxSamplesPerQuery"),
    Limit("-search.maxSamplesPerSeries", "VictoriaMetrics", "-search.maxSamplesPerSeries"),
    Limit("-search.maxPointsPerTimeseries", "VictoriaMetrics", "-search.maxPointsPerTimeseries"),
)


def limit_of(error: str) -> Limit | None:
    """The :class:`Limit` whose words are in a backend's ``error`` text, or None."""
    text = error.lower()
    return next((limit for limit in LIMITS if limit.phrase.lower() in text), None)


def query_error(error_type: str, error: str, query: str | None) -> PrometheusQueryError:
    """The error for a backend's error envelope: :class:`PrometheusSampleLimitError` when
    its text is a sample limit's, else :class:`PrometheusQueryError`."""
    limit = limit_of(error)
    if limit is None:
        return PrometheusQueryError(error_type, error, query=query)
    return PrometheusSampleLimitError(error_type, error, query=query, limit=str(limit))


def still_refused(refusal: PrometheusSampleLimitError, parts: int) -> PrometheusSampleLimitError:
    """``refusal`` (of the whole question), saying it was split into ``parts`` in vain."""
    return PrometheusSampleLimitError(
        refusal.error_type, refusal.error, query=refusal.query, limit=refusal.limit, parts=parts
    )


def split_note(refusal: PrometheusSampleLimitError, how: str) -> str:
    """The warning of an answer that was split because of ``refusal``: ``how`` says into
    what (``"2 sub-windows of 12h whose counts were added"``)."""
    return (
        f"the query was too large for the backend's sample limit ({refusal.limit}); "
        f"p95kit answered it as {how}: the same numbers"
    )
