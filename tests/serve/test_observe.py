"""The server's own metrics (p95kit.serve.observe), as the README's line uses them: a Prometheus
scrapes ``p95kit serve``'s /metrics, and ``p95kit report`` reports on p95kit itself, one
"model" per endpoint."""

from __future__ import annotations

import json
import math
import threading
import time
from urllib.parse import urlsplit

import requests

import p95kit
from p95kit.demo.local_prometheus import LocalPrometheus
from tests.support import smallprom
from tests.support.paths import ROOT
from tests.support.serving import ServeProcess, require_serve

require_serve()

README = (ROOT / "README.md").read_text(encoding="utf-8")
METRIC = "p95kit_serve_request_duration_seconds"
STEP = 5  # seconds: the scrapes of a few seconds fall before the report's aligned end


def test_p95kit_reports_on_its_own_server(tmp_path, prometheus_binaries, jupyter_kernel, cli):
    prom = LocalPrometheus(None, tmp_path / "prom", extra_args=["--web.enable-lifecycle"])
    with prom, ServeProcess("--prometheus-url", prom.url) as server:
        target = urlsplit(server.url).netloc
        (tmp_path / "prom" / "prometheus.yml").write_text(smallprom.scrape_config("p95kit", target))
        requests.post(prom.url + "/-/reload", timeout=30).raise_for_status()
        pause = threading.Event()
        for _ in range(600):  # until two scrapes saw /healthz traffic (a rate needs both)
            for _ in range(5):
                server.get("/healthz")
            at = time.time() // STEP * STEP  # the report's end: aligned to its step
            frame = p95kit.p95(
                prometheus_url=prom.url,
                metric_name=METRIC,
                model_label="endpoint",
                time_range="1m",
                at=at,
            )
            latency = frame.set_index("model")["p95_latency_ms"].get("/healthz", math.nan)
            if math.isfinite(latency):
                break
            pause.wait(0.1)
        assert math.isfinite(latency), "Prometheus never saw the server's requests"
        out = tmp_path / "reports"
        line = f"report --metric-name {METRIC} --model-label endpoint"
        args = [
            *line.split(),
            "--duration",
            "1h",
            "--step",
            f"{STEP}s",
            "--prometheus-url",
            prom.url,
        ]
        result = cli(*args, "--out", str(out), "--end", str(at))
    assert result.exit_code == 0, result.stderr
    payload = json.loads((out / "latest" / "p95.json").read_text())
    models = {item["model"] for item in payload["data"]}
    assert "/healthz" in models
    assert f"p95kit {line}" in README
