"""DataFrames -> the original Django API's JSON bodies, byte-for-byte in field names.

Latencies are milliseconds rounded to 2 decimals, timestamps unix seconds, models
sorted by name, ``count`` is ``len(data)``. NaN and infinities become ``null``:
the output is strict JSON that ``JSON.parse`` accepts.

Summary frames carry an ``instance`` column (one row per series, never averaged);
their data items then have an ``"instance"`` field right after ``"model"``, and a
``p95_range`` item holds the points of one model *and* instance.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import orjson
import pandas as pd

from p95kit.errors import InvalidParameterError, P95kitError
from p95kit.query.columns import percentile_column
from p95kit.query.frames import INSTANCE, to_timestamps


def to_payload(frame: pd.DataFrame) -> dict[str, Any]:
    """The original API's JSON body for a frame returned by p95, p95_range or percentiles.

    Everything needed (metric name, window, percentiles) is read from ``frame.attrs``.
    """
    kind = frame.attrs.get("kind")
    builder = _BUILDERS.get(kind)  # type: ignore[arg-type]
    if builder is None:
        raise InvalidParameterError(
            "frame",
            "to_payload needs a frame returned by p95kit.p95, p95_range or percentiles "
            f"(frame.attrs['kind'] is {kind!r})",
        )
    data = builder(_in_payload_order(frame, kind))
    payload: dict[str, Any] = {"status": "success", "data": data, "count": len(data)}
    if kind == "percentiles":
        payload["metric_name"] = frame.attrs["metric_name"]
        payload["time_range"] = frame.attrs["time_range"]
    return payload


def _in_payload_order(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Check the columns the payload needs; sort by model (instance, time) whatever the
    caller did to the row order (``sort_values("p95_latency_ms")`` in a notebook)."""
    keys = [c for c in ("model", INSTANCE) if c in frame.columns]
    needed = ["model", "timestamp"]
    if kind == "percentiles":
        needed += [percentile_column(p) for p in frame.attrs.get("percentiles", ())]
    else:
        needed += ["p95_latency_ms"] + (["metric_name", "time_range"] if kind == "p95" else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InvalidParameterError(
            "frame", f"to_payload needs the {kind} frame's columns; missing: {', '.join(missing)}"
        )
    order = [*keys, "timestamp"] if kind == "p95_range" else keys
    return frame if _in_order(frame, order) else frame.sort_values(order, kind="stable")


def _in_order(frame: pd.DataFrame, columns: list[str]) -> bool:
    """True when rows are already sorted by ``columns`` (p95kit's frames are): checking
    costs a quarter of sorting a 200 x 1,441 range frame."""
    tied = np.ones(max(len(frame) - 1, 0), dtype=bool)  # rows equal on the columns so far
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.astype("int64")
        array = values.to_numpy()
        before, after = array[:-1], array[1:]
        if np.any(tied & (after < before)):
            return False
        tied &= after == before
    return True


def error_payload(error: BaseException) -> dict[str, Any]:
    """``{"error": "<message>", "details": {...}}`` for an exception (secrets never included)."""
    if isinstance(error, P95kitError):
        details = {k: v for k, v in error.details.items() if v is not None}
        details["type"] = type(error).__name__
        details["status"] = details.get("status", error.http_status)
        return {"error": error.message, "details": details}
    return {"error": str(error), "details": {"type": type(error).__name__, "status": 500}}


def dumps(payload: dict[str, Any], *, indent: bool = False) -> bytes:
    """Strict JSON bytes (UTF-8, NaN/Infinity as null) for a payload."""
    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(payload, option=option | orjson.OPT_SERIALIZE_NUMPY)


def _ms(values: Any) -> list[float | None]:
    """Round to 2 decimals; NaN and infinities -> None."""
    array = np.round(np.asarray(values, dtype=np.float64), 2)
    return [None if not math.isfinite(v) else v for v in array.tolist()]


def _seconds(timestamps: pd.Series) -> list[float]:
    nanos = timestamps.astype("datetime64[ns, UTC]").astype("int64").to_numpy()
    return (np.rint(nanos / 1e6) / 1e3).tolist()


def _keys(frame: pd.DataFrame) -> list[dict[str, str]]:
    """``{"model": m}`` per row, plus ``"instance"`` for summary frames."""
    names = [c for c in ("model", INSTANCE) if c in frame.columns]
    return [dict(zip(names, row)) for row in zip(*(frame[c].tolist() for c in names))]


def _p95_data(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            **key,
            "p95_latency_ms": latency,
            "timestamp": stamp,
            "metric_name": metric,
            "time_range": window,
        }
        for key, latency, stamp, metric, window in zip(
            _keys(frame),
            _ms(frame["p95_latency_ms"]),
            _seconds(frame["timestamp"]),
            frame["metric_name"].tolist(),
            frame["time_range"].tolist(),
        )
    ]


def _range_data(frame: pd.DataFrame) -> list[dict[str, Any]]:
    attrs = frame.attrs
    names = [c for c in ("model", INSTANCE) if c in frame.columns]
    columns = [frame[c].to_numpy(dtype=object) for c in names]
    stamps = _seconds(frame["timestamp"])
    values = _ms(frame["p95_latency_ms"])
    # Frames are sorted by model (and instance): cut where either changes, not grouping.
    changed = np.zeros(max(len(frame) - 1, 0), dtype=bool)
    for column in columns:
        changed |= column[1:] != column[:-1]
    cuts = (np.flatnonzero(changed) + 1).tolist()
    starts = [0, *cuts]
    ends = [*cuts, len(frame)]
    return [
        {
            **{name: column[a] for name, column in zip(names, columns)},
            "data_points": [
                {"timestamp": t, "p95_latency_ms": v} for t, v in zip(stamps[a:b], values[a:b])
            ],
            "metric_name": attrs["metric_name"],
            "duration": attrs["duration"],
            "step": attrs["step"],
        }
        for a, b in zip(starts, ends)
        if b > a
    ]


def _percentiles_data(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = [percentile_column(p) for p in frame.attrs["percentiles"]]
    values = {c: _ms(frame[c]) for c in columns}
    stamps = _seconds(frame["timestamp"])
    return [
        {**key, "percentiles": {c: values[c][i] for c in columns}, "timestamp": stamps[i]}
        for i, key in enumerate(_keys(frame))
    ]


_BUILDERS = {"p95": _p95_data, "p95_range": _range_data, "percentiles": _percentiles_data}


def from_payload(
    payload: dict[str, Any], kind: str, percentiles: list[float] | None = None
) -> pd.DataFrame:
    """Rebuild a frame from a payload written by :func:`to_payload` (values as rounded there).

    ``kind`` is ``p95``, ``p95_range`` or ``percentiles`` (``percentiles`` names the
    columns when ``data`` is empty); the frame has the same
    columns and dtypes as the library's, so the report renders exactly the JSON.
    """
    data = payload.get("data", [])
    by_instance = any(INSTANCE in d for d in data)
    if kind == "p95_range":
        points = [(d, p) for d in data for p in d["data_points"]]
        frame = _key_frame([d for d, _ in points], by_instance)
        frame["timestamp"] = to_timestamps([p["timestamp"] for _, p in points])
        frame["p95_latency_ms"] = _floats([p["p95_latency_ms"] for _, p in points])
    elif kind == "p95":
        frame = _key_frame(data, by_instance)
        frame["p95_latency_ms"] = _floats([d["p95_latency_ms"] for d in data])
        frame["timestamp"] = to_timestamps([d["timestamp"] for d in data])
        frame["metric_name"] = pd.Series([d["metric_name"] for d in data], dtype="str")
        frame["time_range"] = pd.Series([d["time_range"] for d in data], dtype="str")
    elif kind == "percentiles":
        columns = [percentile_column(p) for p in percentiles or []]
        columns = list(data[0]["percentiles"]) if data else columns
        frame = _key_frame(data, by_instance)
        for column in columns:
            frame[column] = _floats([d["percentiles"][column] for d in data])
        frame["timestamp"] = to_timestamps([d["timestamp"] for d in data])
    else:
        raise InvalidParameterError("kind", f"kind must be p95, p95_range or percentiles: {kind!r}")
    frame.attrs["kind"] = kind
    return frame


def _key_frame(items: list[dict[str, Any]], by_instance: bool) -> pd.DataFrame:
    names = ["model", INSTANCE] if by_instance else ["model"]
    return pd.DataFrame({n: pd.Series([d.get(n, "") for d in items], dtype="str") for n in names})


def _floats(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
