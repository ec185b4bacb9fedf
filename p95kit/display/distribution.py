"""The histogram behind a percentile, drawn: per model, the share of requests per bucket.

:func:`plot_distribution` draws a :func:`p95kit.buckets` frame as one small panel per
model on a shared log-spaced latency axis: each bar is one bucket ``(lower, upper]``,
its height the bucket's share of the model's requests; the ``+Inf`` bucket is a hatched
overflow bar right of the highest finite bound; P50/P95/P99 are marked where
``histogram_quantile`` puts them (linear inside the bucket) and the bucket each lies
in is shaded, because the bucket is all the histogram knows. :func:`distribution_alt_text`
says the same in words (for an ``alt`` attribute; plain text, escape it where rendered).
:func:`bucket_percentiles` gives the numbers both use.

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
from p95kit.display.fonts import chart_fonts
from p95kit.display.formatting import bound, fmt_ms, share
from p95kit.display.plotting import ChartFigure, _label, _literal
from p95kit.errors import InvalidParameterError
from p95kit.query import linear
from p95kit.query.buckets import histograms_of

_COLUMNS = {"model", "lower_ms", "upper_ms", "count", "share", "cumulative_share"}
_MARK_COLORS = ("#2a9d8f", "#e76f51", "#9b2226", "#6a4c93", "#264653")
_BAR_COLOR = "#8aa1b1"
_OVERFLOW_COLOR = "#c44e52"


def bucket_percentiles(
    frame: pd.DataFrame, percentiles: Sequence[float] | str = (50, 95, 99)
) -> pd.DataFrame:
    """Where each percentile lies in a :func:`p95kit.buckets` frame, per model.

    Columns: ``model`` (str), ``percentile`` (float64, e.g. 95.0), ``value_ms`` (float64,
    as ``histogram_quantile`` interpolates it: linearly inside the bucket; the highest
    finite bound when the rank falls in the ``+Inf`` bucket), ``lower_ms``/``upper_ms``
    (the bucket it lies in; ``upper_ms`` inf for ``+Inf``), ``overflow`` (bool, in the
    ``+Inf`` bucket: ``value_ms`` is then only a lower bound). Models without traffic
    have no rows. Sorted by model, then percentile.
    """
    _check_frame(frame)
    wanted = validation.percentiles(percentiles)
    qs = tuple(p / 100 for p in wanted)
    rows = []
    for model, hist in histograms_of(frame).items():
        if not hist.requests[0] > 0:
            continue
        values = linear.quantiles(hist, qs)[0]
        for p, q, value in zip(wanted, qs, values):
            lower, upper = (float(v[0]) for v in hist.bucket_bounds(q))
            rows.append((model, float(p), float(value), lower, upper, math.isinf(upper)))
    columns = ["model", "percentile", "value_ms", "lower_ms", "upper_ms", "overflow"]
    out = pd.DataFrame(rows, columns=columns)
    return out.astype({"model": "str", "percentile": "float64", "overflow": "bool"})


def plot_distribution(
    frame: pd.DataFrame,
    *,
    percentiles: Sequence[float] | str = (50, 95, 99),
    models: Sequence[str] | None = None,
    max_models: int = 6,
    title: str | None = None,
) -> Figure:
    """Draw a :func:`p95kit.buckets` frame: per model, the share of requests per bucket.

    One panel per model (slowest P95 first, at most ``max_models``; ``models`` picks and
    orders them), on a shared log-spaced latency axis in milliseconds. Bars are the
    buckets, the hatched bar on the right the ``+Inf`` overflow (requests slower than
    the highest finite bound); each of ``percentiles`` is a vertical line at its
    ``histogram_quantile`` value with its bucket shaded. Models without traffic are
    named in the heading, not drawn. Returns a figure Jupyter shows as PNG.
    """
    _check_frame(frame)
    validation.count(max_models, "max_models", 6)
    marks = bucket_percentiles(frame, percentiles)
    names = _chosen(frame, marks, models, max_models)
    with chart_fonts():
        fig = ChartFigure(figsize=(10, 1.0 + 1.9 * max(1, len(names))), layout="constrained")
        no_data = "No data: no model had traffic in this window"
        axes = panels(fig, len(names), no_data, title or "Latency distribution per model")
        if not axes:
            return fig
        edges = _edges(frame[frame["model"].isin(names)])
        for ax, name in zip(axes, names):
            group = frame[frame["model"] == name].sort_values("upper_ms")
            _panel(ax, group, marks[marks["model"] == name], edges)
        _x_axis(axes[-1], edges)
        heading = title or _heading(frame, marks, names, chosen=models is not None)
        _literal(fig.suptitle(heading, fontsize=11))
        _legend(fig, axes[0], marks)
    return fig


def distribution_alt_text(
    frame: pd.DataFrame,
    percentiles: Sequence[float] | str = (50, 95, 99),
    *,
    models: Sequence[str] | None = None,
    max_models: int = 6,
) -> str:
    """What :func:`plot_distribution` shows, in words, one sentence per model (plain text:
    model names are not escaped)."""
    _check_frame(frame)
    marks = bucket_percentiles(frame, percentiles)
    names = _chosen(frame, marks, models, max_models)
    if not names:
        return "Latency distribution: no model had traffic in this window."
    sentences = [
        "Latency distribution per model: the share of requests in each histogram bucket, "
        "on a log-spaced latency axis."
    ]
    for name in names:
        group = frame[frame["model"] == name]
        parts = []
        for row in marks[marks["model"] == name].itertuples():
            where = (
                f"over {bound(row.lower_ms)} ms (the +Inf bucket)"
                if row.overflow
                else f"{fmt_ms(row.value_ms)}, in the {_bucket_text(row.lower_ms, row.upper_ms)}"
                " bucket"
            )
            parts.append(f"P{row.percentile:g} {where}")
        overflow = group.loc[np.isinf(group["upper_ms"]), "share"].sum()
        sentences.append(
            f"{name}: {group['count'].sum():,.0f} requests; {'; '.join(parts)}; "
            f"{share(overflow)} over the highest bucket bound."
        )
    return " ".join(sentences)


def _check_frame(frame: object) -> None:
    if not isinstance(frame, pd.DataFrame) or not set(frame.columns) >= _COLUMNS:
        raise InvalidParameterError(
            "frame",
            "plot_distribution needs a p95kit.buckets frame (model, lower_ms, upper_ms, "
            "count, share, cumulative_share), e.g. p95kit.buckets(time_range='1h')",
        )


def _chosen(
    frame: pd.DataFrame, marks: pd.DataFrame, models: Sequence[str] | None, limit: int
) -> list[str]:
    with_traffic = list(dict.fromkeys(marks["model"]))
    if models is not None:
        return [m for m in dict.fromkeys(models) if m in with_traffic][:limit]
    top = marks.sort_values("percentile").groupby("model")["value_ms"].last()  # highest p
    return sorted(with_traffic, key=lambda m: (-top[m], m))[:limit]


def _edges(frame: pd.DataFrame) -> tuple[float, float, float]:
    """``(left, top, right)``: where the lowest bar starts, the highest finite bound, and
    where the overflow bar ends, in ms (positive, for the log axis)."""
    used = frame[frame["count"] > 0]
    finite = used[np.isfinite(used["upper_ms"])]
    uppers = np.sort(frame.loc[np.isfinite(frame["upper_ms"]), "upper_ms"].unique())
    uppers = uppers[uppers > 0]
    top = float(uppers[-1]) if len(uppers) else 1.0
    ratio = float(uppers[1] / uppers[0]) if len(uppers) > 1 else 2.0
    if not len(finite):
        return top / ratio, top, top * ratio
    first = finite.sort_values("lower_ms").iloc[0]
    left = first["lower_ms"] if first["lower_ms"] > 0 else first["upper_ms"] / ratio
    return float(left), top, top * ratio


def _panel(ax, group: pd.DataFrame, marks: pd.DataFrame, edges: tuple) -> None:
    left, top, right = edges
    for row in group.itertuples():
        if row.count <= 0:
            continue
        overflow = math.isinf(row.upper_ms)
        lo = top if overflow else max(row.lower_ms, left)
        hi = right if overflow else row.upper_ms
        ax.bar(
            lo,
            100 * row.share,
            width=hi - lo,
            align="edge",
            color="white" if overflow else _BAR_COLOR,
            edgecolor=_OVERFLOW_COLOR if overflow else "white",
            hatch="///" if overflow else None,
            linewidth=0.8,
        )
    for i, row in enumerate(marks.itertuples()):
        color = _MARK_COLORS[i % len(_MARK_COLORS)]
        lo = max(row.lower_ms, left)
        hi = right if row.overflow else row.upper_ms
        ax.axvspan(lo, hi, color=color, alpha=0.15, linewidth=0, zorder=0)  # behind the bars
        ax.axvline(row.value_ms, color=color, linewidth=1.4, zorder=3)
    summary = ", ".join(
        f"P{r.percentile:g} {fmt_ms(r.value_ms, top_bucket_ms=top if r.overflow else math.nan)}"
        for r in marks.itertuples()
    )
    share_axis(ax, f"{_label(str(group['model'].iloc[0]))}    {summary}")


def panels(fig: Figure, count: int, no_data: str, heading: str) -> list:
    """``count`` panels stacked on one shared latency axis (a bucket chart's, one per
    model); with none, the figure says ``no_data`` under ``heading`` and the list is empty."""
    if not count:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, no_data, ha="center")
        _literal(fig.suptitle(heading))
        return []
    return list(fig.subplots(count, 1, sharex=True, squeeze=False)[:, 0])


def latency_axis(ax, edges: tuple[float, float, float]) -> None:
    """The bucket charts' x axis: log-spaced latency in ms from ``left`` to ``right``
    (``edges``), labelled up to ``top``, the highest finite bound; right of it the hatched
    overflow bar."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    left, top, right = edges
    ax.set_xscale("log")
    ax.set_xlim(left, right)
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    # No latency is written over the overflow bar: its right end is only where it is drawn.
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda value, _: f"{value:g}" if value <= top * 1.0001 else "")
    )
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"Latency (ms, log scale); hatched: over {bound(top)} ms (+Inf bucket)")


def share_axis(ax, title: str) -> None:
    """A bucket chart's panel: the share of requests (%) from 0, and ``title`` (a model's
    name and numbers, drawn literally) on its left."""
    ax.set_ylabel("% of requests", fontsize=8)
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_ylim(bottom=0)
    _literal(ax.set_title(title, loc="left", fontsize=9))


def _x_axis(ax, edges: tuple) -> None:
    _, top, right = edges
    latency_axis(ax, edges)
    ax.annotate(
        "+Inf",
        xy=(math.sqrt(top * right), 0),
        xycoords=("data", "axes fraction"),
        xytext=(0, -4),
        textcoords="offset points",
        ha="center",
        va="top",
        fontsize="small",
        color=_OVERFLOW_COLOR,
    )


def _legend(fig: Figure, ax, marks: pd.DataFrame) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    wanted = list(dict.fromkeys(marks["percentile"]))
    handles = [
        Line2D([], [], color=_MARK_COLORS[i % len(_MARK_COLORS)], linewidth=1.4)
        for i in range(len(wanted))
    ]
    labels = [f"P{p:g} (its bucket shaded)" for p in wanted]
    handles.append(Patch(facecolor="white", edgecolor=_OVERFLOW_COLOR, hatch="///"))
    labels.append("overflow (+Inf bucket)")
    ax.legend(handles, labels, loc="upper right", fontsize=7, framealpha=0.9)


def _heading(frame: pd.DataFrame, marks: pd.DataFrame, names: list[str], chosen: bool) -> str:
    total = frame["model"].nunique()
    idle = total - marks["model"].nunique()
    text = "Latency distribution per model"
    if len(names) < total - idle:
        text += f" ({'' if chosen else 'slowest '}{len(names)} of {total - idle})"
    if idle:
        text += f"; {idle} with no traffic not shown"
    return text


def _bucket_text(lower: float, upper: float) -> str:
    return f"{bound(lower)}–{bound(upper)} ms"
