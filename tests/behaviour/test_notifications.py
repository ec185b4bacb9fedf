"""``p95kit report --notify / --email``: the report reaches people, on the test data set, through
a webhook receiver and a real SMTP server on loopback; a failed notification keeps the
snapshot published and exits 6 (5 wins); no credential is in any message, file or log."""

from __future__ import annotations

import contextlib
import email
import email.policy
import functools
import json
import re
import threading
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from p95kit.report import notify
from p95kit.report.snapshots import SnapshotStore, read_run
from tests.support.paths import ROOT
from tests.support.smtp_server import SmtpServer
from tests.support.webhook_receiver import WebhookReceiver, down_url

PASSWORD = "smtp-pa55-w0rd-xyz"
TOKEN = "prometheus-bearer-t0ken-xyz"
KEY = "s3cr3t-webhook-key"
REGRESSED = "drifting-model"  # P95 437.5 ms the day before, about 2 s in the window


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(notify, "_sleep", lambda seconds: None)


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` over HTTP on loopback (what ``--base-url`` points to)."""
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/reports"
    finally:
        server.shutdown()
        server.server_close()


def fetch(url: str) -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as answer:
        return answer.status, answer.read().decode("utf-8")


@pytest.mark.kernel
def test_the_webhook_and_the_mail_carry_the_headline_and_a_working_link(prom, tmp_path, cli):
    out = tmp_path / "reports"
    with (
        WebhookReceiver() as hook,
        SmtpServer("starttls", users={"reports": PASSWORD}) as smtp,
        served(tmp_path) as base,
    ):
        result = cli.report(
            prom.url,
            out,
            "--slo-ms",
            "500",
            "--notify",
            hook.url,
            "--email",
            "ml-team@example.com",
            "--smtp-url",
            smtp.url,
            "--email-from",
            "p95kit@example.com",
            "--base-url",
            base,
            duration="24h",
            env={
                "SSL_CERT_FILE": smtp.ca_file,
                "P95KIT_SMTP_USER": "reports",
                "P95KIT_SMTP_PASSWORD": PASSWORD,
                "P95KIT_BEARER_TOKEN": TOKEN,
            },
        )
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", ""), result.stderr
        snapshot = SnapshotStore(out).latest()
        (body,) = hook.bodies
        text = body["text"]
        link = re.search(r"Report: (\S+)", text).group(1)
        assert link == f"{base}/{snapshot.name}/report.html"
        status, page = fetch(link)  # the link works
        assert status == 200 and REGRESSED in page
        assert fetch(f"{base}/index.html")[0] == 200

    assert f"Worst regression: `{REGRESSED}`: P95 437.5 ms → " in text
    (got,) = smtp.received
    assert got.tls and got.login == "reports" and got.rcpt_tos == ["ml-team@example.com"]
    mail = email.message_from_bytes(got.content, policy=email.policy.default)
    assert REGRESSED in mail["Subject"] and mail["From"] == "p95kit@example.com"
    html = mail.get_body(("html",)).get_content()
    assert f"<code>{REGRESSED}</code>" in html and f'href="{link}"' in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    cids = re.findall(r'src="cid:([^"]+)"', html)
    images = {p["Content-ID"] for p in mail.walk() if p.get_content_type() == "image/png"}
    assert cids and images == {f"<{c}>" for c in cids}
    assert link in mail.get_body(("plain",)).get_content()

    run = read_run(snapshot)
    assert run["delivery"]["notify"] == [f"http://127.0.0.1:{urlsplit(hook.url).port}/…"]
    assert run["delivery"]["smtp"] == smtp.url  # no user
    assert run["headline"]["regressions"][0]["model"] == REGRESSED
    files = [p.read_bytes().decode("latin-1") for p in out.rglob("*") if p.is_file()]
    everything = "\n".join([text, got.content.decode("latin-1"), json.dumps(run), *files])
    for secret in (PASSWORD, TOKEN, KEY):
        assert secret not in everything


@pytest.mark.kernel
def test_a_receiver_that_is_down_leaves_the_snapshot_published_and_exits_6(prom, tmp_path, cli):
    assert cli.report(prom.url, tmp_path, duration="1h").exit_code == 0
    before = SnapshotStore(tmp_path).latest()
    with WebhookReceiver() as good:
        result = cli.report(
            prom.url, tmp_path, "--notify", down_url(), "--notify", good.url, duration="1h"
        )
    assert result.exit_code == 6 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("p95kit: notification failed: webhook http://127.0.0.1:")
    assert line.endswith("cannot connect (refused, reset or unknown host) (3 attempts)")
    assert KEY not in result.stderr
    assert len(good.bodies) == 1  # the other channel still got it
    store = SnapshotStore(tmp_path)
    latest = store.latest()
    assert latest != before and latest == store.snapshots()[0]  # published, latest moved
    assert read_run(latest)["status"] == "success"
    assert latest.name in (tmp_path / "index.html").read_text(encoding="utf-8")


@pytest.mark.kernel
def test_an_alert_exit_5_wins_over_a_failed_notification(prom, tmp_path, cli):
    result = cli.report(
        prom.url, tmp_path, "--max-regression", "50", "--notify", down_url(), duration="24h"
    )
    assert result.exit_code == 5
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("p95kit: notification failed: webhook ")
    assert lines[1].startswith(f"p95kit: regression: model {REGRESSED}: P95 437.5 -> ")


@pytest.mark.kernel
@pytest.mark.slow  # the slow receiver holds the first attempt for the 10 s timeout
def test_a_slow_receiver_and_one_answering_500_get_the_message_on_a_later_attempt(
    prom, tmp_path, cli
):
    with WebhookReceiver(hanging=1) as slow, WebhookReceiver(failing=2) as failing:
        result = cli.report(
            prom.url, tmp_path, "--notify", slow.url, "--notify", failing.url, duration="1h"
        )
    assert (result.exit_code, result.stderr) == (0, "")
    assert (len(slow.seen), len(failing.seen)) == (2, 3)
    assert (
        failing.bodies[0] == failing.bodies[-1] and "P95 report for 1h" in slow.bodies[-1]["text"]
    )


@pytest.mark.kernel
def test_a_failed_run_is_announced_and_keeps_its_own_exit_code(prom, tmp_path, cli):
    broken = tmp_path / "broken.ipynb"
    notebook = nbformat.read(ROOT / "notebooks" / "report.ipynb", 4)
    notebook.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('chart exploded')"))
    nbformat.write(notebook, broken)
    out = tmp_path / "out"
    with WebhookReceiver() as hook:
        args = ("--notebook", str(broken), "--notify", hook.url, "--notify-when", "failure")
        args += ("--base-url", "https://reports.example")
        result = cli.report(prom.url, out, *args, duration="1h")
    assert result.exit_code == 1 and "chart exploded" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    (body,) = hook.bodies
    (failed,) = [p for p in SnapshotStore(out).snapshots() if p.name.endswith(".failed")]
    assert body["text"].startswith("p95kit report failed (1h up to 2026-11-21T00:00:00Z): ")
    assert "chart exploded" in body["text"]
    assert f"https://reports.example/{failed.name}/run.json" in body["text"]


@pytest.mark.kernel
def test_notify_when_alert_is_quiet_within_limits(prom, tmp_path, cli):
    with WebhookReceiver() as hook:
        quiet = ("--notify", hook.url, "--notify-when", "alert", "--max-regression", "5000")
        assert cli.report(prom.url, tmp_path, *quiet, duration="24h").exit_code == 0
        assert hook.bodies == []
        loud = ("--notify", hook.url, "--notify-when", "alert", "--slo-ms", "500")
        assert cli.report(prom.url, tmp_path, *loud, duration="24h").exit_code == 0
    (body,) = hook.bodies
    assert "Worst SLO breach: `slow-model`: window P95 ≥ 10000 ms &gt; SLO 500 ms" in body["text"]


def test_bad_notification_options_exit_2_before_anything_is_written(tmp_path, cli):
    out = tmp_path / "out"
    for args, said in (
        (("--email", "a@example.com"), "--email needs --smtp-url"),
        (("--notify", "hooks.example/x"), "--notify needs an http(s) URL"),
        (("--notify", "https://h.example/x", "--notify-when", "alert"), "needs --slo-ms"),
        (("--email", "a@x.example", "--smtp-url", "smtp://u:pw@x.example"), "must not hold"),
    ):
        result = cli.report("http://127.0.0.1:9", out, *args)
        assert result.exit_code == 2 and said in result.stderr, result.stderr
        assert "pw@" not in result.stderr
    assert not out.exists()


def test_every_report_option_is_in_the_readme(cli):
    """The README documents each option of ``p95kit report`` (the notification ones too)."""
    from p95kit.cli.report_command import report

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        f"--{p.name.replace('_', '-')}"
        for p in report.params
        if p.name in ("notify", "email", "smtp_url", "email_from", "base_url", "notify_when")
        and f"--{p.name.replace('_', '-')}" not in readme
    ]
    assert missing == []
