"""The live pipeline of issue #14: an app instrumented with prometheus_client (its default
buckets), scraped every second by a real Prometheus, every observation recorded; at the end
p95kit's two estimators are compared with the true percentiles of those observations."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

import p95kit
from p95kit.demo.local_prometheus import LocalPrometheus
from tests.support import smallprom
from tests.support.polling import wait_for

prometheus_client = pytest.importorskip("prometheus_client")

METRIC = "live_request_duration_seconds"
PER_MODEL = 4000
SHAPES = {  # the shapes: lognormal medians 50 ms, 400 ms, 2.5 s, and a long tail
    "fast": lambda rng, n: rng.lognormal(np.log(0.05), 0.5, n),
    "mid": lambda rng, n: rng.lognormal(np.log(0.4), 0.5, n),
    "slow": lambda rng, n: rng.lognormal(np.log(2.5), 0.4, n),
    "long-tail": lambda rng, n: rng.lognormal(np.log(0.3), 0.9, n),
}


def scraped_count(client: p95kit.Prometheus) -> float | None:
    result = client.query(f"sum({METRIC}_count)", time.time()).result
    return float(result[0]["value"][1]) if result else None


@pytest.fixture(scope="module")
def live(
    prometheus_binaries, tmp_path_factory
) -> Iterator[tuple[str, dict[str, np.ndarray], float]]:
    """Observations made once both sides are up; yields (url, observations, query time)."""
    registry = prometheus_client.CollectorRegistry()
    histogram = prometheus_client.Histogram(METRIC, "latency", ["model"], registry=registry)
    for model in SHAPES:
        histogram.labels(model=model)  # every series starts at 0 before the first scrape
    server, thread = prometheus_client.start_http_server(0, addr="127.0.0.1", registry=registry)
    port = server.server_address[1]
    config = smallprom.scrape_config("app", f"127.0.0.1:{port}")
    prom = LocalPrometheus(None, tmp_path_factory.mktemp("live"), config=config)
    try:
        with prom, p95kit.Prometheus(prom.url) as client:
            wait_for(lambda: scraped_count(client) == 0, "the first scrape (all counts 0)")
            rng = np.random.default_rng(14)
            observed = {model: draw(rng, PER_MODEL) for model, draw in SHAPES.items()}
            for model, values in observed.items():
                child = histogram.labels(model=model)
                for value in values:
                    child.observe(float(value))
            total = PER_MODEL * len(SHAPES)
            wait_for(lambda: scraped_count(client) == total, "a scrape with every observation")
            yield prom.url, observed, time.time()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_live_smooth_beats_histogram_quantile(live):
    url, observed, when = live
    answers = {
        estimator: p95kit.percentiles(
            metric_name=METRIC,
            percentiles="50,95,99",
            time_range="5m",
            prometheus_url=url,
            at=when,
            estimator=estimator,
        ).set_index("model")
        for estimator in ("prometheus", "smooth")
    }
    edges = np.array([0.0, *prometheus_client.Histogram.DEFAULT_BUCKETS]) * 1000
    errors = {"prometheus": [], "smooth": []}
    for model, values in observed.items():
        for p in (50, 95, 99):
            true_ms = float(np.percentile(values, p)) * 1000
            holder = int(np.searchsorted(edges, true_ms, side="left"))
            estimate = answers["smooth"].loc[model, f"p{p}"]
            assert edges[holder - 1] <= estimate <= edges[holder], (model, p)
            for estimator in errors:
                error = abs(answers[estimator].loc[model, f"p{p}"] / true_ms - 1)
                errors[estimator].append(error if p > 50 else np.nan)
    smooth, prometheus = np.nanmean(errors["smooth"]), np.nanmean(errors["prometheus"])
    assert smooth <= prometheus / 3, (smooth, prometheus)
