"""Jupyter display of p95kit frames (p95kit.display.styling, ``p95kit.styled``): milliseconds
formatted, times in UTC, NaN as "no traffic", names escaped."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

import p95kit


def test_styled_shows_utc_escapes_and_formats_other_numbers():
    frame = pd.DataFrame(
        {
            "model": ["<b>x</b>", "y"],
            "p95_latency_ms": [1.234, np.nan],
            "timestamp": pd.to_datetime(["2026-11-27 10:00", None])
            .tz_localize("UTC")
            .tz_convert("Asia/Seoul"),
            "requests": [1234.0, 5.5],
        }
    )
    html = p95kit.styled(frame).to_html()
    cells = re.findall(r">([^<]*)</td>", html[html.index("<tbody") :])
    assert cells == [
        "&lt;b&gt;x&lt;/b&gt;",
        "1.2 ms",
        "2026-11-27 10:00:00 UTC",
        "1,234",
        "y",
        "no traffic",
        "—",
        "5.5",
    ]


def test_styled_frames_escape_and_format():
    import pandas as pd

    frame = pd.DataFrame({"model": ["<b>x</b>"], "p95_latency_ms": [float("nan")]})
    html = p95kit.styled(frame).to_html()
    assert "<b>x" not in html and "&lt;b&gt;x" in html and "no traffic" in html
