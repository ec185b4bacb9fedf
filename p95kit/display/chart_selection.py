"""Which models the P95 chart draws: the slowest few, in a stable order.

Kept apart from :mod:`p95kit.display.plotting` (pandas only, no matplotlib) so the report's
tables can name the models that are not in the chart without importing matplotlib.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


def chart_models(
    range_frame: pd.DataFrame, max_models: int = 10, order: Iterable[str] | None = None
) -> list[str]:
    """The models :func:`p95kit.plot_p95` draws, slowest first (at most ``max_models``).

    Only models with at least one non-NaN ``p95_latency_ms`` point are eligible.
    ``order`` (e.g. ``ReportData.summary["model"]``, slowest window P95 first) decides
    which ones; without it, models are ranked by their median P95 over time, then max.
    """
    points = range_frame.dropna(subset=["p95_latency_ms"])
    if points.empty or max_models < 1:
        return []
    stats = points.groupby("model", sort=True)["p95_latency_ms"].agg(["median", "max"])
    if order is not None:
        ranked = [m for m in dict.fromkeys(str(m) for m in order) if m in stats.index]
        ranked += [m for m in _by_latency(stats) if m not in set(ranked)]
    else:
        ranked = _by_latency(stats)
    return ranked[:max_models]


def _by_latency(stats: pd.DataFrame) -> list[str]:
    ordered = stats.reset_index().sort_values(
        ["median", "max", "model"], ascending=[False, False, True], kind="stable"
    )
    return [str(m) for m in ordered["model"]]


def chart_description(
    range_frame: pd.DataFrame, max_models: int = 10, order: Iterable[str] | None = None
) -> str:
    """Alternative text for the chart: what it shows and which models, slowest first.

    Plain text with the untrusted model names as they are: escape it where it is rendered.
    """
    names = chart_models(range_frame, max_models, order)
    if not names:
        return "P95 latency per model over time: no model had traffic in this window."
    with_data = range_frame.dropna(subset=["p95_latency_ms"])["model"].nunique()
    which = f"the {len(names)} slowest of {with_data}" if with_data > len(names) else "all"
    return f"P95 latency over time (UTC) for {which} models with traffic: " + ", ".join(names)
