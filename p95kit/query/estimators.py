"""The estimators: which number a percentile (or a share under a threshold) is, in one registry.

An estimator reads a :class:`~p95kit.query.histogram.Histogram`'s bucket counts and answers
two questions *inside* a bucket: a quantile's value, and the share of requests at or under a
threshold between two bounds. :data:`ESTIMATORS` names each one with its help text and the
module that implements it; the CLI's ``--estimator`` choices, ``p95kit serve``'s
``estimator`` parameter, the report's parameter and footer, and the docs all derive from it.

An implementation module defines::

    quantiles(hist: Histogram, qs: tuple[float, ...]) -> np.ndarray   # (R, len(qs)), ms
    shares(hist: Histogram, threshold_ms: float) -> np.ndarray         # (R,), 0-1

and its answers must stay inside what the counts prove (the bucket :meth:`Histogram.locate`
picks; :meth:`Histogram.proven_share`). Adding an estimator is one :class:`Estimator` here and
its module. ``prometheus`` is the one Prometheus itself computes (``histogram_quantile``), so
for an instant or range question it is asked as PromQL; every other estimator asks for the
bucket counts and computes the answer in p95kit (:mod:`p95kit.query.bucket_estimates`).

This module is import-light (no numpy): the CLI reads the names at start-up.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from p95kit.errors import InvalidParameterError


@dataclass(frozen=True)
class Estimator:
    """One estimator: its ``name``, a one-line ``summary`` (help texts), a ``description``
    (the report's footer), the ``module`` implementing it, and whether ``histogram_quantile``
    in PromQL answers it (``in_promql``)."""

    name: str
    summary: str
    description: str
    module: str
    in_promql: bool = False

    def implementation(self) -> ModuleType:
        """The module with ``quantiles`` and ``shares`` (imported on first use)."""
        return importlib.import_module(self.module)


ESTIMATORS: dict[str, Estimator] = {
    e.name: e
    for e in (
        Estimator(
            "prometheus",
            "histogram_quantile, linear inside each bucket (the number Grafana shows)",
            "estimator prometheus: Prometheus's histogram_quantile, linear inside each "
            "histogram bucket; the number Grafana and alert rules show. Above the median it "
            "usually reads high (latency thins out inside a bucket); --estimator smooth is "
            "closer to the true percentile",
            "p95kit.query.linear",
            in_promql=True,
        ),
        Estimator(
            "smooth",
            "p95kit's estimate from the same buckets, closer to the true percentile",
            "estimator smooth: p95kit's monotone interpolation of the bucket counts on a "
            "log-latency axis, closer to the true percentile of the requests and always inside "
            "the same bucket as histogram_quantile; expect it below Grafana's number for the "
            "same query",
            "p95kit.query.smooth",
        ),
    )
}
#: The default estimator of the latency questions.
DEFAULT = "prometheus"
#: The estimator closest to the true percentile of the requests (measured: README, "Which
#: percentile?"): the default where a number should be the requests' own (SLO shares,
#: version comparisons), not the one Grafana shows.
ACCURATE = "smooth"
#: The estimator PromQL answers itself (``histogram_quantile``): what a question is answered
#: with when another estimator cannot read the metric (native histograms, summaries).
PROMQL = next(e.name for e in ESTIMATORS.values() if e.in_promql)


def names() -> tuple[str, ...]:
    """The estimators' names, the default first."""
    return tuple(ESTIMATORS)


def help_text() -> str:
    """One line per estimator, ``name: summary`` (for ``--help`` and the API document)."""
    return "; ".join(f"{e.name}: {e.summary}" for e in ESTIMATORS.values())


def choices_text() -> str:
    """``prometheus or smooth``: the names, for short help (a notebook's parameters cell)."""
    return " or ".join(ESTIMATORS)


def get(value: object) -> Estimator:
    """The estimator named ``value``; any other value is an :class:`InvalidParameterError`."""
    if not isinstance(value, str) or value not in ESTIMATORS:
        choices = " or ".join(repr(name) for name in ESTIMATORS)
        raise InvalidParameterError(
            "estimator",
            f"estimator must be {choices} ({help_text()}), e.g. estimator={names()[-1]!r}; "
            f"got {value!r}",
        )
    return ESTIMATORS[value]


def estimator(value: object) -> str:
    """The validated name (see :func:`get`)."""
    return get(value).name
