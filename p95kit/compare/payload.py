"""A comparison as JSON: the body of ``GET /api/compare/`` and ``p95kit compare --format json``.

``{"status": "success", "verdict": <worst verdict>, "data": [rows], "count": n, ...}``: the
worst of the models' verdicts first (``slower``, then ``inconclusive``, ``no_change``,
``faster``), for Argo Rollouts' ``web`` metric provider (``successCondition`` on
``verdict``) and Flagger's webhooks; then one item per model with the frame's columns
(latencies in ms rounded to 2 decimals; NaN and infinities as ``null``: strict JSON), and
the comparison's parameters.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from p95kit.compare.pairs import COLUMNS, TEXT_COLUMNS
from p95kit.compare.verdicts import worst
from p95kit.errors import InvalidParameterError

#: The parameters a body repeats, from ``frame.attrs``.
PARAMETERS = (
    "metric_name",
    "model_label",
    "baseline",
    "candidate",
    "time_range",
    "at",
    "baseline_at",
    "max_slowdown_pct",
    "confidence",
    "alternative",
    "looks",
    "estimator",
    "selector",
    "unit",
)


def to_compare_payload(frame: pd.DataFrame) -> dict[str, Any]:
    """The JSON body for a :func:`p95kit.compare` frame (rows sorted by model)."""
    if frame.attrs.get("kind") != "compare" or not set(COLUMNS) <= set(frame.columns):
        raise InvalidParameterError(
            "frame", "to_compare_payload needs a frame returned by p95kit.compare"
        )
    rows = frame.sort_values("model", kind="stable")
    data = [
        {column: _value(column, row[column]) for column in COLUMNS} for _, row in rows.iterrows()
    ]
    verdicts = [item["verdict"] for item in data]
    body: dict[str, Any] = {
        "status": "success",
        "verdict": worst(verdicts),
        "data": data,
        "count": len(data),
        "slower": [item["model"] for item in data if item["verdict"] == "slower"],
    }
    body.update({name: frame.attrs.get(name) for name in PARAMETERS})
    body["warnings"] = list(frame.attrs.get("warnings", []))
    return body


def _value(column: str, value: Any) -> Any:
    if column in TEXT_COLUMNS:
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return None
    latency = column.endswith("_ms") or (column[:1] == "p" and column[1:2].isdigit())
    return round(number, 2) if latency else number  # ms and the % change: 2 decimals
