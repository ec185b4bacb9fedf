"""Two versions' latency distributions on one log-latency axis: :func:`plot_compare`.

Per model (one panel each), the share of each side's requests per bucket, on the bounds both
sides share: the baseline as filled bars, the candidate as an outline over them, the ``+Inf``
overflow right of the highest finite bound; P50/P95/P99 of each side as vertical lines
(baseline solid, candidate dashed), the accurate estimator's values that the
:func:`p95kit.compare` frame holds. The panel's title gives the verdict and the P95 change.

Model names are untrusted: drawn literally (no mathtext, no TeX), in the chart fonts of
:mod:`p95kit.display.fonts`, cut at :data:`~p95kit.display.plotting.MAX_LABEL_CHARS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from p95kit import validation
from p95kit.compare.verdicts import VERDICTS
from p95kit.display.distribution import latency_axis, panels, share_axis
from p95kit.display.fonts import chart_fonts, families_for
from p95kit.display.formatting import fmt_ms, utc
from p95kit.display.plotting import ChartFigure, _label, _literal
from p95kit.errors import InvalidParameterError

_MARKS = (("p50", "#2a9d8f"), ("p95", "#e76f51"), ("p99", "#9b2226"))
_BASELINE, _CANDIDATE, _OVERFLOW = "#8aa1b1", "#264653", "#c44e52"


def plot_compare(
    frame: pd.DataFrame,
    *,
    models: Sequence[str] | None = None,
    max_models: int = 4,
    title: str | None = None,
) -> Figure:
    """Draw a :func:`p95kit.compare` frame: per model, both sides' share of requests per
    bucket on one log-spaced latency axis (ms), P50/P95/P99 of each side marked.

    One panel per model: ``models`` (in that order), else the models with traffic, worst
    verdict first (``slower``, ``inconclusive``, ``no_change``, ``faster``), then the
    biggest P95 change, at most ``max_models``. Needs the frame as ``compare`` returned it
    (``frame.attrs["buckets"]`` holds the counts). Returns a figure Jupyter shows as PNG."""
    _check(frame)
    validation.count(max_models, "max_models", 4)
    drawn = frame.attrs["buckets"]
    rows = frame.set_index("model", drop=False)
    names = _chosen(frame, drawn, models, max_models)
    with chart_fonts(families_for([*names, title])):
        fig = ChartFigure(figsize=(10, 1.3 + 2.1 * max(1, len(names))), layout="constrained")
        fig.font_families = families_for([*names, title])
        no_data = "No data: no model had traffic on either side"
        axes = panels(fig, len(names), no_data, title or "Baseline and candidate latency per model")
        if not axes:
            return fig
        edges = _edges([drawn[name] for name in names])
        for ax, name in zip(axes, names):
            _panel(ax, drawn[name], rows.loc[name], edges)
        latency_axis(axes[-1], edges)
        heading = title or _heading(frame)
        _literal(fig.suptitle(heading, fontsize=11))
        _legend(axes[0])
    return fig


def _check(frame: object) -> None:
    if (
        not isinstance(frame, pd.DataFrame)
        or frame.attrs.get("kind") != "compare"
        or "buckets" not in frame.attrs
        or not {"model", "verdict", "p95_change_pct"} <= set(frame.columns)
    ):
        raise InvalidParameterError(
            "frame",
            "plot_compare needs a frame as p95kit.compare returned it (its attrs hold the "
            "buckets compared), e.g. p95kit.plot_compare(p95kit.compare(baseline='version="
            '"v1"\', candidate=\'version="v2"\'))',
        )


def _chosen(frame: pd.DataFrame, drawn: dict, models: Sequence[str] | None, limit: int) -> list:
    with_data = [m for m in frame["model"] if m in drawn]
    if models is not None:
        return [m for m in dict.fromkeys(models) if m in with_data][:limit]
    order = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
    ranked = frame[frame["model"].isin(with_data)].assign(
        _rank=lambda f: f["verdict"].map(order).fillna(len(order)),
        _size=lambda f: -f["p95_change_pct"].abs().fillna(-1),
    )
    return list(ranked.sort_values(["_rank", "_size", "model"])["model"])[:limit]


def _edges(parts: list[dict]) -> tuple[float, float, float]:
    """``(left, top, right)`` in ms: where the lowest used bucket starts, the highest finite
    bound, and where the overflow bar ends."""
    uppers = sorted({u for p in parts for u in p["upper_ms"] if math.isfinite(u) and u > 0})
    top = uppers[-1] if uppers else 1.0
    ratio = uppers[1] / uppers[0] if len(uppers) > 1 else 2.0
    lefts = []
    for part in parts:
        used = np.add(part["baseline"], part["candidate"]) > 0
        for lower, upper, use in zip(part["lower_ms"], part["upper_ms"], used):
            if use and math.isfinite(upper):
                lefts.append(lower if lower > 0 else upper / ratio)
    return (min(lefts) if lefts else top / ratio), top, top * ratio


def _panel(ax, part: dict, row: pd.Series, edges: tuple[float, float, float]) -> None:
    left, top, right = edges
    lows = [
        max(lo, left) if math.isfinite(up) else top
        for lo, up in zip(part["lower_ms"], part["upper_ms"])
    ]
    highs = [up if math.isfinite(up) else right for up in part["upper_ms"]]
    for side, filled in (("baseline", True), ("candidate", False)):
        counts = np.asarray(part[side], dtype=np.float64)
        total = counts.sum()
        if not total > 0:
            continue
        for lo, hi, count, up in zip(lows, highs, counts, part["upper_ms"]):
            if count <= 0:
                continue
            overflow = not math.isfinite(up)
            style = (
                {"color": _BASELINE, "edgecolor": "white"}
                if filled
                else {"fill": False, "edgecolor": _CANDIDATE, "linewidth": 1.4}
            )
            if overflow:
                style.update(hatch="///", edgecolor=_OVERFLOW if filled else _CANDIDATE)
            ax.bar(lo, 100 * count / total, width=hi - lo, align="edge", **style)
    for column, color in _MARKS:
        for side, dash in (("baseline", "-"), ("candidate", "--")):
            value = row.get(f"{column}_{side}", math.nan)
            if isinstance(value, float) and math.isfinite(value):
                ax.axvline(min(max(value, left), right), color=color, linestyle=dash, linewidth=1.3)
    change = row["p95_change_pct"]
    shown = f"{change:+.1f} %" if math.isfinite(change) else "—"
    p95 = f"{fmt_ms(row['p95_baseline'])} → {fmt_ms(row['p95_candidate'])}"
    share_axis(ax, f"{_label(str(row['model']))}    {row['verdict']}: P95 {p95} ({shown})")


def _legend(ax) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=_BASELINE, edgecolor="white"),
        Patch(facecolor="white", edgecolor=_CANDIDATE, linewidth=1.4),
        *[Line2D([], [], color=color, linewidth=1.3) for _, color in _MARKS],
        Line2D([], [], color="#555555", linestyle="-", linewidth=1.3),
        Line2D([], [], color="#555555", linestyle="--", linewidth=1.3),
    ]
    labels = ["baseline", "candidate", "P50", "P95", "P99", "baseline's", "candidate's"]
    ax.legend(handles, labels, loc="upper right", fontsize=7, framealpha=0.9, ncols=2)


def _heading(frame: pd.DataFrame) -> str:
    attrs = frame.attrs
    window = attrs.get("time_range", "?")
    base, cand = _cut(attrs.get("baseline") or ""), _cut(attrs.get("candidate") or "")
    if attrs.get("baseline_at") is not None:
        what = f" of {cand or base}" if cand or base else ""
        return (
            f"The {window}{what} before {utc(attrs['baseline_at'])} (baseline) and before "
            f"{utc(attrs.get('at'))} (candidate)"
        )
    return f"Baseline {base} and candidate {cand}, over the {window} before {utc(attrs.get('at'))}"


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
