"""One readable chart of P95 latency over time per model, safe for untrusted model names.

The figure is a plain :class:`matplotlib.figure.Figure`, not a pyplot figure: nothing
is registered with pyplot, no backend is selected globally, and many figures in one
process do not pile up. Jupyter shows it once, when it is a cell's value, through
:class:`ChartFigure`'s ``_repr_png_``. :func:`figure_png` renders it with Agg.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.transforms import ScaledTranslation

from p95kit import validation
from p95kit.display.chart_layout import FitMarginsLayout
from p95kit.display.chart_selection import chart_models
from p95kit.display.fonts import chart_fonts, families_for
from p95kit.display.formatting import given_ms
from p95kit.errors import InvalidParameterError

#: Legend labels longer than this are cut and end with "…".
MAX_LABEL_CHARS = 40
_Y_LABEL = "P95 latency (ms)"
_LOG_SPREAD = 10.0  # log y axis when the slowest charted median is this many times the fastest


def plot_p95(
    range_frame: pd.DataFrame,
    *,
    max_models: int = 10,
    slo_ms: float | None = None,
    title: str | None = None,
    ax=None,
    order: Iterable[str] | None = None,
    log_y: bool | None = None,
) -> Figure:
    """Draw P95 latency over time, one line per model, and return the figure.

    ``range_frame`` is a :func:`p95kit.p95_range` frame: ``model`` (str), ``timestamp``
    (datetime64[ns, UTC]), ``p95_latency_ms`` (float64 milliseconds, NaN = no traffic,
    drawn as a gap). At most ``max_models`` lines (see :func:`chart_models`; ``order``
    picks them); the legend, outside the plot, says how many models are not shown.
    ``slo_ms`` adds a dashed threshold line. ``log_y`` None = log scale only when the
    charted models differ by more than 10x. The x axis is UTC. Model names are drawn
    literally (no mathtext, no TeX), in an installed CJK font where DejaVu Sans has no
    glyph (:mod:`p95kit.display.fonts`), and cut at ``MAX_LABEL_CHARS`` with "…".
    With ``ax`` the chart is drawn there; otherwise on a new 11 x 5 in figure.
    """
    _check_plot_arguments(range_frame, max_models, slo_ms)
    names = chart_models(range_frame, max_models, order)
    families = families_for([*names, title])
    with chart_fonts(families):  # texts take their font when created, ticks when drawn
        return _plot(range_frame, names, slo_ms, title, ax, log_y, families)


def _plot(range_frame, names, slo_ms, title, ax, log_y, families) -> Figure:
    own_figure = ax is None
    fig, ax = chart_axes(ax, (11, 5), families)
    if not names:
        if own_figure:
            fig.set_size_inches(11, 1.5)
        _no_data(ax, title)
        return fig
    colors = _palette(len(names))
    handles = []
    for i, (times, values) in enumerate(_series(range_frame, names)):
        style = {"marker": "o", "markersize": 2.5} if len(values) <= 120 else {}
        line = ax.plot(
            times,
            values,
            color=colors[i % len(colors)],
            linestyle=("-", "--", ":")[i // len(colors) % 3],
            linewidth=1.4,
            **style,
        )[0]
        handles.append(line)
    labels = [_label(n) for n in names]
    if slo_ms is not None:  # checked by _check_plot_arguments
        handles.append(ax.axhline(slo_ms, color="crimson", linestyle="--", linewidth=1.2))
        labels.append(f"SLO {given_ms(slo_ms)}")
    _axes(ax, range_frame, names, slo_ms, log_y)
    stamps = range_frame.loc[range_frame["model"].isin(names), "timestamp"]
    if stamps.nunique() == 1:  # one point: an hour around it, not years of empty axis
        moment = stamps.iloc[0].tz_convert("UTC").tz_localize(None)
        ax.set_xlim(moment - pd.Timedelta(minutes=30), moment + pd.Timedelta(minutes=30))
    outside_legend(ax, handles, labels, _heading(range_frame, len(names)))
    _literal([ax.set_title(title if title is not None else "P95 latency per model")])
    return fig


def _series(frame: pd.DataFrame, names: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per name: its timestamps (naive UTC datetime64) and P95s (ms), in time order."""
    charted = frame[frame["model"].isin(names)].sort_values("timestamp", kind="stable")
    times = charted["timestamp"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    values = charted["p95_latency_ms"].to_numpy(dtype=np.float64)
    rows = charted.groupby(charted["model"].astype(str), sort=False).indices
    return [(times[rows[name]], values[rows[name]]) for name in names]


def _check_plot_arguments(range_frame: pd.DataFrame, max_models: int, slo_ms) -> None:
    missing = {"model", "timestamp", "p95_latency_ms"} - set(range_frame.columns)
    if missing:
        raise InvalidParameterError(
            "range_frame",
            "plot_p95 needs a p95kit.p95_range frame (model, timestamp, p95_latency_ms); "
            f"missing: {', '.join(sorted(missing))}",
        )
    validation.count(max_models, "max_models", 10)
    if slo_ms is not None:
        validation.positive(slo_ms, "slo_ms", "milliseconds", "500")


class ChartFigure(Figure):
    """A Figure that Jupyter displays as PNG when it is a cell's value (no pyplot needed).

    ``font_families``: the fonts its texts need (:func:`~p95kit.display.fonts.families_for`),
    used for the texts made while it is drawn (tick labels); None: every chart font.
    """

    font_families: tuple[str, ...] | None = None

    def _repr_png_(self) -> bytes:
        return figure_png(self)


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """Render ``fig`` to PNG bytes with Agg (for ``IPython.display.Image`` or embedding).

    The same bytes as ``fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")``
    in one draw: ``savefig`` draws a figure with a layout engine twice (once to lay it
    out, once to render), the Agg canvas's ``print_png`` lays out and renders in one.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    previous = fig.canvas, fig.dpi, fig.get_facecolor()
    with chart_fonts(getattr(fig, "font_families", None)), warnings.catch_warnings():
        # A character no installed font has (e.g. an emoji) draws a box, not a warning.
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        try:
            fig.set_dpi(dpi)
            fig.set_facecolor("white")
            FigureCanvasAgg(fig).print_png(buffer)
        finally:
            fig.set_canvas(previous[0])
            fig.set_dpi(previous[1])
            fig.set_facecolor(previous[2])
    return buffer.getvalue()


def chart_axes(ax, size: tuple[float, float], families: tuple[str, ...]) -> tuple[Figure, object]:
    """``ax`` and its figure; with ``ax`` None, a new :class:`ChartFigure` of ``size``
    inches (laid out by :class:`FitMarginsLayout`, drawn in ``families``) and its axes."""
    if ax is not None:
        return ax.figure, ax
    fig = ChartFigure(figsize=size, layout=FitMarginsLayout())
    fig.font_families = families
    return fig, fig.add_subplot()


def time_axis(ax, ylabel: str) -> None:
    """A UTC time x axis (concise dates, 4-10 ticks), ``ylabel`` and a light grid."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("Time (UTC)")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)


def outside_legend(ax, handles: list, labels: list[str], title: str) -> None:
    """The legend right of the plot, its texts drawn literally (model names)."""
    legend = ax.legend(
        handles,
        labels,
        title=title,
        loc="upper left",
        # A fixed 6 pt right of the plot (not a share of its width): the layout's one
        # measurement then stays true when it resizes the plot.
        bbox_to_anchor=(1.0, 1.0),
        bbox_transform=ax.transAxes + ScaledTranslation(6 / 72, 0, ax.figure.dpi_scale_trans),
        fontsize=8,
    )
    _literal(legend.get_texts(), legend.get_title())


def _axes(ax, frame: pd.DataFrame, names: list[str], slo_ms: float | None, log_y) -> None:
    time_axis(ax, _Y_LABEL)
    medians = frame[frame["model"].isin(names)].groupby("model")["p95_latency_ms"].median()
    positive = medians[medians > 0]
    if log_y is None:
        log_y = len(positive) > 1 and positive.max() / positive.min() > _LOG_SPREAD
    if log_y:
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel(f"{_Y_LABEL}, log scale")
    else:
        ax.set_ylim(bottom=0)


def _heading(frame: pd.DataFrame, shown: int) -> str:
    with_data = frame.dropna(subset=["p95_latency_ms"])["model"].nunique()
    idle = frame["model"].nunique() - with_data
    lines = [f"Slowest {shown} of {with_data} models" if with_data > shown else "Models"]
    if with_data > shown:
        lines.append(f"({with_data - shown} more not shown)")
    if idle:
        lines.append(f"({idle} with no traffic)")
    return "\n".join(lines)


def _no_data(ax, title: str | None) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, "No data: no model had traffic in this window", ha="center", va="center")
    _literal([ax.set_title(title if title is not None else "P95 latency per model")])


def _label(name: str) -> str:
    return name if len(name) <= MAX_LABEL_CHARS else name[: MAX_LABEL_CHARS - 1] + "…"


def _literal(*groups) -> None:
    """Draw these texts as typed: ``$...$`` is not mathtext, ``\\`` is not TeX."""
    for group in groups:
        for text in group if isinstance(group, (list, tuple)) else [group]:
            text.set_parse_math(False)
            text.set_usetex(False)


def _palette(count: int) -> list:
    import matplotlib as mpl

    return list(mpl.colormaps["tab10" if count <= 10 else "tab20"].colors)
