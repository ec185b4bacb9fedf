"""Render frames for the terminal: an aligned table, the original API's JSON, or CSV."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from p95kit.display.formatting import fmt_ms
from p95kit.query.columns import is_latency_column
from p95kit.query.payloads import dumps, to_payload


def render(frame: pd.DataFrame, output_format: str) -> str:
    """The text ``p95kit query`` prints for ``frame`` in ``table``, ``json`` or ``csv``."""
    if output_format == "json":
        return dumps(to_payload(frame), indent=True).decode() + "\n"
    if output_format == "csv":
        buffer = io.StringIO()
        shown = _for_text(frame)
        latency = [c for c in shown.columns if is_latency_column(c)]
        shown[latency] = shown[latency].round(2)  # as in the JSON payloads
        shown.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()
    return table(frame)


def table(frame: pd.DataFrame) -> str:
    """An aligned table: ms with 2 decimals, NaN as ``no traffic``, names made terminal-safe."""
    if frame.empty:
        return (
            "no models found: no series matched (check --metric-name, --model-label and "
            "--selector; a --time-range under two scrape intervals holds no rate; "
            "p95kit doctor checks the set-up)\n"
        )
    shown = _for_text(frame)
    for label in ("model", "instance"):  # untrusted label values
        if label in shown.columns:
            shown[label] = shown[label].map(terminal_safe)
    for column in shown.columns:
        if is_latency_column(column):
            values = frame[column].to_numpy(dtype=np.float64)
            shown[column] = [fmt_ms(v, no_traffic=True, digits=2, unit=False) for v in values]
    return shown.to_string(index=False) + "\n"


def terminal_safe(text: str) -> str:
    """Escape control characters (ANSI escapes, newlines) in untrusted label values."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _for_text(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame.copy()
    shown["timestamp"] = shown["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").str[:-4] + "Z"
    return shown
