"""Notifications on their own: the chat message to a local webhook receiver and the mail to a
real SMTP server (aiosmtpd), both on loopback, with the faults: down, slow, HTTP 500, a
refused login, no STARTTLS. No Prometheus, no kernel (the report is hand-made)."""

from __future__ import annotations

import email
import email.policy
import re
from html.parser import HTMLParser

import pytest

from p95kit.errors import InvalidParameterError, NotificationError
from p95kit.report import mail as mail_module
from p95kit.report import notify
from p95kit.report.delivery import Delivery, deliver
from p95kit.report.headline import headline_facts
from p95kit.report.mail import SmtpServer as SmtpTarget
from p95kit.report.mail import send_mail, smtp_server
from p95kit.report.message import chat_text, mail_message, report_message, webhook_payload
from p95kit.report.notify import post_webhook
from tests.support.report_data import HOSTILE, make_data
from tests.support.smtp_server import SmtpServer
from tests.support.webhook_receiver import WebhookReceiver, down_url

PASSWORD = "pa55-w0rd-never-shown"
KEY = "s3cr3t-webhook-key"


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The backoff waits, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(notify, "_sleep", slept.append)
    monkeypatch.setattr(mail_module, "_sleep", slept.append)
    return slept


@pytest.fixture
def message(tmp_path):
    """The message of a hand-made report (a hostile model name among its models), with a
    chart in its folder and a base URL for the links."""
    data = make_data()
    folder = tmp_path / "20261201T000000Z_24h"
    folder.mkdir()
    (folder / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a chart")
    return report_message(headline_facts([data]), [data], folder, "https://reports.example/p95")


def test_the_chat_text_escapes_as_slack_requires_and_links_the_report(message):
    text = chat_text(message)
    assert "Worst regression: `fast`: P95 80.0 ms → 100.0 ms (+20.0 ms (+25.0 %))" in text
    assert "`&lt;img src=x onerror=alert(1)&gt;`" not in text  # it got faster: not listed
    assert "<" not in text.replace("&lt;", "") and ">" not in text.replace("&gt;", "")
    assert "https://reports.example/p95/20261201T000000Z_24h/report.html" in text
    assert "https://reports.example/p95/index.html" in text
    assert webhook_payload(message) == {"text": text}


def test_names_cannot_mention_format_or_add_lines_in_chat(tmp_path):
    hostile = "@channel <!here> *bold* `tick`\nFAKE LINE"
    data = make_data(names=(hostile, "fast"))
    data.summary.loc[data.summary["model"] == hostile, ["delta_p95_ms", "delta_p95_pct"]] = 90.0
    message = report_message(headline_facts([data]), [data], tmp_path, None)
    text = chat_text(message)
    shown = "`@channel &lt;!here&gt; *bold* ˋtickˋ\\nFAKE LINE`"
    assert shown in text and "\nFAKE LINE" not in text and "<!here>" not in text
    assert f"Report: {(tmp_path / 'report.html').resolve()}" in text  # no base URL: the path


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


# -- mail -----------------------------------------------------------------------------------


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_the_mail_is_html_with_a_text_part_and_the_chart_inline_by_cid(message):
    mail = parsed(mail_message(message, "p95kit@example.com", ["a@example.com"]).as_bytes())
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    page = mail.get_body(("html",)).get_content()
    assert "Worst regression: fast: P95 80.0 ms → 100.0 ms" in text
    assert "https://reports.example/p95/20261201T000000Z_24h/report.html" in text
    (cid,) = re.findall(r'src="cid:([^"]+)"', page)
    (image,) = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == f"<{cid}>"
    assert image.get_content() == b"\x89PNG\r\n\x1a\nnot really a chart"
    assert "data:" not in page
    assert "<img src=x" not in page and html_text(page).count(HOSTILE) >= 1  # escaped, shown


def html_text(page: str) -> str:
    parts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(page)
    return "".join(parts)


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_mail_over_tls_with_a_login(message, mode, monkeypatch):
    with SmtpServer(mode, users={"reports": PASSWORD}) as smtp:
        monkeypatch.setenv("SSL_CERT_FILE", smtp.ca_file)
        monkeypatch.setenv("P95KIT_SMTP_USER", "reports")
        monkeypatch.setenv("P95KIT_SMTP_PASSWORD", PASSWORD)
        server = smtp_server(smtp.url)
        assert PASSWORD not in repr(server) and PASSWORD not in server.safe_url
        mail = mail_message(message, "p95kit@example.com", ["a@example.com", "b@example.com"])
        assert send_mail(server, mail) == 1
    (got,) = smtp.received
    assert got.tls and got.login == "reports" and smtp.logins == [("reports", True)]
    assert got.rcpt_tos == ["a@example.com", "b@example.com"]
    assert PASSWORD.encode() not in got.content
    assert "fast" in parsed(got.content).get_body(("plain",)).get_content()


def test_a_local_relay_without_credentials_is_spoken_to_in_clear(message, monkeypatch):
    monkeypatch.delenv("P95KIT_SMTP_USER", raising=False)
    with SmtpServer("plain") as smtp:
        mail = mail_message(message, "p95kit@example.com", ["a@example.com"])
        assert send_mail(smtp_server(smtp.url), mail) == 1
    assert [r.tls for r in smtp.received] == [False]


def test_no_password_goes_to_a_server_without_starttls(message, monkeypatch, waits):
    with SmtpServer("plain", users={"reports": PASSWORD}) as smtp:
        server = SmtpTarget("127.0.0.1", smtp.port, False, "reports", PASSWORD)
        with pytest.raises(NotificationError) as refused:
            send_mail(server, mail_message(message, "p@example.com", ["a@example.com"]))
    assert "offers no STARTTLS" in refused.value.message and smtp.logins == []
    assert smtp.received == [] and PASSWORD not in refused.value.message


def test_a_wrong_password_is_refused_once(message, monkeypatch, waits):
    with SmtpServer("starttls", users={"reports": PASSWORD}) as smtp:
        monkeypatch.setenv("SSL_CERT_FILE", smtp.ca_file)
        server = SmtpTarget("127.0.0.1", smtp.port, False, "reports", "wrong-" + PASSWORD)
        with pytest.raises(NotificationError) as refused:
            send_mail(server, mail_message(message, "p@example.com", ["a@example.com"]))
    assert "login refused (535" in refused.value.message and waits == []
    assert PASSWORD not in refused.value.message


def test_an_untrusted_certificate_is_a_tls_failure(message, monkeypatch, waits):
    mail = mail_message(message, "p@x.example", ["a@x.example"])
    with SmtpServer("smtps") as smtp, pytest.raises(NotificationError) as untrusted:
        send_mail(smtp_server(smtp.url), mail)  # its CA is not in SSL_CERT_FILE
    assert "TLS failed" in untrusted.value.message and smtp.received == []


def test_a_mail_server_that_is_down_fails_after_the_retries(message, waits):
    server = SmtpTarget("127.0.0.1", int(down_url().split(":")[2].split("/")[0]), False)
    with pytest.raises(NotificationError) as down:
        send_mail(server, mail_message(message, "p@x.example", ["a@x.example"]))
    assert "connection refused (3 attempts)" in down.value.message and waits == [1.0, 2.0]


def test_a_password_in_the_smtp_url_is_refused_without_being_echoed():
    with pytest.raises(InvalidParameterError) as bad:
        smtp_server(f"smtps://reports:{PASSWORD}@smtp.example")
    assert PASSWORD not in bad.value.message and "P95KIT_SMTP_PASSWORD" in bad.value.message
    assert smtp_server("smtp://smtp.example").port == 25
    assert smtp_server("smtps://smtp.example").port == 465


def test_the_password_can_come_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "password"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    monkeypatch.setenv("P95KIT_SMTP_PASSWORD_FILE", str(secret))
    monkeypatch.setenv("P95KIT_SMTP_USER", "reports")
    assert smtp_server("smtp://smtp.example:587").password == PASSWORD


# -- the delivery: what is checked, when it sends, what it reports --------------------------


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
