"""p95kit.slo and p95kit.burn_rates (p95kit.slo.latency_slo), and p95kit.slo_metrics with its
goodput, against a real Prometheus: every budget, burn rate and status equals a hand
computation from the datasets' counts (tests/support/dataset.py and tests/support/slo_data.py),
never from p95kit.

The known-answer dataset (``prom``) runs windows inside its 48 h (exact ``increase``); the
SLO dataset (``slo_prom``) has counters that start at 0, so a 30-day window is exact too,
with ``le`` spelled three ways, a counter reset, too few requests to page and traffic that
stops.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import p95kit
from p95kit.demo.local_prometheus import LocalPrometheus
from p95kit.slo.policy import WORKBOOK
from tests.support import dataset, slo_data
from tests.support.dataset import END, SECONDS_BOUNDS, counts_between, linear_share, share_at
from tests.support.proxy import Proxy

DAY, HOUR = 86400, 3600


@pytest.fixture(scope="module")
def slo_prom(prometheus_binaries, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("slo")
    with LocalPrometheus(slo_data.build(workdir / "slo.om"), workdir) as server:
        yield server


def window_counts(model: str, seconds: int, at: int = END) -> list[int]:
    return counts_between(at - seconds, at, model=model)


def burn(model: str, threshold_s: float, seconds: int, budget: float) -> float:
    seen = window_counts(model, seconds)
    return 0.0 if not sum(seen) else (1 - share_at(threshold_s, SECONDS_BOUNDS, seen)) / budget


def firing_by_hand(model: str, threshold_s: float, budget: float, tiers=WORKBOOK.tiers) -> bool:
    for tier in tiers:
        long_s, short_s = tier.long_s, tier.short_s
        long_rate = burn(model, threshold_s, int(long_s), budget)
        bad = sum(window_counts(model, int(long_s))) * long_rate * budget
        if (
            long_rate > tier.burn_rate
            and burn(model, threshold_s, int(short_s), budget) > (tier.burn_rate)
            and bad >= 2.5
        ):
            return True
    return False


def test_at_a_bucket_bound_every_number_equals_the_hand_computation(prom):
    frame = p95kit.slo(
        threshold_ms=500, window="24h", prometheus_url=prom.url, at=END, policy=WORKBOOK
    )
    assert list(frame["model"]) == dataset.REQUEST_MODELS
    assert list(frame.columns) == [
        "model", "requests", "good_share", "good_share_low", "good_share_high", "objective",
        "budget_remaining", "burn_rate_1h", "burn_rate_6h", "status", "timestamp",
        "threshold_ms", "window",
    ]  # fmt: skip
    for row in frame.itertuples():
        seen = window_counts(row.model, DAY)
        assert row.requests == pytest.approx(sum(seen), rel=1e-12)
        good = share_at(0.5, SECONDS_BOUNDS, seen)
        if not sum(seen):
            assert math.isnan(row.good_share) and row.status == "no traffic"
            assert (row.budget_remaining, row.burn_rate_1h, row.burn_rate_6h) == (1.0, 0.0, 0.0)
            continue
        assert row.good_share == row.good_share_low == row.good_share_high
        assert row.good_share == pytest.approx(good, abs=1e-12)
        assert row.budget_remaining == pytest.approx(1 - (1 - good) / 0.01, abs=1e-9)
        assert row.burn_rate_1h == pytest.approx(burn(row.model, 0.5, HOUR, 0.01), abs=1e-9)
        assert row.burn_rate_6h == pytest.approx(burn(row.model, 0.5, 6 * HOUR, 0.01), abs=1e-9)
        burning = firing_by_hand(row.model, 0.5, 0.01)
        exhausted = row.budget_remaining <= 0
        assert row.status == ("burning" if burning else "exhausted" if exhausted else "ok")
    drifting = frame.set_index("model").loc["drifting-model"]
    assert drifting["good_share"] == pytest.approx(0.6)  # 12 h of 100 %, 12 h of 20 %
    assert drifting["burn_rate_1h"] == pytest.approx(80)  # the last hour: 20 % good
    assert set(frame["status"]) == {"ok", "burning", "no traffic"}
    assert (frame["threshold_ms"] == 500).all() and (frame["window"] == "24h").all()
    assert (frame["timestamp"] == frame["timestamp"].iloc[0]).all()


def test_between_bounds_the_counts_prove_an_interval_and_the_estimate_lies_inside(prom):
    kwargs = dict(threshold_ms=300, window="24h", prometheus_url=prom.url, at=END)
    smooth = p95kit.slo(**kwargs).set_index("model")
    linear = p95kit.slo(**kwargs, estimator="prometheus").set_index("model")
    for model in dataset.REQUEST_MODELS:
        seen = window_counts(model, DAY)
        if not sum(seen):
            continue
        low, high = share_at(0.25, SECONDS_BOUNDS, seen), share_at(0.5, SECONDS_BOUNDS, seen)
        row = smooth.loc[model]
        assert (row["good_share_low"], row["good_share_high"]) == pytest.approx((low, high))
        assert low - 1e-12 <= row["good_share"] <= high + 1e-12
        assert linear.loc[model, "good_share"] == pytest.approx(
            linear_share(0.3, SECONDS_BOUNDS, seen), abs=1e-12
        )
    # where the bucket holds requests the two estimators read them differently
    assert smooth.loc["claude-3", "good_share"] != pytest.approx(
        linear.loc["claude-3", "good_share"]
    )
    advice = p95kit.slo_advice(p95kit.slo(**kwargs)).set_index("model")
    assert not advice["is_bound"].any()
    assert (advice["bound_below_ms"] == 250).all() and (advice["bound_above_ms"] == 500).all()
    assert advice.loc["gpt-4", "uncertainty"] == pytest.approx(0.1)


def test_burn_rates_per_window_are_ratios_of_sums(prom):
    frame = p95kit.burn_rates(
        threshold_ms=500, prometheus_url=prom.url, at=END, models=["drifting-model"]
    )
    assert list(frame["window"]) == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
    rates = dict(zip(frame["window"], frame["burn_rate"]))
    for window in ("5m", "30m", "1h", "2h", "6h"):
        assert rates[window] == pytest.approx(80)  # after the drift: 20 % good, 1 % allowed
    assert rates["1d"] == pytest.approx(40)  # 12 h at 100 %, 12 h at 20 %
    # 3 days reach back before the data (48 h): 36 h at 100 %, 12 h at 20 %, extrapolated
    # alike for every series, so the share is exact
    assert rates["3d"] == pytest.approx(100 * (1 - (2160 * 100 + 720 * 20) / 288000))
    hour = frame.set_index("window").loc["1h"]
    assert (hour["requests"], hour["bad_requests"]) == pytest.approx((6000, 4800))
    alerts = frame.attrs["alerts"]
    assert {(a["severity"], a["long_window"]) for a in alerts} == {
        ("page", "1h"), ("page", "6h"), ("ticket", "1d"), ("ticket", "3d"),
    }  # fmt: skip


def test_burning_wins_over_exhausted_and_exhausted_over_ok(prom):
    kwargs = dict(threshold_ms=250, objective=98, window="24h", prometheus_url=prom.url, at=END)
    pages = p95kit.slo(**kwargs, models=["gpt-4"], policy=WORKBOOK.only("page"))
    row = pages.iloc[0]  # 10 % slow: burn rate 5, under the pages' 6; budget 1 - 0.1/0.02
    assert row["burn_rate_1h"] == pytest.approx(5) and row["budget_remaining"] == pytest.approx(-4)
    assert row["status"] == "exhausted" and pages.attrs["alerts"] == []
    both = p95kit.slo(**kwargs, models=["gpt-4"], policy=WORKBOOK)
    assert both["status"].tolist() == ["burning"]  # the ticket tier (3x over 1d and 2h) fires


def test_no_traffic_never_becomes_nan_in_a_budget(prom):
    frame = p95kit.slo(threshold_ms=500, window="1h", prometheus_url=prom.url, at=END)
    idle = frame.set_index("model").loc["idle-model"]
    assert idle["status"] == "no traffic" and idle["requests"] == 0
    assert frame[["budget_remaining", "burn_rate_1h", "burn_rate_6h"]].notna().all().all()
    body = p95kit.to_slo_payload(frame)
    text = json.dumps(body, allow_nan=False)  # strict JSON
    item = next(d for d in body["data"] if d["model"] == "idle-model")
    assert item["good_share"] is None and item["budget_remaining"] == 1.0
    assert dataset.HOSTILE_MODEL in json.loads(text)["data"][0]["model"]


def test_le_spelled_three_ways_counts_as_one_bound_over_30_days(slo_prom):
    frame = p95kit.slo(
        slo_data.METRIC, 2000, objective=99, prometheus_url=slo_prom.url, at=END
    ).set_index("model")
    for model, share in (("go-text", 0.95), ("python", 0.99), ("exponent", 0.999)):
        row = frame.loc[model]
        assert row["requests"] == sum(slo_data.observed(model, END - 30 * DAY))
        assert row["good_share"] == row["good_share_low"] == row["good_share_high"]
        assert row["good_share"] == pytest.approx(share, abs=1e-12)
        assert row["good_share"] == pytest.approx(slo_data.good_share(model, 2, END - 30 * DAY))
        assert row["budget_remaining"] == pytest.approx(1 - (1 - share) / 0.01, abs=1e-9)
        assert row["burn_rate_1h"] == pytest.approx((1 - share) / 0.01, abs=1e-9)
    burn_query = frame.attrs["queries"]["burn"]
    for spelled in ('"2"', "2\\\\.0", "2e\\\\+00"):
        assert spelled.strip('"') in burn_query, burn_query
    assert frame.loc["exponent", "status"] == "ok"  # exactly at the objective: nothing left
    assert frame.loc["exponent", "budget_remaining"] == pytest.approx(0.9, abs=1e-9)


def test_a_counter_reset_inside_the_windows_loses_no_request(slo_prom):
    frame = p95kit.burn_rates(
        slo_data.METRIC, 2000, prometheus_url=slo_prom.url, at=END, models=["reset"]
    ).set_index("window")
    for window, seconds in (("1h", HOUR), ("2h", 2 * HOUR), ("6h", 6 * HOUR), ("3d", 3 * DAY)):
        seen = slo_data.observed("reset", END - seconds)
        assert frame.loc[window, "requests"] == pytest.approx(sum(seen), abs=1e-9), window
        assert frame.loc[window, "burn_rate"] == pytest.approx(2.0)  # 2 % slow, 1 % allowed


def test_a_handful_of_slow_requests_does_not_page(slo_prom):
    frame = p95kit.slo(slo_data.METRIC, 2000, prometheus_url=slo_prom.url, at=END)
    rows = frame.set_index("model")
    two, three = rows.loc["two-slow"], rows.loc["three-slow"]
    assert two["burn_rate_1h"] == three["burn_rate_1h"] == pytest.approx(100)
    assert two["status"] == "exhausted"  # 2 slow requests: under the guard of 3 (as 2.5)
    assert three["status"] == "burning"
    fired = {(a["model"], a["severity"]) for a in frame.attrs["alerts"]}
    assert ("three-slow", "page") in fired and not any(m == "two-slow" for m, _ in fired)


def test_traffic_that_stopped_burns_nothing_in_the_windows_without_it(slo_prom):
    kwargs = dict(prometheus_url=slo_prom.url, at=END, models=["stopped"])
    row = p95kit.slo(slo_data.METRIC, 2000, **kwargs).iloc[0]
    assert row["burn_rate_1h"] == 0.0 and row["burn_rate_6h"] == pytest.approx(10)
    alerts = p95kit.slo(slo_data.METRIC, 2000, **kwargs).attrs["alerts"]
    assert [(a["severity"], a["long_window"]) for a in alerts] == [("ticket", "3d")]
    recent = p95kit.slo(slo_data.METRIC, 2000, window="1h", **kwargs).iloc[0]
    assert recent["status"] == "no traffic" and recent["budget_remaining"] == 1.0
    assert math.isnan(recent["good_share"])


def test_the_number_of_queries_does_not_grow_with_the_models(prom):
    with Proxy(prom.url) as proxy:
        for models in (["gpt-4"], dataset.REQUEST_MODELS):
            proxy.seen.clear()
            p95kit.slo(threshold_ms=500, prometheus_url=proxy.url, at=END, models=models)
            paths = sorted(seen.path for seen in proxy.seen)
            assert paths == ["/api/v1/label/le/values", "/api/v1/query", "/api/v1/query"]


def test_a_backend_that_refuses_the_burn_query_for_its_sample_limit_is_asked_window_by_window(
    slo_prom,
):
    """VictoriaMetrics counts every sample a query selects (-search.maxSamplesPerQuery), so
    the seven windows together may be refused where each alone is not; Prometheus limits the
    samples of one series at a time and cannot show it: the proxy refuses the one query."""

    def refuse_the_seven_windows(body: dict) -> dict:
        data = body.get("data")
        labels = [item["metric"] for item in data["result"]] if isinstance(data, dict) else []
        if any("p95kit_window" in m for m in labels):
            error = "cannot select more than -search.maxSamplesPerQuery=1000 samples"
            return {"status": "error", "errorType": "execution", "error": error}
        return body

    kwargs = dict(at=END, window="30d")
    direct = p95kit.burn_rates(slo_data.METRIC, 2000, prometheus_url=slo_prom.url, **kwargs)
    with Proxy(slo_prom.url, edit=refuse_the_seven_windows) as proxy:
        split = p95kit.burn_rates(slo_data.METRIC, 2000, prometheus_url=proxy.url, **kwargs)
        queries = [s for s in proxy.seen if s.path == "/api/v1/query"]
    assert len(queries) == 1 + 1 + 7  # the window, the refused one, then one per window
    pd.testing.assert_frame_equal(split, direct, check_like=False)


def test_invalid_parameters_are_refused_before_any_request():
    for kwargs, parameter in (
        ({}, "threshold_ms"),
        ({"threshold_ms": -1}, "threshold_ms"),
        ({"threshold_ms": 500, "objective": 100}, "objective"),
        ({"threshold_ms": 500, "window": "30x"}, "window"),
        ({"threshold_ms": 500, "estimator": "cubic"}, "estimator"),
        ({"threshold_ms": 500, "policy": "page"}, "policy"),
    ):
        with pytest.raises(p95kit.InvalidParameterError) as raised:
            p95kit.slo(prometheus_url="http://127.0.0.1:9", **kwargs)
        assert raised.value.parameter == parameter


def test_several_metrics_and_goodput_bounds(slo_prom, prom):
    frame = p95kit.slo_metrics(
        {dataset.REQUEST_METRIC: 500, dataset.MS_METRIC: 250},
        window="24h",
        prometheus_url=prom.url,
        at=END,
    )
    assert list(frame.columns[:2]) == ["metric_name", "model"]
    assert list(dict.fromkeys(frame["metric_name"])) == [dataset.REQUEST_METRIC, dataset.MS_METRIC]
    both = p95kit.goodput(frame).set_index("model")
    a = share_at(0.5, SECONDS_BOUNDS, window_counts("gpt-4", DAY))
    b = share_at(
        250, dataset.MS_BOUNDS, counts_between(END - DAY, END, dataset.MS_METRIC, model="gpt-4")
    )
    assert both.loc["gpt-4", "goodput_low"] == pytest.approx(max(0.0, a + b - 1))
    assert both.loc["gpt-4", "goodput_high"] == pytest.approx(min(a, b))
    assert np.isnan(both.loc["slow-model", "goodput_low"])  # no inference_latency_ms series
