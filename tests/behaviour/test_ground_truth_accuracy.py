"""Both estimators against the truth: 8 latency shapes x 4 exporter bucket layouts.

The samples (benchmarks/groundtruth.py, fixed seed) are bucketed, backfilled into a real
Prometheus, and asked for through p95kit with ``estimator="prometheus"`` and ``"smooth"``;
the truth is ``numpy.percentile`` of the same samples. Issue #14's acceptance, computed:
mean |relative error| of P95 and P99 with smooth <= 1/3 of histogram_quantile's; nowhere
(P50..P99) smooth worse by more than 5 percentage points; smooth always in the bucket that
holds the true percentile. Issue #20's, for SLO shares at thresholds between bucket bounds
(the true percentiles as thresholds): the interval the counts prove always holds the true
share, and smooth's mean |error| between two bounds is at most half of linear's.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import p95kit
from benchmarks import groundtruth as gt
from p95kit.demo.local_prometheus import LocalPrometheus


@pytest.fixture(scope="module")
def truth_prom(prometheus_binaries, tmp_path_factory) -> Iterator[LocalPrometheus]:
    workdir = tmp_path_factory.mktemp("groundtruth")
    with LocalPrometheus(gt.write_openmetrics(workdir / "groundtruth.om"), workdir) as server:
        yield server


@pytest.fixture(scope="module")
def measured(truth_prom) -> pd.DataFrame:
    """One row per shape x layout x percentile: truth, both estimates (ms), the bucket."""
    rows = []
    for layout, bounds in gt.LAYOUTS.items():
        answers = {
            estimator: p95kit.percentiles(
                metric_name=gt.metric_name(layout),
                percentiles=gt.PERCENTILES,
                time_range=gt.WINDOW,
                prometheus_url=truth_prom.url,
                at=gt.END,
                estimator=estimator,
            ).set_index("model")
            for estimator in ("prometheus", "smooth")
        }
        edges = np.array([0.0, *bounds, np.inf]) * 1000
        for shape in gt.SHAPES:
            values = gt.samples(shape)
            for p in gt.PERCENTILES:
                column = f"p{p}"
                true_ms = gt.truth(values, p) * 1000
                holder = int(np.searchsorted(edges, true_ms, side="left"))  # (lower, upper]
                rows.append(
                    {
                        "shape": shape,
                        "layout": layout,
                        "percentile": p,
                        "true_ms": true_ms,
                        "prometheus_ms": answers["prometheus"].loc[shape, column],
                        "smooth_ms": answers["smooth"].loc[shape, column],
                        "lower_ms": edges[holder - 1],
                        "upper_ms": edges[holder],
                    }
                )
    frame = pd.DataFrame(rows)
    frame["prometheus_err"] = (frame["prometheus_ms"] / frame["true_ms"] - 1).abs()
    frame["smooth_err"] = (frame["smooth_ms"] / frame["true_ms"] - 1).abs()
    return frame


def test_suite_covers_the_shapes_and_layouts(measured):
    assert len(gt.SHAPES) >= 8 and len(gt.LAYOUTS) >= 4
    assert len(measured) == len(gt.SHAPES) * len(gt.LAYOUTS) * len(gt.PERCENTILES)
    assert measured[["prometheus_ms", "smooth_ms"]].notna().all().all()


def test_prometheus_estimator_is_histogram_quantile(measured):
    """The prometheus numbers are Prometheus's: linear inside the rank's bucket (checked
    independently from the samples' bucket counts)."""
    for case in gt.cases():
        cumulative = np.cumsum(case.counts)
        bounds = np.array(gt.LAYOUTS[case.layout])
        for p in gt.PERCENTILES:
            rank = p / 100 * cumulative[-1]
            b = int(np.searchsorted(cumulative, rank, side="left"))
            if b == len(bounds):
                expected = bounds[-1]
            else:
                lower, below = (bounds[b - 1], cumulative[b - 1]) if b else (0.0, 0.0)
                expected = lower + (bounds[b] - lower) * (rank - below) / (cumulative[b] - below)
            row = measured[
                (measured["shape"] == case.shape)
                & (measured["layout"] == case.layout)
                & (measured["percentile"] == p)
            ]
            assert row["prometheus_ms"].item() == pytest.approx(expected * 1000, rel=1e-9)


def test_smooth_mean_error_of_p95_p99_is_at_most_a_third(measured):
    tails = measured[measured["percentile"].isin([95, 99])]
    smooth, prometheus = tails["smooth_err"].mean(), tails["prometheus_err"].mean()
    assert smooth <= prometheus / 3, (smooth, prometheus)


def test_smooth_is_nowhere_worse_by_more_than_5_points(measured):
    worse = measured["smooth_err"] - measured["prometheus_err"]
    worst = measured.loc[worse.idxmax()]
    assert worse.max() <= 0.05, worst.to_dict()


def test_smooth_stays_in_the_bucket_holding_the_true_percentile(measured):
    inside = (measured["smooth_ms"] >= measured["lower_ms"] * (1 - 1e-12)) & (
        measured["smooth_ms"] <= measured["upper_ms"] * (1 + 1e-12)
    )
    assert inside.all(), measured[~inside].to_dict("records")


def test_overflow_uses_the_mean_and_stays_above_the_top_bound(measured, truth_prom):
    """llm_e2e overflows prometheus_client's 10 s top bound: Prometheus answers 10 s, smooth
    shapes the tail from _sum (asked in the same one query as the buckets) and answers above
    the bound."""
    rows = measured[(measured["shape"] == "llm_e2e") & (measured["layout"] == "prometheus_client")]
    over = rows[rows["true_ms"] > 10_000]
    assert len(over) >= 2
    assert (over["prometheus_ms"] == 10_000).all()
    assert (over["smooth_ms"] > 10_000).all()
    assert (over["smooth_err"] < over["prometheus_err"]).all()
    kwargs = dict(prometheus_url=truth_prom.url, at=gt.END, estimator="smooth")
    tail = p95kit.p95(metric_name=gt.metric_name("prometheus_client"), **kwargs)
    assert '_sum"' in tail.attrs["query"] and "\n" not in tail.attrs["query"]


def test_smooth_frames_match_the_prometheus_frames(truth_prom):
    kwargs = dict(metric_name=gt.metric_name("tgi"), prometheus_url=truth_prom.url)
    for call, extra in (
        (p95kit.p95, {"at": gt.END}),
        (p95kit.percentiles, {"at": gt.END, "percentiles": "50,99.9"}),
        (p95kit.p95_range, {"end": gt.END, "duration": "10m", "step": "1m"}),
    ):
        plain = call(**kwargs, **extra)
        smooth = call(**kwargs, **extra, estimator="smooth")
        assert list(smooth.columns) == list(plain.columns)
        assert smooth.dtypes.to_dict() == plain.dtypes.to_dict()
        assert smooth.attrs.keys() == plain.attrs.keys()
        assert (plain.attrs["estimator"], smooth.attrs["estimator"]) == ("prometheus", "smooth")
        assert list(smooth["model"]) == list(plain["model"])
        payload = p95kit.to_payload(smooth)
        assert payload["count"] == len(p95kit.to_payload(plain)["data"])


def test_smooth_range_points_equal_the_instant_answers(truth_prom):
    """Every step sees the same observations, so each point equals the instant answer."""
    kwargs = dict(
        metric_name=gt.metric_name("prometheus_client"),
        prometheus_url=truth_prom.url,
        estimator="smooth",
    )
    instant = p95kit.p95(**kwargs, at=gt.END).set_index("model")["p95_latency_ms"]
    series = p95kit.p95_range(**kwargs, end=gt.END, duration="4m", step="1m")
    assert len(series) == 5 * len(gt.SHAPES)
    for model, group in series.groupby("model"):
        assert group["p95_latency_ms"].to_numpy() == pytest.approx(instant[model], rel=1e-9)


@pytest.mark.parametrize("call", [p95kit.p95, p95kit.p95_range, p95kit.percentiles])
def test_unknown_estimator_is_refused_before_any_request(call):
    with pytest.raises(p95kit.InvalidParameterError) as info:
        call(prometheus_url="http://127.0.0.1:9", estimator="linear")
    assert "estimator='smooth'" in str(info.value)


def test_native_histograms_fall_back_to_prometheus(native_prom):
    kwargs = dict(prometheus_url=native_prom.url, at=native_prom.end)
    plain = p95kit.percentiles(**kwargs)
    smooth = p95kit.percentiles(**kwargs, estimator="smooth")
    pd.testing.assert_frame_equal(smooth, plain, check_like=False)
    assert smooth.attrs["estimator"] == "prometheus"
    assert any("estimator='smooth' needs classic" in w for w in smooth.attrs["warnings"])


# -- SLO shares at thresholds between bucket bounds (issue 20's acceptance) ------------------


@pytest.fixture(scope="module")
def shares(truth_prom) -> list[dict]:
    from benchmarks.bench_accuracy import share_accuracy

    return share_accuracy(truth_prom.url)


def test_the_proven_interval_always_holds_the_true_share(shares):
    assert len(shares) >= 150
    missed = [r for r in shares if not r["low"] <= r["true"] <= r["high"]]
    assert missed == []
    for r in shares:
        for estimator in ("prometheus", "smooth"):
            assert r["low"] - 1e-12 <= r[estimator] <= r["high"] + 1e-12, r


def test_smooth_share_error_between_bounds_is_at_most_half_of_linear(shares):
    from benchmarks.bench_accuracy import share_tables

    _, figures = share_tables(shares)
    assert figures["count"] >= 140  # thresholds strictly between two exported bounds
    assert figures["share_smooth"] <= figures["share_prometheus"] / 2, figures


def test_p95kit_slo_reads_the_shares_measured(truth_prom, shares):
    """The measurement reads the window as p95kit.slo does: the same good shares."""
    picked = [r for r in shares if r["layout"] == "vllm_e2e"][:3]
    for r in picked:
        frame = p95kit.slo(
            metric_name=gt.metric_name(r["layout"]),
            threshold_ms=r["threshold_ms"],
            window=gt.WINDOW,
            prometheus_url=truth_prom.url,
            at=gt.END,
            models=[r["shape"]],
        )
        row = frame.iloc[0]
        assert row["good_share"] == pytest.approx(r["smooth"], abs=1e-12)
        assert (row["good_share_low"], row["good_share_high"]) == pytest.approx(
            (r["low"], r["high"])
        )
