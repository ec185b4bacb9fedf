"""Prometheus API results -> pandas DataFrames with fixed schemas (pvlib-style ``parse_*``).

Parsing is separate from fetching, so it is tested without HTTP. Sample values
arrive as JSON strings (``"0.375"``, ``"NaN"``, ``"+Inf"``); they are converted
per series with numpy, never with a Python loop per sample. Every frame has the
same columns and dtypes when empty. Latencies are multiplied by ``scale``
(1000 for seconds -> milliseconds).
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
import pandas as pd

from p95kit.validation import percentile_column

TIMESTAMP = "datetime64[ns, UTC]"


def to_timestamps(seconds: Any) -> pd.DatetimeIndex:
    """Unix seconds (scalar or array) -> tz-aware UTC timestamps at millisecond precision."""
    millis = np.rint(np.asarray(seconds, dtype=np.float64) * 1000).astype(np.int64)
    return pd.DatetimeIndex(pd.to_datetime(millis, unit="ms", utc=True)).astype(TIMESTAMP)


def _models(values: list[str] | np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="str")


def parse_instant(
    result: list[dict[str, Any]], model_label: str, column: str, scale: float, at: float
) -> pd.DataFrame:
    """An instant vector -> ``model`` (str), ``<column>`` (float64), ``timestamp`` (UTC).

    One row per model, sorted by model; ``timestamp`` is the evaluation time ``at``.
    """
    rows = sorted((item["metric"].get(model_label, ""), float(item["value"][1])) for item in result)
    frame = pd.DataFrame(
        {
            "model": _models([m for m, _ in rows]),
            column: np.array([v for _, v in rows], dtype=np.float64) * scale,
        }
    )
    frame["timestamp"] = to_timestamps(np.full(len(frame), at))
    return frame


def parse_matrix(
    result: list[dict[str, Any]], model_label: str, column: str, scale: float
) -> pd.DataFrame:
    """A range matrix -> ``model`` (str), ``timestamp`` (UTC), ``<column>`` (float64).

    Sorted by model, then time. Values are converted in one vectorised pass over
    all series: the per-series ``values`` lists are chained and cast by numpy.
    """
    series = sorted(result, key=lambda item: item["metric"].get(model_label, ""))
    lengths = np.fromiter((len(s["values"]) for s in series), dtype=np.int64, count=len(series))
    total = int(lengths.sum())
    if total == 0:
        return pd.DataFrame(
            {
                "model": _models([]),
                "timestamp": to_timestamps(np.empty(0)),
                column: np.empty(0, dtype=np.float64),
            }
        )
    # [[t, "v"], ...] per series -> one flat [t, "v", t, "v", ...] list, cast by numpy.
    flat = list(chain.from_iterable(chain.from_iterable(s["values"] for s in series)))
    names = np.array([s["metric"].get(model_label, "") for s in series], dtype=object)
    frame = pd.DataFrame(
        {
            "model": _models(np.repeat(names, lengths)),
            "timestamp": to_timestamps(np.array(flat[0::2], dtype=np.float64)),
            column: np.array(flat[1::2], dtype=np.float64) * scale,
        }
    )
    return frame


def parse_quantiles(
    result: list[dict[str, Any]],
    model_label: str,
    percentiles: tuple[float, ...],
    scale: float,
    at: float,
) -> pd.DataFrame:
    """An instant vector labelled by ``quantile`` -> one column per percentile.

    Columns: ``model`` (str), ``p50``/``p95``/... (float64, NaN when missing),
    ``timestamp`` (UTC). One row per model, sorted by model.
    """
    columns = [percentile_column(p) for p in percentiles]
    by_quantile = {round(p / 100, 9): c for p, c in zip(percentiles, columns)}
    table: dict[str, dict[str, float]] = {}
    for item in result:
        labels = item["metric"]
        column = by_quantile.get(round(float(labels.get("quantile", "nan")), 9))
        if column is not None:
            model = labels.get(model_label, "")
            table.setdefault(model, {})[column] = float(item["value"][1]) * scale
    models = sorted(table)
    frame = pd.DataFrame({"model": _models(models)})
    for column in columns:
        frame[column] = np.array([table[m].get(column, np.nan) for m in models], dtype=np.float64)
    frame["timestamp"] = to_timestamps(np.full(len(frame), at))
    return frame


def parse_labelled_values(
    result: list[dict[str, Any]], labels: tuple[str, ...], column: str, scale: float = 1.0
) -> pd.DataFrame:
    """An instant vector -> one column per label in ``labels`` (str) plus ``<column>``.

    Used for auxiliary series such as request counts or bucket counts per ``le``.
    """
    data: dict[str, Any] = {
        label: _models([item["metric"].get(label, "") for item in result]) for label in labels
    }
    data[column] = np.array([float(item["value"][1]) for item in result], dtype=np.float64) * scale
    frame = pd.DataFrame(data)
    return frame.sort_values(list(labels), kind="stable", ignore_index=True)
