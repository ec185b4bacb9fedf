"""After publishing, tell people: webhooks and mail, when asked and as often as asked.

:class:`Delivery` holds ``p95kit report``'s ``--notify``, ``--email``, ``--smtp-url``,
``--email-from``, ``--base-url`` and ``--notify-when``. :func:`p95kit.report.run_report`
checks it before anything is sent or written (exit 2), builds the message while it holds
the folder's lock (from the published files: :mod:`p95kit.report.message`) into an
:class:`Outbox`, and sends once the lock is released, so a slow receiver never holds up
the next run. Every channel (each webhook URL; the mail, one SMTP transaction for all
recipients) is tried on its own (:mod:`p95kit.report.notify`, :mod:`p95kit.report.mail`);
a failure is logged as one line (``notification failed: ...``) and returned as a
:class:`Sent` with ``ok`` False. It never unpublishes anything: the CLI exits 6 (5, an
alert, wins; a failed run keeps its own code).

``when``: ``always`` (every run, failed ones too), ``alert`` (a failed run, an SLO breach,
or a model more than ``max_regression`` % slower than in the previous window) or
``failure`` (failed runs only).
"""

from __future__ import annotations

import logging
import re
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from p95kit.errors import InvalidParameterError, NotificationError
from p95kit.report.data import ReportData
from p95kit.report.headline import Headline
from p95kit.report.message import (
    Message,
    failure_message,
    mail_message,
    report_message,
    webhook_payload,
)

log = logging.getLogger("p95kit")

WHEN = ("always", "alert", "failure")
_ADDRESS = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+\Z")


@dataclass(frozen=True)
class Delivery:
    """Where to send a report and when (the CLI's notification options).

    ``webhooks``: incoming webhook URLs, or ``@FILE`` for a file of them (one per line,
    ``#`` comments; re-read each run, so the secret URL stays out of the crontab).
    ``emails``: recipients; they need ``smtp_url`` (:func:`p95kit.report.mail.smtp_server`).
    ``email_from``: the sender (default ``p95kit@<host name>``). ``base_url``: where the
    report folder is served, for links. ``when``: see the module. ``max_regression``: the
    percentage over which a slower model is an alert. ``timeout`` (s) and ``attempts``: per
    channel and attempt."""

    webhooks: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    smtp_url: str | None = None
    email_from: str | None = None
    base_url: str | None = None
    when: str = "always"
    max_regression: float | None = None
    timeout: float = 10.0
    attempts: int = 3

    @property
    def wanted(self) -> bool:
        """True when there is somewhere to send to."""
        return bool(self.webhooks or self.emails)

    def checked(self, slo_ms: float | None = None) -> Delivery:
        """This delivery with ``@FILE`` webhooks read and everything checked; raises
        InvalidParameterError before anything is sent or written."""
        from p95kit.report.mail import smtp_server
        from p95kit.report.notify import check_webhook_url

        if self.when not in WHEN:
            raise InvalidParameterError("notify_when", f"--notify-when must be one of {WHEN}")
        if self.when == "alert" and not slo_ms and self.max_regression is None:
            raise InvalidParameterError(
                "notify_when", "--notify-when alert needs --slo-ms or --max-regression"
            )
        urls = tuple(check_webhook_url(u) for u in _expand(self.webhooks))
        for address in (*self.emails, *([self.email_from] if self.email_from else [])):
            if not _ADDRESS.match(address):
                raise InvalidParameterError("email", f"not a mail address: {address!r}")
        if self.emails and not self.smtp_url:
            raise InvalidParameterError("smtp_url", "--email needs --smtp-url smtp[s]://host:port")
        if self.smtp_url:
            smtp_server(self.smtp_url)  # the URL and the credentials' files
        if self.base_url and not re.match(r"https?://[^/\s]+", self.base_url):
            raise InvalidParameterError("base_url", "--base-url must be an http(s) URL")
        return replace(self, webhooks=urls)

    def sends(self, facts: Headline | None) -> bool:
        """Whether to send for a run (``facts`` None: the run failed)."""
        if not self.wanted:
            return False
        if facts is None:
            return True
        return self.when == "always" or (
            self.when == "alert" and facts.crossed(self.max_regression)
        )

    def record(self) -> dict[str, Any]:
        """For ``run.json``: where it goes, with no secret (webhooks as ``scheme://host/…``,
        the SMTP server without its user)."""
        from p95kit.report.mail import smtp_server
        from p95kit.report.notify import redact

        return {
            "notify": [redact(u) for u in self.webhooks],
            "email": list(self.emails),
            "smtp": smtp_server(self.smtp_url).safe_url if self.smtp_url else None,
            "base_url": self.base_url,
            "when": self.when,
        }


@dataclass(frozen=True)
class Sent:
    """One channel's outcome: ``channel`` (``webhook`` or ``mail``), ``target`` (the
    redacted URL or the recipients), ``ok``, ``attempts`` and, when not ok, ``error``."""

    channel: str
    target: str
    ok: bool
    attempts: int = 0
    error: str = ""


@dataclass
class Outbox:
    """The message of a run, built under the lock, sent after it (:meth:`send`)."""

    delivery: Delivery | None
    message: Message | None = None
    sent: list[Sent] = field(default_factory=list)

    def published(self, facts: Headline, datas: list[ReportData], folder: Path) -> None:
        """A report was published in ``folder``: queue its message if ``when`` says so."""
        if self.delivery is not None and self.delivery.sends(facts):
            try:
                self.message = report_message(facts, datas, folder, self.delivery.base_url)
            except Exception as exc:  # published all the same: say so, exit 6
                error = f"the message could not be built: {type(exc).__name__}: {exc}"
                log.error("notification failed: %s", error)
                self.sent = [Sent("message", str(folder), False, error=error)]

    def failed(self, run: dict[str, Any], folder: Path) -> None:
        """A run failed (kept in ``folder``): queue the failure's message."""
        if self.delivery is not None and self.delivery.sends(None):
            self.message = failure_message(run, folder, self.delivery.base_url)

    def send(self) -> list[Sent]:
        """Send the queued message on every channel (once); log each failure."""
        if self.delivery is None or self.message is None or self.sent:
            return self.sent
        self.sent = deliver(self.delivery, self.message)
        return self.sent


def deliver(delivery: Delivery, message: Message) -> list[Sent]:
    """Send ``message`` to every webhook, then the mail; one :class:`Sent` per channel."""
    from p95kit.report.mail import send_mail, smtp_server
    from p95kit.report.notify import post_webhook, redact

    results = []
    for url in delivery.webhooks:
        results.append(
            _attempt(
                "webhook",
                redact(url),
                lambda url=url: post_webhook(
                    url,
                    webhook_payload(message),
                    timeout=delivery.timeout,
                    attempts=delivery.attempts,
                ),
            )
        )
    if delivery.emails and delivery.smtp_url:
        sender = delivery.email_from or f"p95kit@{socket.gethostname() or 'localhost'}"

        def mail() -> int:
            mail = mail_message(message, sender, list(delivery.emails))
            server = smtp_server(delivery.smtp_url or "")
            return send_mail(server, mail, timeout=3 * delivery.timeout, attempts=delivery.attempts)

        results.append(_attempt("mail", ", ".join(delivery.emails), mail))
    return results


def _attempt(channel: str, target: str, send: Any) -> Sent:
    try:
        return Sent(channel, target, True, send())
    except NotificationError as exc:
        log.error("notification failed: %s", exc.message)
        return Sent(channel, target, False, error=exc.message)
    except Exception as exc:  # a bug must not hide the snapshot's outcome
        error = f"{channel} to {target}: unexpected {type(exc).__name__}"
        log.error("notification failed: %s", error)
        return Sent(channel, target, False, error=error)


def _expand(webhooks: tuple[str, ...]) -> list[str]:
    """``@FILE`` entries replaced by the URLs in the file (one per line, ``#`` comments)."""
    urls = []
    for entry in webhooks:
        if not entry.startswith("@"):
            urls.append(entry)
            continue
        try:
            text = Path(entry[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidParameterError(
                "notify", f"cannot read --notify file {entry[1:]}: {exc.strerror}"
            ) from None
        urls += [line.strip() for line in text.splitlines() if line.strip()[:1] not in ("", "#")]
    return urls
