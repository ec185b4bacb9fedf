"""Jupyter display of p95kit frames: milliseconds formatted, NaN as "no traffic", names escaped."""

from __future__ import annotations

import math

import pandas as pd

from p95kit.display.formatting import MISSING, fmt_ms
from p95kit.query.columns import is_latency_column


def styled(frame: pd.DataFrame, digits: int = 1):
    """A pandas ``Styler`` for a p95kit frame: ``245.7 ms``, ``no traffic``, UTC times.

    Latency columns show ``digits`` decimals and ``no traffic`` for NaN; other float
    columns (e.g. an added ``requests``) show ``1,234`` or up to 3 decimals; ``timestamp``
    is converted to UTC and labelled so; a missing float or time shows as ``—``. Every cell
    is HTML-escaped (``escape="html"``), so hostile label values display as text. Use it
    as the last expression of a cell: ``p95kit.styled(frame)``.
    """
    shown = frame
    if "timestamp" in frame.columns and isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype):
        shown = frame.assign(timestamp=frame["timestamp"].dt.tz_convert("UTC"))
    formats = {}
    for column in frame.columns:
        if is_latency_column(column):
            formats[column] = lambda v: fmt_ms(v, no_traffic=True, digits=digits)
        elif column == "timestamp":
            formats[column] = lambda t: (
                MISSING if pd.isna(t) else t.strftime("%Y-%m-%d %H:%M:%S UTC")
            )
        elif pd.api.types.is_float_dtype(frame[column].dtype):
            formats[column] = _number
    # One format() call: a later call would reset the other columns (and their escaping).
    styler = shown.style.format(formats, escape="html")
    return styler.format_index(escape="html", axis=1).hide(axis="index")


def _time(moment: pd.Timestamp) -> str:
    return MISSING if pd.isna(moment) else moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _number(value: float) -> str:
    if pd.isna(value):
        return MISSING
    if math.isfinite(value) and value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")
