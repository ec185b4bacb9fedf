"""SLO frames as text: the terminal table, JSON and CSV, ``--explain`` and the alert lines.

Shares read ``99.52 %`` (two decimals: an SLO's nines need them), a budget ``-4900 %`` (what
is left of it; negative: overspent), a burn rate ``50.0x``. Model names are untrusted text:
made terminal-safe here (HTML and charts escape them where they draw them).
"""

from __future__ import annotations

import io
import math

import pandas as pd

from p95kit.display.formatting import MISSING, NO_TRAFFIC, bound, finite, given_ms, number
from p95kit.display.terminal import terminal_safe, unit_footer
from p95kit.query.payloads import dumps
from p95kit.slo.budget import NO_TRAFFIC as NO_TRAFFIC_STATUS
from p95kit.slo.payload import to_slo_payload
from p95kit.slo.thresholds import slo_advice


def pct(value: float, digits: int = 2) -> str:
    """A share as a percentage with two decimals: ``0.9952 -> "99.52 %"``."""
    return f"{100 * value:.{digits}f} %" if finite(value) else MISSING


def budget_left(value: float) -> str:
    """What is left of a budget: ``1.0 -> "100 %"``, ``-49 -> "-4900 %"``."""
    return f"{100 * value:.0f} %" if finite(value) else MISSING


def burn(value: float) -> str:
    """A burn rate: ``50.0x``, ``0.25x``."""
    return f"{number(value)}x" if finite(value) else MISSING


def good_text(row: pd.Series) -> str:
    """The good share with what the counts prove when that is an interval:
    ``95.13 % (90.00-100.00)``."""
    if not finite(row["good_share"]):
        return NO_TRAFFIC if not row["requests"] > 0 else MISSING
    text = pct(row["good_share"])
    low, high = row["good_share_low"], row["good_share_high"]
    if finite(low) and finite(high) and high > low:
        text += f" ({100 * low:.2f}-{100 * high:.2f})"
    return text


def render_slo(frame: pd.DataFrame, output_format: str) -> str:
    """What ``p95kit slo`` prints: ``table``, ``json`` (the ``GET /api/slo/`` body) or ``csv``."""
    if output_format == "json":
        return dumps(to_slo_payload(frame), indent=True).decode() + "\n"
    if output_format == "csv":
        shown = frame.copy()
        shown["timestamp"] = shown["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        buffer = io.StringIO()
        shown.to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()
    return slo_table(frame)


def slo_table(frame: pd.DataFrame) -> str:
    """An aligned table per model (and metric): requests, good share (the proven interval
    when the threshold is between bounds), budget left, burn rates, status; a footer says
    the SLO (and the metric's unit when it is not seconds read from the name)."""
    if frame.empty:
        return (
            "no models found: no series matched (check --metric-name, --model-label and "
            "--selector; p95kit doctor checks the set-up)\n"
        )
    shown = pd.DataFrame()
    if "metric_name" in frame.columns:
        shown["metric"] = frame["metric_name"].map(terminal_safe)
    shown["model"] = frame["model"].map(terminal_safe)
    shown["requests"] = [f"{v:,.0f}" if finite(v) else MISSING for v in frame["requests"]]
    shown["good (proven)"] = [good_text(row) for _, row in frame.iterrows()]
    shown["budget left"] = [budget_left(v) for v in frame["budget_remaining"]]
    shown["burn 1h"] = [burn(v) for v in frame["burn_rate_1h"]]
    shown["burn 6h"] = [burn(v) for v in frame["burn_rate_6h"]]
    shown["status"] = frame["status"].astype(str).to_numpy()
    return shown.to_string(index=False) + "\n" + footer(frame) + unit_footer(frame.attrs)


def footer(frame: pd.DataFrame) -> str:
    """``SLO: 99 % of requests <= 500 ms over 30d, at 2026-11-21T00:00:00Z (estimator ...)``."""
    attrs = frame.attrs
    if "thresholds" in attrs:
        pairs = attrs["thresholds"].items()
        limits = ", ".join(f"{terminal_safe(m)} <= {given_ms(t)}" for m, t in pairs)
    else:
        limits = f"<= {given_ms(float(attrs.get('threshold_ms', math.nan)))}"
    stamp = frame["timestamp"].iloc[0].strftime("%Y-%m-%dT%H:%M:%SZ") if len(frame) else "?"
    return (
        f"SLO: {attrs.get('objective', '?'):g} % of requests {limits} over "
        f"{attrs.get('window', '?')}, at {stamp}; estimator {attrs.get('estimator', '?')}\n"
    )


def explain_lines(frame: pd.DataFrame) -> list[str]:
    """``--explain``: per model, whether the threshold is a bucket bound, the nearest bounds
    and how wide the uncertainty is (:func:`p95kit.slo_advice`)."""
    advice = slo_advice(frame)
    lines = []
    for (_, row), (_, slo_row) in zip(advice.iterrows(), frame.iterrows()):
        who = _who(row)
        threshold = given_ms(row["threshold_ms"])
        if not slo_row["requests"] > 0:
            lines.append(f"{who}: no traffic in the window")
        elif row["is_bound"]:
            lines.append(
                f"{who}: {threshold} is a bucket bound: the share is exact, "
                f"{pct(row['good_share_low'])} good"
            )
        elif not (finite(row["bound_below_ms"]) or finite(row["bound_above_ms"])):
            lines.append(f"{who}: no finite bucket bound near {threshold}")
        elif row["good_share_low"] == row["good_share_high"]:
            near = [bound(v) for v in (row["bound_below_ms"], row["bound_above_ms"]) if finite(v)]
            lines.append(
                f"{who}: {threshold} lies between bucket bounds {' and '.join(near)} ms, but "
                f"none of the requests do: exactly {pct(row['good_share_low'])} good"
            )
        else:
            near = [bound(v) for v in (row["bound_below_ms"], row["bound_above_ms"]) if finite(v)]
            lines.append(
                f"{who}: {threshold} lies between bucket bounds "
                f"{' and '.join(near)} ms: the counts prove {pct(row['good_share_low'])} to "
                f"{pct(row['good_share_high'])} good (budget left "
                f"{budget_left(row['budget_remaining_low'])} to "
                f"{budget_left(row['budget_remaining_high'])}); the estimate is "
                f"{pct(slo_row['good_share'])}. A threshold of {' or '.join(near)} ms would be "
                "exact (and expressible in Sloth, Pyrra and Grafana SLO)"
            )
    return lines


def burning_lines(frame: pd.DataFrame) -> list[str]:
    """``--fail-on-burn``: one line per model (and metric) with a tier firing, naming the
    most severe one (the policy's first)."""
    lines, seen = [], set()
    for alert in frame.attrs.get("alerts", []):
        key = (alert.get("metric_name"), alert["model"])
        if key in seen:
            continue
        seen.add(key)
        lines.append(
            f"p95kit: SLO burning: {_who(alert)}: {alert['severity']}: burn rate "
            f"{number(alert['burn_rate_long'])} over {alert['long_window']} and "
            f"{number(alert['burn_rate_short'])} over {alert['short_window']} > "
            f"{alert['threshold']:g} ({alert['bad_requests_long']:,.0f} slow requests in "
            f"{alert['long_window']})"
        )
    return lines


def exhausted_lines(frame: pd.DataFrame) -> list[str]:
    """``--fail-on-exhausted``: one line per model (and metric) whose budget is spent."""
    lines = []
    spent = frame[(frame["budget_remaining"] <= 0) & (frame["status"] != NO_TRAFFIC_STATUS)]
    for _, row in spent.iterrows():
        lines.append(
            f"p95kit: SLO budget exhausted: {_who(row)}: budget left "
            f"{budget_left(row['budget_remaining'])} ({pct(row['good_share'])} of requests "
            f"<= {given_ms(row['threshold_ms'])} over {row['window']}, objective "
            f"{row['objective']:g} %)"
        )
    return lines


def _who(row) -> str:
    name = f"model {terminal_safe(str(row['model']))}"
    metric = row.get("metric_name") if hasattr(row, "get") else None
    if isinstance(metric, str) and metric:
        return f"{terminal_safe(metric)} {name}"
    return name


def goodput_table(goodput: pd.DataFrame) -> str:
    """The goodput bounds per model, as text."""
    shown = pd.DataFrame({"model": goodput["model"].map(terminal_safe)})
    shown["goodput (proven bounds)"] = [
        f"{pct(lo)} to {pct(hi)}" if finite(lo) else NO_TRAFFIC
        for lo, hi in zip(goodput["goodput_low"], goodput["goodput_high"])
    ]
    names = ", ".join(terminal_safe(m) for m in goodput.attrs.get("metric_names", []))
    note = (
        f"goodput: requests meeting every target ({names}); separate histograms only bound it: "
        "[max(0, a + b - 1), min(a, b)]\n"
    )
    return shown.to_string(index=False) + "\n" + note
