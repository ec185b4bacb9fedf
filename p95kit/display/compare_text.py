"""A comparison on the terminal: an aligned table with each verdict's reason, JSON or CSV.

``p95kit compare --format table|json|csv`` prints :func:`render`'s text: the table shows per
model the requests, P50/P95/P99 of both sides (baseline -> candidate), the P95 change, the
p-value and the verdict, then one line per model with its reason; ``json`` is the body of
``GET /api/compare/`` (:func:`p95kit.compare.payload.to_compare_payload`); ``csv`` the
frame's columns. Model names and reasons are made terminal-safe
(:func:`~p95kit.display.terminal.terminal_safe`).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd

from p95kit.compare.pairs import COLUMNS
from p95kit.compare.payload import to_compare_payload
from p95kit.compare.reasons import p_text
from p95kit.display.formatting import fmt_count, fmt_ms, utc
from p95kit.display.terminal import terminal_safe, unit_footer
from p95kit.query.columns import is_latency_column
from p95kit.query.payloads import dumps


def render(frame: pd.DataFrame, output_format: str) -> str:
    """The text ``p95kit compare`` prints for ``frame`` in ``table``, ``json`` or ``csv``."""
    if output_format == "json":
        return dumps(to_compare_payload(frame), indent=True).decode() + "\n"
    if output_format == "csv":
        shown = frame[list(COLUMNS)].copy()
        rounded = [c for c in shown.columns if is_latency_column(c) or c.endswith("_pct")]
        shown[rounded] = shown[rounded].round(2)
        buffer = io.StringIO()
        shown.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()
    return table(frame)


def table(frame: pd.DataFrame) -> str:
    """The aligned table, the reasons, and a footer saying what was compared."""
    if frame.empty:
        return (
            "no models found: no series matched the baseline or the candidate (check "
            "--metric-name, --model-label, --baseline, --candidate and --selector)\n"
        )
    rows = []
    for row in frame.itertuples(index=False):
        rows.append(
            {
                "model": terminal_safe(str(row.model)),
                "requests": f"{fmt_count(row.requests_baseline)} / "
                f"{fmt_count(row.requests_candidate)}",
                **{
                    f"{p.upper()} (ms)": f"{_ms(getattr(row, f'{p}_baseline'))} -> "
                    f"{_ms(getattr(row, f'{p}_candidate'))}"
                    for p in ("p50", "p95", "p99")
                },
                "ΔP95": f"{row.p95_change_pct:+.1f} %"
                if math.isfinite(row.p95_change_pct)
                else "—",
                "p": p_text(row.p_value).removeprefix("= "),
                "verdict": row.verdict,
            }
        )
    text = pd.DataFrame(rows).to_string(index=False) + "\n\n"
    for row in frame.itertuples(index=False):
        text += f"{terminal_safe(str(row.model))}: {terminal_safe(str(row.reason))}\n"
    return text + "\n" + footer(frame.attrs) + unit_footer(frame.attrs)


def footer(attrs: dict) -> str:
    """What was compared: the sides, the window, the limits, the estimator."""
    window = attrs.get("time_range", "?")
    base, cand = attrs.get("baseline") or "", attrs.get("candidate") or ""
    if attrs.get("baseline_at") is not None:
        sides = (
            f"{terminal_safe(cand or base or 'every series')}: the {window} before "
            f"{utc(attrs['baseline_at'])} (baseline) against the {window} before "
            f"{utc(attrs.get('at'))} (candidate)"
        )
    else:
        sides = (
            f"baseline {terminal_safe(base)}, candidate {terminal_safe(cand)}: the {window} "
            f"before {utc(attrs.get('at'))}"
        )
    limits = (
        f"slower/faster: P95 beyond ±{attrs.get('max_slowdown_pct', 10):g} % and shown by the "
        f"bucket counts at {attrs.get('confidence', 95):g} % confidence"
    )
    if attrs.get("looks", 1) != 1:
        limits += f" over {attrs['looks']} looks"
    if attrs.get("alternative") == "slower":
        limits += " (one-sided: slower only)"
    return f"{sides}\n{limits}; percentiles: estimator {attrs.get('estimator', '?')}\n"


def _ms(value: float) -> str:
    return fmt_ms(value, unit=False) if np.isfinite(value) else "—"
