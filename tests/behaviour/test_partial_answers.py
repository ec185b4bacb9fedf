"""What a backend says about its answer reaches the user: never dropped.

Prometheus's ``warnings`` (from 2.48), its ``infos`` (from 2.54) and Thanos' partial
responses (HTTP 200 with ``warnings``) come back in the frame's ``attrs["warnings"]``
(infos also alone in ``attrs["infos"]``), the report's ``meta["warnings"]`` and the
``warnings`` of a ``p95kit serve`` body. A proxy in front of the real ``prom`` adds them
to every answer, as a Thanos querier with a store down would.
"""

from __future__ import annotations

import pytest
import requests

import p95kit
from p95kit.report.collect import collect
from p95kit.report.parameters import ReportSettings
from p95kit.report.plan import plan
from tests.support import dataset
from tests.support.proxy import Proxy

END = dataset.END
PARTIAL = "partial response: store 10.0.0.7:10901 unavailable (thanos)"
INFO = "PromQL info: input to histogram_quantile needed to be fixed for monotonicity"


def with_notes(body: dict) -> dict:
    return {**body, "warnings": [PARTIAL], "infos": [INFO]}


@pytest.fixture(scope="module")
def partial(prom):
    with Proxy(prom.url, edit=with_notes) as proxy:
        yield proxy


@pytest.mark.parametrize(
    "ask",
    [
        lambda url: p95kit.p95(prometheus_url=url, at=END),
        lambda url: p95kit.percentiles(prometheus_url=url, at=END, estimator="smooth"),
        lambda url: p95kit.p95_range(prometheus_url=url, end=END, duration="1h", step="5m"),
        lambda url: p95kit.buckets(prometheus_url=url, at=END),
    ],
    ids=["p95", "smooth", "range", "buckets"],
)
def test_warnings_and_infos_are_in_the_frame(partial, ask):
    frame = ask(partial.url)
    assert frame.attrs["warnings"][:2] == [PARTIAL, INFO]
    assert frame.attrs["infos"] == [INFO]
    assert len(frame) > 0  # the answer itself is kept


def test_warnings_and_infos_are_in_the_report(partial):
    settings = ReportSettings(duration="1h", end=END)
    with p95kit.Prometheus(partial.url) as client:
        data = collect(client, plan(settings))
    assert data.meta["warnings"] == [PARTIAL, INFO]


def test_serve_passes_warnings_and_infos_on(partial):
    from tests.support.serving import ServeProcess, require_serve

    require_serve()
    with ServeProcess("--prometheus-url", partial.url) as server:
        answer = requests.get(f"{server.url}/api/metrics/p95/", params={"at": END}, timeout=60)
        quiet = requests.get(
            f"{server.url}/api/metrics/percentiles/",
            params={"at": END, "prometheus_url": partial.url},
            timeout=60,
        )
    assert answer.status_code == 200
    body = answer.json()
    assert body["warnings"] == [PARTIAL, INFO]
    assert body["count"] == len(dataset.REQUEST_MODELS)
    assert quiet.json()["warnings"] == [PARTIAL, INFO]
