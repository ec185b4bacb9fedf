"""End to end: a model that burns its latency budget fast makes a real Prometheus, running the
rules ``p95kit slo rules`` generated, send the page to a real Alertmanager, which delivers it
to a webhook with the model's name; the healthy model next to it pages nobody."""

from __future__ import annotations

import pytest

from p95kit.demo.local_prometheus import LocalPrometheus
from p95kit.slo.rules import slo_rules
from tests.support.alerting import (
    Alertmanager,
    BurningExporter,
    Webhook,
    prometheus_config,
    require_alertmanager,
)
from tests.support.polling import wait_for

BURNING, HEALTHY = "llama-70b <burning>", "healthy-model"


@pytest.mark.slow
def test_a_fast_burn_reaches_the_webhook_through_alertmanager(prometheus_binaries, tmp_path):
    binary = require_alertmanager()
    rules = tmp_path / "slo-rules.yml"
    rules.write_text(
        slo_rules(threshold_ms=2000, bounds_ms=(500, 1000, 2000), step="1s", tiers="page"),
        encoding="utf-8",
    )
    with (
        Webhook() as hook,
        BurningExporter(BURNING, HEALTHY) as exporter,
        Alertmanager(binary, tmp_path / "am", hook.url) as am,
    ):
        target = exporter.url.removeprefix("http://")
        config = prometheus_config(target, rules, am.url.removeprefix("http://"))
        flags = ["--rules.alert.resend-delay=1s"]
        with LocalPrometheus(None, tmp_path / "prom", config=config, extra_args=flags):

            def paged() -> bool:
                return any(a["labels"].get("model") == BURNING for a in hook.alerts())

            wait_for(paged, "the page for the burning model at the webhook", timeout=90)
    alerts = hook.alerts()
    assert {a["labels"]["model"] for a in alerts} == {BURNING}
    page = next(a for a in alerts if a["labels"]["model"] == BURNING)
    assert page["status"] == "firing"
    assert page["labels"]["alertname"] == "P95kitLatencyBudgetBurn"
    assert page["labels"]["severity"] == "page"
    assert page["labels"]["slo"] == "request_duration_seconds-2000ms-99"
    assert BURNING in page["annotations"]["summary"]
