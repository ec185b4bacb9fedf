"""After publishing, tell people (p95kit.report.delivery): every option checked before anything
is sent, when to send, and every channel tried, each failure one log line without its key.
No Prometheus, no kernel (the report is hand-made; the channels themselves: test_notify.py,
test_mail.py)."""

from __future__ import annotations

import re

import pytest

from p95kit.errors import InvalidParameterError
from p95kit.report.delivery import Delivery, deliver
from p95kit.report.headline import headline_facts
from tests.support.report_data import make_data
from tests.support.webhook_receiver import WebhookReceiver, down_url

KEY = "s3cr3t-webhook-key"


def test_delivery_is_checked_before_anything_is_sent(tmp_path):
    hooks = tmp_path / "hooks"
    hooks.write_text(f"# team channel\nhttps://hooks.example/services/{KEY}\n\n", encoding="utf-8")
    checked = Delivery(webhooks=(f"@{hooks}",)).checked()
    assert checked.webhooks == (f"https://hooks.example/services/{KEY}",)
    assert checked.record()["notify"] == ["https://hooks.example/…"]  # for run.json
    bad = [
        (Delivery(emails=("a@example.com",)), "--email needs --smtp-url"),
        (Delivery(webhooks=("ftp://x/y",)), "--notify needs an http(s) URL"),
        (Delivery(webhooks=(f"@{tmp_path / 'none'}",)), "cannot read --notify file"),
        (Delivery(emails=("not an address",), smtp_url="smtp://x"), "not a mail address"),
        (Delivery(webhooks=("https://x/y",), when="alert"), "needs --slo-ms or --max-regression"),
        (Delivery(webhooks=("https://x/y",), base_url="reports/"), "--base-url must be"),
    ]
    for delivery, said in bad:
        with pytest.raises(InvalidParameterError, match=re.escape(said)):
            delivery.checked()
    assert Delivery(webhooks=("https://x/y",), when="alert").checked(slo_ms=500.0)


def test_when_to_send():
    facts = headline_facts([make_data()])  # fast: +25 %; saturated over the 500 ms SLO
    quiet = headline_facts([make_data(slo_ms=None)])
    hook = ("https://x/y",)
    assert Delivery(webhooks=hook).sends(facts) and Delivery(webhooks=hook).sends(None)
    assert not Delivery().sends(facts)  # nowhere to send
    assert not Delivery(webhooks=hook, when="failure").sends(facts)
    assert Delivery(webhooks=hook, when="failure").sends(None)
    assert Delivery(webhooks=hook, when="alert").sends(facts)  # the breach
    assert not Delivery(webhooks=hook, when="alert", max_regression=30).sends(quiet)
    assert Delivery(webhooks=hook, when="alert", max_regression=20).sends(quiet)  # +25 %


def test_every_channel_is_tried_and_each_failure_is_one_log_line(message, caplog, waits):
    with WebhookReceiver() as good:
        delivery = Delivery(webhooks=(down_url(), good.url), attempts=2)
        with caplog.at_level("ERROR", logger="p95kit"):
            sent = deliver(delivery, message)
    assert [(s.channel, s.ok, s.attempts) for s in sent] == [
        ("webhook", False, 0),
        ("webhook", True, 1),
    ]
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("notification failed: webhook http://127.0.0.1:") and KEY not in line
    assert len(good.bodies) == 1
