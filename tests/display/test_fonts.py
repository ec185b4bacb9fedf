"""Fonts for the chart (p95kit.display.fonts): model names in Hangul, kana or CJK ideographs
draw as text, and a fallback font only for the texts DejaVu Sans cannot draw."""

from __future__ import annotations

import io
import os
import warnings

import pandas as pd
import pytest

from p95kit.display.fonts import CJK_FAMILIES, chart_families, chart_fonts, families_for
from p95kit.display.plotting import MAX_LABEL_CHARS, plot_p95
from tests.support.report_data import make_data


def _range(names, scale: float = 1.0) -> pd.DataFrame:
    times = pd.date_range("2026-11-30", periods=48, freq="30min", tz="UTC")
    return pd.concat(
        [
            pd.DataFrame({"model": n, "timestamp": times, "p95_latency_ms": (i + 1) * scale})
            for i, n in enumerate(names)
        ],
        ignore_index=True,
    )


def test_plot_draws_hangul_and_kanji_names_as_text():
    """The team's model names may be Korean: they need a CJK font, not boxes."""
    families = chart_families()
    if len(families) == 1:  # only DejaVu Sans: scripts/setup installs fonts-wqy-microhei
        message = "no CJK font installed (apt-get install fonts-wqy-microhei)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    names = ("한국어-요약-모델", "日本語モデル", "中文模型-v2")
    data = make_data(names=names)
    fig = plot_p95(data.range, order=data.summary["model"])
    texts = {t.get_text(): t for t in fig.axes[0].get_legend().get_texts()}
    assert set(names) <= set(texts)
    assert all(set(texts[n].get_fontfamily()) & set(CJK_FAMILIES) for n in names)
    with chart_fonts(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")  # as figure_png does, without its filter
    assert [str(w.message) for w in caught if "missing from" in str(w.message)] == []


def test_fallback_fonts_only_for_texts_dejavu_cannot_draw():
    assert families_for(["org/model-01", "SLO 250 ms", None, "Slowest 10\n(2 more)"]) == (
        "DejaVu Sans",
    )
    assert families_for(["a" * (MAX_LABEL_CHARS - 1) + "…", "µs", "café"]) == ("DejaVu Sans",)
    assert families_for(["org/model-01", "한국어-모델"]) == chart_families()
    ascii_chart = plot_p95(_range(["a", "b"]))
    assert ascii_chart.font_families == ("DejaVu Sans",)
    assert ascii_chart.axes[0].get_legend().get_texts()[0].get_fontfamily() == ["DejaVu Sans"]
    korean = plot_p95(_range(["a", "한국어-모델"]))
    assert korean.font_families == chart_families()
