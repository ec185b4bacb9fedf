"""The P95 chart (p95kit.display.plotting): no data, one model and an SLO line, one draw for
the PNG, a capped legend, untrusted names drawn literally, a given axes, its arguments checked."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from matplotlib.figure import Figure

from p95kit import InvalidParameterError
from p95kit.display.plotting import MAX_LABEL_CHARS, figure_png, plot_p95
from tests.support.report_data import HOSTILE, MATH, make_data


def _range(count: int) -> pd.DataFrame:
    times = pd.date_range("2026-11-30", periods=48, freq="30min", tz="UTC")
    frames = [
        pd.DataFrame({"model": f"model-{i:02d}", "timestamp": times, "p95_latency_ms": 10.0 + i})
        for i in range(count)
    ]
    empty = pd.DataFrame({"model": pd.Series(dtype="str"), "timestamp": times[:0]})
    return pd.concat(frames, ignore_index=True) if frames else empty.assign(p95_latency_ms=0.0)


def _legend_labels(fig: Figure) -> list[str]:
    legend = fig.axes[0].get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_plot_with_no_models_says_no_data():
    fig = plot_p95(_range(0))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("No data" in t for t in texts)
    assert figure_png(fig).startswith(b"\x89PNG")


def test_plot_with_one_model_and_an_slo_line():
    fig = plot_p95(_range(1), slo_ms=250)
    assert _legend_labels(fig) == ["model-00", "SLO 250 ms"]
    assert fig.axes[0].get_ylabel() == "P95 latency (ms)"
    assert fig.axes[0].get_xlabel() == "Time (UTC)"


def test_figure_png_draws_once_and_gives_savefig_bytes(monkeypatch):
    """One draw (savefig draws a constrained-layout figure twice), the same PNG, and the
    figure left as it was (its canvas, dpi and face colour)."""
    expected = io.BytesIO()
    plot_p95(_range(12), slo_ms=250).savefig(expected, format="png", dpi=100, facecolor="white")
    fig = plot_p95(_range(12), slo_ms=250)
    before = fig.canvas, fig.dpi, fig.get_facecolor()
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: (draws.append(1), original(self, r))[1])
    assert figure_png(fig) == expected.getvalue()
    assert len(draws) == 1
    assert (fig.canvas, fig.dpi, fig.get_facecolor()) == before


def test_plot_caps_the_legend_and_says_how_many_are_hidden():
    fig = plot_p95(_range(30), max_models=10)
    labels = _legend_labels(fig)
    assert labels == [f"model-{i:02d}" for i in range(29, 19, -1)]
    title = fig.axes[0].get_legend().get_title().get_text()
    assert "10 of 30" in title and "20 more not shown" in title
    assert len(figure_png(fig)) > 10_000


def test_plot_draws_untrusted_names_literally_and_truncates_long_ones():
    data = make_data(names=(HOSTILE, MATH, "_private", "a" * 80))
    fig = plot_p95(data.range, slo_ms=300, order=data.summary["model"])
    texts = fig.axes[0].get_legend().get_texts()
    labels = [t.get_text() for t in texts]
    assert {HOSTILE, MATH, "_private"} <= set(labels)
    assert "a" * (MAX_LABEL_CHARS - 1) + "…" in labels
    assert all(not t.get_parse_math() and not t.get_usetex() for t in texts)
    figure_png(fig)  # drawing must not raise on "$", "\\" or "_"


def test_plot_draws_into_a_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_p95(_range(3), ax=ax) is fig


def test_plot_checks_its_arguments_and_frames_a_single_point():
    with pytest.raises(InvalidParameterError, match="missing: p95_latency_ms"):
        plot_p95(make_data().window)
    with pytest.raises(InvalidParameterError, match="max_models"):
        plot_p95(_range(3), max_models=0)
    with pytest.raises(InvalidParameterError, match="slo_ms"):
        plot_p95(_range(3), slo_ms=-1)
    one = _range(1).groupby("model").head(1)
    low, high = plot_p95(one).axes[0].get_xlim()
    assert high - low == pytest.approx(1 / 24)  # an hour (matplotlib dates are days)
