"""The shape check (p95kit.query.shapes) with Prometheus's metadata: a scraped target says
what its metrics are.

Backfilled data has no metadata (``/api/v1/metadata`` is filled by scrapes), so the other
tests see only the series' shape ("a counter or gauge"). Here a real Prometheus scrapes, every
second, a target that exports what Triton exports by default (its latency counters, in the
text format, ``# TYPE ... counter``) and a gauge; once the metadata is in, the error names
the type Prometheus was told: "a counter", "a gauge".
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import p95kit
from p95kit.demo.local_prometheus import LocalPrometheus
from tests.support import smallprom
from tests.support.polling import wait_for

COUNTER = "nv_inference_request_duration_us"
GAUGE = "app_inflight_requests"
EXPOSITION = f"""\
# HELP {COUNTER} Cumulative inference request duration in microseconds
# TYPE {COUNTER} counter
{COUNTER}{{model="resnet50",version="1"}} 250000
# HELP nv_inference_request_success Number of successful inference requests
# TYPE nv_inference_request_success counter
nv_inference_request_success{{model="resnet50",version="1"}} 100
# HELP {GAUGE} Requests in flight
# TYPE {GAUGE} gauge
{GAUGE}{{model="resnet50"}} 3
""".encode()


class _Target(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.send_header("Content-Length", str(len(EXPOSITION)))
        self.end_headers()
        self.wfile.write(EXPOSITION)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def scraped(prometheus_binaries, tmp_path_factory) -> Iterator[str]:
    """A Prometheus that has scraped the target and holds its metadata; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Target)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = smallprom.scrape_config("triton", f"127.0.0.1:{server.server_address[1]}")
    prom = LocalPrometheus(None, tmp_path_factory.mktemp("scraped"), config=config)
    try:
        with prom, p95kit.Prometheus(prom.url) as client:
            for name in (COUNTER, GAUGE):
                wait_for(lambda n=name: client.metadata(n), f"the metadata of {name}")
                wait_for(lambda n=name: client.query(n, time.time()).result, f"a sample of {name}")
            yield prom.url
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_a_scraped_counter_is_named_a_counter_from_the_metadata(scraped, cli):
    with pytest.raises(p95kit.MetricShapeError) as caught:
        p95kit.p95(COUNTER, "5m", prometheus_url=scraped)
    message = caught.value.message
    assert f"{COUNTER} is a counter, not a histogram or summary" in message
    assert "counter or gauge" not in message  # what the series alone would say
    assert f"rate({COUNTER}[5m]) / rate(nv_inference_request_success[5m])" in message
    result = cli("doctor", "--metric-name", COUNTER, "--prometheus-url", scraped)
    assert result.exit_code != 0
    assert f"{COUNTER} is a counter, not a histogram or summary" in result.stdout


def test_a_scraped_gauge_is_named_a_gauge(scraped):
    with pytest.raises(p95kit.MetricShapeError, match=f"{GAUGE} is a gauge, not a histogram"):
        p95kit.percentiles(GAUGE, (50, 95), prometheus_url=scraped)
