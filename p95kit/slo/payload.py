"""SLO frames -> JSON bodies: ``GET /api/slo/``, ``p95kit slo --format json``.

    {"status": "success",
     "data": [{"model": "gpt-4", "requests": 288050.0, "good_share": 0.9952, ...,
               "status": "ok", "timestamp": 1795219200.0, "threshold_ms": 500.0,
               "window": "30d"}],
     "count": 1, "metric_name": "request_duration_seconds", "threshold_ms": 500.0,
     "objective": 99.0, "window": "30d", "estimator": "...", "alerts": [...]}

Rows are :func:`p95kit.slo`'s columns (``metric_name`` first for :func:`p95kit.slo_metrics`,
whose body also carries ``thresholds`` and ``goodput``); shares, budgets and burn rates are
rounded to 6 decimals, requests to 2, timestamps are unix seconds, NaN is ``null``: strict
JSON, models sorted as in the frame.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from p95kit.errors import InvalidParameterError
from p95kit.slo.evaluate import RATIO_COLUMNS


def to_slo_payload(frame: pd.DataFrame) -> dict[str, Any]:
    """The JSON body of a :func:`p95kit.slo` or :func:`p95kit.slo_metrics` frame."""
    kind = frame.attrs.get("kind")
    if kind not in ("slo", "slo_metrics"):
        raise InvalidParameterError(
            "frame", f"to_slo_payload needs a frame of p95kit.slo or slo_metrics, not {kind!r}"
        )
    data = rows(frame)
    attrs = frame.attrs
    body: dict[str, Any] = {"status": "success", "data": data, "count": len(data)}
    if kind == "slo":
        body.update(metric_name=attrs.get("metric_name"), threshold_ms=attrs.get("threshold_ms"))
    else:
        from p95kit.slo.several_metrics import goodput

        body["thresholds"] = dict(attrs.get("thresholds", {}))
        found = goodput(frame) if len(frame) else None
        body["goodput"] = [] if found is None else _records(found, ("goodput_low", "goodput_high"))
    for key in ("objective", "window", "estimator"):
        body[key] = attrs.get(key)
    body["alerts"] = [_clean(a) for a in attrs.get("alerts", [])]
    return body


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as JSON-ready dicts (see the module)."""
    return _records(frame, RATIO_COLUMNS)


def _records(frame: pd.DataFrame, ratios: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    columns = list(frame.columns)
    values = {c: _column(frame, c, ratios) for c in columns}
    for i in range(len(frame)):
        out.append({c: values[c][i] for c in columns})
    return out


def _column(frame: pd.DataFrame, column: str, ratios: tuple[str, ...]) -> list[Any]:
    series = frame[column]
    if column == "timestamp":
        nanos = series.astype("datetime64[ns, UTC]").astype("int64").to_numpy()
        return (np.rint(nanos / 1e6) / 1e3).tolist()
    if pd.api.types.is_bool_dtype(series):
        return [bool(v) for v in series]
    if pd.api.types.is_integer_dtype(series):
        return [int(v) for v in series]
    if pd.api.types.is_float_dtype(series):
        digits = 6 if column in ratios else 2 if column == "requests" else None
        array = series.to_numpy(dtype=np.float64)
        if digits is not None:
            array = np.round(array, digits) + 0.0  # + 0.0: no -0.0
        return [v if math.isfinite(v) else None for v in array.tolist()]
    return [None if v is None or v is pd.NA else str(v) for v in series.tolist()]


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (round(v, 6) if isinstance(v, float) and math.isfinite(v) else v)
        for k, v in record.items()
    }


def to_budget_payload(frame: pd.DataFrame) -> dict[str, Any]:
    """A :func:`p95kit.budget_over_time` frame as JSON: ``{"status": "success", "data":
    [{"model": m, "data_points": [{"timestamp", "requests", "bad_requests",
    "budget_remaining"}]}], "count": n, "threshold_ms", "objective", "window", "step"}``
    (a report's ``budget.json``)."""
    data = []
    stamps = _column(frame, "timestamp", ())
    values = {c: _column(frame, c, ("budget_remaining",)) for c in _POINT_COLUMNS}
    models = frame["model"].tolist()
    start = 0
    for end in range(1, len(frame) + 1):
        if end == len(frame) or models[end] != models[start]:
            points = [
                {"timestamp": stamps[i], **{c: values[c][i] for c in _POINT_COLUMNS}}
                for i in range(start, end)
            ]
            data.append({"model": models[start], "data_points": points})
            start = end
    body: dict[str, Any] = {"status": "success", "data": data, "count": len(data)}
    for key in ("threshold_ms", "objective", "window", "step"):
        body[key] = frame.attrs.get(key)
    return body


def from_budget_payload(body: dict[str, Any]) -> pd.DataFrame:
    """The frame :func:`to_budget_payload` wrote (values as rounded there)."""
    from p95kit.query.frames import to_timestamps
    from p95kit.slo.burndown import COLUMNS

    points = [(d["model"], p) for d in body.get("data", []) for p in d["data_points"]]
    frame = pd.DataFrame({"model": pd.Series([m for m, _ in points], dtype="str")})
    frame["timestamp"] = to_timestamps([p["timestamp"] for _, p in points])
    for column in _POINT_COLUMNS:
        frame[column] = np.array(
            [np.nan if p[column] is None else p[column] for _, p in points], dtype=np.float64
        )
    frame.attrs.update({k: body.get(k) for k in ("threshold_ms", "objective", "window", "step")})
    frame.attrs["kind"] = "budget_over_time"
    return frame[list(COLUMNS)]


_POINT_COLUMNS = ("requests", "bad_requests", "budget_remaining")
