"""Jupyter display of p95kit frames: milliseconds formatted, NaN as "no traffic", names escaped."""

from __future__ import annotations

import pandas as pd

from p95kit.validation import is_latency_column


def styled(frame: pd.DataFrame, digits: int = 1):
    """A pandas ``Styler`` for a p95kit frame: ``245.7 ms``, ``no traffic``, UTC times.

    Model names are HTML-escaped (``escape="html"``), so hostile label values
    display as text. Use it as the last expression of a cell: ``p95kit.styled(frame)``.
    """
    latency = [c for c in frame.columns if is_latency_column(c)]
    formats = {c: f"{{:.{digits}f}} ms" for c in latency}
    if "timestamp" in frame.columns:
        formats["timestamp"] = lambda t: t.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (
        frame.style.format(formats, na_rep="no traffic", escape="html")
        .format_index(escape="html", axis=1)
        .hide(axis="index")
    )
