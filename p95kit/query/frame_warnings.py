"""Warnings p95kit attaches to an answer, next to Prometheus's own.

They go into ``frame.attrs["warnings"]`` (and the report's ``meta["warnings"]``) and
are logged on the ``p95kit`` logger: a requested model without series, an empty
answer and what to check, a summary without the requested quantile.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import pandas as pd

from p95kit.prometheus.answers import Result
from p95kit.query import frames, promql
from p95kit.query.target import Target

log = logging.getLogger("p95kit")


def missing_models(requested: Sequence[str], found: Iterable[str], metric: str) -> list[str]:
    """One warning naming the ``models=`` that have no series (a typo, or a retired model)."""
    present = set(found)
    missing = [m for m in requested if m not in present]
    if not missing:
        return []
    names = ", ".join(repr(m) for m in missing)
    return [f"no {metric} series for model {names}; list the models with: p95kit models"]


def warn_missing_series(frame: pd.DataFrame, target: Target) -> pd.DataFrame:
    """Warn (see :func:`add_warnings`) about ``models=`` without series, or, with no
    ``models=`` and an empty answer that has no warning yet, say what to check."""
    found = frame["model"].unique() if target.models else ()  # nothing to look up otherwise
    notes = missing_models(target.models, found, target.metric_name)
    if frame.empty and not target.models and not frame.attrs.get("warnings"):
        notes.append(
            f"no {target.metric_name} series with a {target.model_label!r} label matched; "
            "check metric_name, model_label and selector (p95kit doctor helps)"
        )
    return add_warnings(frame, notes)


def add_warnings(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Log ``notes`` on the ``p95kit`` logger and append them to ``frame.attrs["warnings"]``."""
    for note in notes:
        log.warning("%s", note)
    frame.attrs["warnings"] = [*frame.attrs.get("warnings", []), *notes]
    return frame


def missing_summary_quantiles(target: Target, result: Result, qs: tuple[float, ...]) -> list[str]:
    """One warning naming the requested quantiles that no summary series in ``result`` has."""
    if target.histogram != "summary":
        return []
    found = {frames.quantile_of(item["metric"]) for item in result.result}
    missing = [q for q in qs if round(q, 9) not in found]
    if not missing:
        return []
    metric = target.metric_name
    wanted = ", ".join(f'quantile="{promql.format_quantile(q)}"' for q in missing)
    return [
        f"no {metric} series with {wanted}: a summary has only the quantiles its clients "
        f"were configured with (list them with: count by (quantile) ({metric}))"
    ]


def warn_small_percentiles(frame: pd.DataFrame, wanted: Sequence[float]) -> pd.DataFrame:
    """Warn about percentiles below 1: ``0.95`` is the 0.95th percentile, rarely what was
    meant (``95``)."""
    small = [p for p in wanted if p < 1]
    if not small:
        return frame
    listed = ", ".join(f"{p:g}" for p in small)
    note = (
        f"percentile {listed} is below 1 (a tiny percentile, not a fraction); "
        "for P95 pass 95, not 0.95"
    )
    return add_warnings(frame, [note])
