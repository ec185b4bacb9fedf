"""An incoming webhook on 127.0.0.1 (a stand-in for Slack, Mattermost or Teams): it records
every JSON body posted to it and answers as scripted, to show the faults a real chat server
cannot be asked for: a 500 (``failing``), an answer that never comes (``hanging``). A
receiver that is down is a free port nobody listens on (:func:`down_url`)."""

from __future__ import annotations

import contextlib
import json

from p95kit.demo.local_prometheus import free_port
from tests.support.loopback import Exchange, LoopbackServer


class WebhookReceiver(LoopbackServer):
    """``with WebhookReceiver() as hook: hook.url``; ``hook.bodies``: the JSON received.

    The first ``failing`` requests get HTTP ``status`` (500); the first ``hanging`` ones
    no answer until the receiver stops (the client times out). The rest: 200 ``ok``,
    as Slack answers."""

    def __init__(self, *, failing: int = 0, status: int = 500, hanging: int = 0) -> None:
        super().__init__()
        self.failing, self.status, self.hanging = failing, status, hanging
        self.bodies: list[dict] = []
        self.path = "/services/T000/B000/" + "s3cr3t-webhook-key"  # the URL is the secret
        self.url = self.url + self.path

    def answer(self, exchange: Exchange) -> None:
        count = len(self.seen)  # this request included
        with contextlib.suppress(ValueError):
            self.bodies.append(json.loads(exchange.body.decode("utf-8")))
        with contextlib.suppress(OSError):  # the client may have given up meanwhile
            if count <= self.hanging:
                self.stopping.wait()
                return
            if count <= self.hanging + self.failing:
                exchange.send(self.status, b"internal_error", "text/plain")
                return
            exchange.send(200, b"ok", "text/plain")


def down_url() -> str:
    """The URL of a webhook receiver that is down: a loopback port nobody listens on."""
    return f"http://127.0.0.1:{free_port()}/services/T000/B000/s3cr3t-webhook-key"
