"""plot_distribution, bucket_percentiles and the alt text, on the known-answer dataset,
rendered for real with Agg. ``P95KIT_DISTRIBUTION_PNG=docs/distribution.png`` refreshes
the README's picture."""

from __future__ import annotations

import math
import os

import pandas as pd
import pytest

import p95kit
from p95kit.display.distribution import bucket_percentiles, distribution_alt_text
from p95kit.display.formatting import fmt_ms, number
from p95kit.display.plotting import figure_png
from p95kit.errors import InvalidParameterError
from tests.support import dataset

WINDOW = 3600


@pytest.fixture(scope="module")
def frame(prom) -> pd.DataFrame:
    return p95kit.buckets(prometheus_url=prom.url, time_range="1h", at=dataset.END)


def _expected_ms(model: str, q: float) -> float:
    counts = dataset.counts_between(dataset.END - WINDOW, dataset.END, model=model)
    return 1000 * dataset.expected_quantile(q, dataset.SECONDS_BOUNDS, counts)


def _in_overflow(model: str, q: float) -> bool:
    counts = dataset.counts_between(dataset.END - WINDOW, dataset.END, model=model)
    return q * sum(counts) > sum(counts[:-1])


def test_bucket_percentiles_are_histogram_quantile_exactly(frame):
    marks = bucket_percentiles(frame, percentiles=(50, 95, 99))
    busy = [m for m in [*dataset.PROD_MODELS, "staging-model"] if m != "idle-model"]
    assert sorted(set(marks["model"])) == sorted(busy)  # no traffic: no rows
    for row in marks.itertuples():
        q = row.percentile / 100
        assert row.value_ms == pytest.approx(_expected_ms(row.model, q), rel=1e-9)
        assert row.overflow == _in_overflow(row.model, q)
        assert row.lower_ms < row.value_ms <= row.upper_ms or row.overflow
    slow = marks[marks["model"] == "slow-model"]
    assert slow["overflow"].all() and (slow["value_ms"] == 10_000).all()
    assert math.isinf(slow["upper_ms"].iloc[0])


def test_bucket_percentiles_match_p95kit_percentiles(frame, prom):
    answered = p95kit.percentiles(prometheus_url=prom.url, time_range="1h", at=dataset.END)
    marks = bucket_percentiles(frame).pivot(index="model", columns="percentile", values="value_ms")
    for row in answered.dropna(subset=["p95"]).itertuples():
        assert marks.loc[row.model, 95.0] == pytest.approx(row.p95, rel=1e-9)


def test_plot_draws_each_model_with_its_percentiles_and_the_overflow(frame):
    fig = p95kit.plot_distribution(frame, max_models=20)
    png = figure_png(fig)
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    panels = {ax.get_title(loc="left").split("    ")[0]: ax for ax in fig.axes}
    busy = sorted(set(bucket_percentiles(frame)["model"]))
    assert sorted(panels) == busy
    assert "1 with no traffic not shown" in fig.get_suptitle()
    slow = panels["slow-model"]
    assert any(patch.get_hatch() == "///" for patch in slow.patches)  # the +Inf bar
    assert not any(patch.get_hatch() for patch in panels["gpt-4"].patches)
    assert slow.get_xscale() == "log"
    gpt4 = panels["gpt-4"]
    lines = [line.get_xdata()[0] for line in gpt4.get_lines()]
    assert lines == pytest.approx([_expected_ms("gpt-4", q) for q in (0.5, 0.95, 0.99)])
    assert f"P95 {fmt_ms(_expected_ms('gpt-4', 0.95))}" in gpt4.get_title(loc="left")
    assert "P99 ≥ 10000 ms" in slow.get_title(loc="left")


def test_hostile_model_names_are_drawn_literally(frame):
    mathtext = "a$\\undefinedcommand{x}$b \\n"  # mathtext would raise on this
    hostile = pd.concat(
        [frame, frame[frame["model"] == "gpt-4"].assign(model=mathtext)], ignore_index=True
    )
    fig = p95kit.plot_distribution(hostile, models=[dataset.HOSTILE_MODEL, mathtext])
    titles = [_left_title(ax) for ax in fig.axes]
    assert [t.get_text().split("    ")[0] for t in titles] == [dataset.HOSTILE_MODEL, mathtext]
    assert not any(t.get_parse_math() or t.get_usetex() for t in titles)
    assert figure_png(fig).startswith(b"\x89PNG")  # renders: nothing was parsed


def _left_title(ax):
    from matplotlib.text import Text

    shown = ax.get_title(loc="left")
    return next(c for c in ax.get_children() if isinstance(c, Text) and c.get_text() == shown)


def test_alt_text_says_what_the_chart_shows(frame):
    text = distribution_alt_text(frame, models=["gpt-4", "slow-model", dataset.HOSTILE_MODEL])
    assert text.startswith("Latency distribution per model")
    gpt4 = dataset.counts_between(dataset.END - WINDOW, dataset.END, model="gpt-4")
    assert f"gpt-4: {sum(gpt4):,.0f} requests" in text
    assert f"P95 {fmt_ms(_expected_ms('gpt-4', 0.95))}, in the 250–500 ms bucket" in text
    assert f"P95 over {number(10_000)} ms (the +Inf bucket)" in text
    assert dataset.HOSTILE_MODEL in text  # plain text: the page that shows it escapes it
    assert "idle-model" not in text


def test_no_traffic_and_wrong_frames(frame):
    idle = frame[frame["model"] == "idle-model"]
    fig = p95kit.plot_distribution(idle)
    assert "No data" in " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "no model had traffic" in distribution_alt_text(idle)
    with pytest.raises(InvalidParameterError, match=r"p95kit\.buckets frame"):
        p95kit.plot_distribution(p95kit.p95_range.__doc__)  # not a frame
    with pytest.raises(InvalidParameterError, match="max_models"):
        p95kit.plot_distribution(frame, max_models=0)
    with pytest.raises(InvalidParameterError, match="percentiles"):
        p95kit.plot_distribution(frame, percentiles="95,200")


def test_readme_picture(frame):
    """Writes docs/distribution.png when asked (P95KIT_DISTRIBUTION_PNG=path); always renders it."""
    fig = p95kit.plot_distribution(frame, models=["gpt-3.5-turbo", "claude-3", "slow-model"])
    png = figure_png(fig, dpi=72)
    assert png.startswith(b"\x89PNG")
    target = os.environ.get("P95KIT_DISTRIBUTION_PNG")
    if target:
        with open(target, "wb") as out:
            out.write(png)
