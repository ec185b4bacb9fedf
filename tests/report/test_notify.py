"""Chat incoming webhooks (p95kit.report.notify) against a local webhook receiver: the message
as JSON, retries with backoff after a 500 or a timeout, a receiver that is down or refuses."""

from __future__ import annotations

import pytest

from p95kit.errors import NotificationError
from p95kit.report.message import chat_text, webhook_payload
from p95kit.report.notify import post_webhook
from tests.support.webhook_receiver import WebhookReceiver, down_url

KEY = "s3cr3t-webhook-key"


def test_a_webhook_gets_the_message_as_json(message):
    with WebhookReceiver() as hook:
        assert post_webhook(hook.url, webhook_payload(message)) == 1
    (seen,) = hook.seen
    assert seen.method == "POST" and seen.headers["Content-Type"] == "application/json"
    assert hook.bodies == [{"text": chat_text(message)}]


def test_a_webhook_answering_500_is_retried_with_backoff(message, waits):
    with WebhookReceiver(failing=2) as hook:
        assert post_webhook(hook.url, webhook_payload(message), backoff=1.0) == 3
    assert waits == [1.0, 2.0] and len(hook.bodies) == 3


def test_a_slow_webhook_times_out_and_the_next_attempt_gets_through(message, waits):
    with WebhookReceiver(hanging=1) as hook:
        assert post_webhook(hook.url, webhook_payload(message), timeout=1.0) == 2
    assert len(hook.seen) == 2


def test_a_webhook_that_is_down_fails_after_the_retries_without_showing_its_key(message, waits):
    url = down_url()
    with pytest.raises(NotificationError) as failed:
        post_webhook(url, webhook_payload(message), attempts=3)
    text = failed.value.message
    assert KEY not in text and "/services" not in text
    assert text.startswith("webhook http://127.0.0.1:") and "cannot connect" in text
    assert text.endswith("(3 attempts)") and len(waits) == 2
    assert failed.value.exit_code == 6


def test_a_refused_webhook_is_not_retried(message, waits):
    with WebhookReceiver(failing=5, status=404) as hook, pytest.raises(NotificationError) as no:
        post_webhook(hook.url, webhook_payload(message))
    assert len(hook.seen) == 1 and waits == []
    assert "HTTP 404: internal_error (1 attempt)" in no.value.message
