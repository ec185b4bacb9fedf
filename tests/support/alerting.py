"""A real Alertmanager on loopback, the webhook receiver it delivers to, and an exporter whose
latency histogram burns an SLO's budget now (for the end-to-end alerting test).

Alertmanager is Debian's ``prometheus-alertmanager`` (0.25; ``P95KIT_ALERTMANAGER_BIN``
overrides), started with clustering off and stopped by its PID.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from p95kit.demo.local_prometheus import free_port
from tests.support.loopback import Exchange, LoopbackServer


def require_alertmanager() -> str:
    """The Alertmanager binary; skip without it (fail under CI, where setup installs it)."""
    override = os.environ.get("P95KIT_ALERTMANAGER_BIN")
    for path in (
        [override]
        if override
        else [shutil.which("prometheus-alertmanager"), shutil.which("alertmanager")]
    ):
        if path and os.access(path, os.X_OK):
            return path
    message = "prometheus-alertmanager not found: apt-get install prometheus-alertmanager"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class Webhook(LoopbackServer):
    """Records the JSON body of every POST (Alertmanager's webhook notifications)."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[dict] = []

    def answer(self, exchange: Exchange) -> None:
        with contextlib.suppress(ValueError):
            self.bodies.append(json.loads(exchange.body))
        exchange.send(200, b"{}", "application/json")

    def alerts(self) -> list[dict]:
        return [alert for body in list(self.bodies) for alert in body.get("alerts", [])]


class BurningExporter(LoopbackServer):
    """``/metrics``: ``request_duration_seconds`` for two models, 100 requests a second each
    since the exporter started: all of ``burning``'s over 2 s, none of ``healthy``'s."""

    def __init__(self, burning: str, healthy: str) -> None:
        super().__init__()
        self.burning, self.healthy, self.began = burning, healthy, time.monotonic()

    def answer(self, exchange: Exchange) -> None:
        count = 1000 + int(100 * (time.monotonic() - self.began))
        lines = ["# TYPE request_duration_seconds histogram"]
        for model, fast in ((self.burning, 1000), (self.healthy, count)):
            labels = f'model="{model}"'
            lines += [
                f'request_duration_seconds_bucket{{{labels},le="2"}} {fast}',
                f'request_duration_seconds_bucket{{{labels},le="+Inf"}} {count}',
                f"request_duration_seconds_count{{{labels}}} {count}",
                f"request_duration_seconds_sum{{{labels}}} {count * 1.5}",
            ]
        exchange.send(200, ("\n".join(lines) + "\n").encode(), "text/plain; version=0.0.4")


class Alertmanager:
    """``prometheus-alertmanager`` delivering every alert to ``webhook_url`` at once
    (grouped by alert name and model, no group wait); a context manager."""

    def __init__(self, binary: str, workdir: Path, webhook_url: str) -> None:
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = workdir / "alertmanager.yml"
        self.config.write_text(
            "route: {receiver: hook, group_by: [alertname, model], group_wait: 0s, "
            "group_interval: 1s, repeat_interval: 1h}\n"
            f"receivers: [{{name: hook, webhook_configs: [{{url: '{webhook_url}/hook'}}]}}]\n"
        )
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Alertmanager:
        log = (self.workdir / "alertmanager.log").open("ab")
        self.proc = subprocess.Popen(
            [
                self.binary,
                f"--config.file={self.config}",
                f"--storage.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + 30
        while not self._ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"Alertmanager did not start: {self.log()[-2000:]}")
            time.sleep(0.05)  # polling the ready endpoint
        return self

    def _ready(self) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with contextlib.suppress(OSError), opener.open(f"{self.url}/-/ready", timeout=1) as r:
            return r.status == 200
        return False

    def log(self) -> str:
        return (self.workdir / "alertmanager.log").read_text(errors="replace")

    def __exit__(self, *exc: object) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            proc.kill()
            proc.wait()


def prometheus_config(target: str, rules: Path, alertmanager: str) -> str:
    """Scrape ``target`` every second, evaluate ``rules`` every second, alert to
    ``alertmanager`` (``host:port``)."""
    return (
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs: [{{job_name: app, static_configs: [{{targets: ['{target}']}}]}}]\n"
        f"rule_files: ['{rules}']\n"
        f"alerting: {{alertmanagers: [{{static_configs: [{{targets: ['{alertmanager}']}}]}}]}}\n"
    )
