"""A report's mail (p95kit.report.mail) to a real SMTP server (aiosmtpd) on loopback: HTML with
a text part and the chart inline, STARTTLS or TLS with a login, a relay in clear, and the
faults: no STARTTLS, a refused login, an untrusted certificate, a server that is down; the
password never shown."""

from __future__ import annotations

import email
import email.policy
import re
from html.parser import HTMLParser

import pytest

from p95kit.errors import InvalidParameterError, NotificationError
from p95kit.report.mail import SmtpServer as SmtpTarget
from p95kit.report.mail import send_mail, smtp_server
from p95kit.report.message import mail_message
from tests.support.report_data import HOSTILE
from tests.support.smtp_server import SmtpServer
from tests.support.webhook_receiver import down_url

PASSWORD = "pa55-w0rd-never-shown"


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
