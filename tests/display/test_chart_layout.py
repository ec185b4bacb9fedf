"""The P95 chart's one-pass layout (p95kit.display.chart_layout): everything fits, nothing is
cut, the plot takes the rest."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from p95kit.display.chart_layout import PAD_INCHES, FitMarginsLayout
from p95kit.display.plotting import figure_png, plot_p95

LONG = "w" * 80  # cut to MAX_LABEL_CHARS, one of the widest legends there is


def _range(names, scale: float = 1.0) -> pd.DataFrame:
    times = pd.date_range("2026-11-30", periods=48, freq="30min", tz="UTC")
    return pd.concat(
        [
            pd.DataFrame({"model": n, "timestamp": times, "p95_latency_ms": (i + 1) * scale})
            for i, n in enumerate(names)
        ],
        ignore_index=True,
    )


def _drawn(fig: Figure):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


@pytest.mark.parametrize(
    ("names", "scale", "slo_ms"),
    [
        (["a"], 1.0, None),
        ([f"model-{i:02d}" for i in range(12)], 250.0, 2_000),
        ([LONG, "short"], 1e6, None),  # 7-digit tick labels, the longest legend label
        (["한국어-요약-모델-" * 4, "日本語モデル"], 0.01, 0.05),
    ],
)
def test_every_text_is_inside_the_figure_and_the_plot_takes_the_rest(names, scale, slo_ms):
    fig = plot_p95(_range(names, scale), slo_ms=slo_ms, title="P95 " + names[0])
    renderer = _drawn(fig)
    ax = fig.axes[0]
    box = ax.get_tightbbox(renderer, for_layout_only=True)  # a long title may be cut
    outer, pad = fig.bbox, PAD_INCHES * fig.dpi
    assert isinstance(fig.get_layout_engine(), FitMarginsLayout)
    # Inside the figure, with the pad on the left (ylabel), right (legend) and top (title).
    assert box.x0 >= outer.x0 + pad - 1 and box.x1 <= outer.x1 - pad + 1
    assert box.y0 >= outer.y0 and box.y1 <= outer.y1 - pad + 1
    # ... and no wider margins than that: the left and right edges are used.
    assert box.x0 <= outer.x0 + pad + 2 and box.x1 >= outer.x1 - pad - 2
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.x0 > ax.bbox.x1  # beside the plot, not over it
    assert ax.bbox.width > 0.3 * outer.width


def test_layout_needs_one_measurement_and_gives_savefig_the_same_bytes():
    """figure_png lays out once; savefig lays out again on the laid-out figure: the same
    margins come out (the layout does not depend on where the axes were)."""
    import io

    first = plot_p95(_range([LONG, "b", "c"], 300.0), slo_ms=500)
    png = figure_png(first)
    again = io.BytesIO()
    first.savefig(again, format="png", dpi=100, facecolor="white")
    assert again.getvalue() == png


def test_a_figure_of_several_axes_is_left_alone():
    fig = Figure(layout=FitMarginsLayout())
    fig.subplots(2, 1)
    before = [a.get_position().bounds for a in fig.axes]
    _drawn(fig)
    assert [a.get_position().bounds for a in fig.axes] == before


def test_margins_too_wide_for_the_figure_are_shrunk_to_keep_the_plot():
    fig = plot_p95(_range([LONG]), title="x")
    fig.set_size_inches(3, 2)  # the legend alone is wider than the figure
    _drawn(fig)
    assert fig.axes[0].get_position().width == pytest.approx(0.3, abs=0.01)
