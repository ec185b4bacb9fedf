"""Send a report's mail over SMTP: ``smtps://`` (TLS from the start) or ``smtp://`` (STARTTLS).

:func:`smtp_server` reads ``--smtp-url smtp[s]://[user@]host[:port]`` and the credentials:
user from the URL or ``P95KIT_SMTP_USER``, password from ``P95KIT_SMTP_PASSWORD`` or the
file named by ``P95KIT_SMTP_PASSWORD_FILE`` (re-read on every run). A password in the URL
is refused: it would sit in the crontab and in ``ps``. :func:`send_mail` sends one
message with retries:

- ``smtps://host`` (port 465): TLS from the first byte, the certificate verified;
- ``smtp://host`` (port 25; 587 for submission): STARTTLS whenever the server offers it
  (certificate verified), and required before a password is sent; only a loopback
  relay without credentials is spoken to in clear;
- CAs are the system's; ``SSL_CERT_FILE`` names a private CA's bundle.

Connection failures, timeouts and 4xx answers are retried with backoff; a refused
login, sender or recipient (5xx) is not. Failures raise
:class:`~p95kit.errors.NotificationError` naming ``host:port`` and the SMTP code, never
a credential.
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from p95kit.errors import InvalidParameterError, NotificationError

SMTP_USER_ENV = "P95KIT_SMTP_USER"
SMTP_PASSWORD_ENV = "P95KIT_SMTP_PASSWORD"
SMTP_PASSWORD_FILE_ENV = "P95KIT_SMTP_PASSWORD_FILE"
#: Variables that carry mail credentials (kept out of the report kernel's environment).
SECRET_ENV = (SMTP_USER_ENV, SMTP_PASSWORD_ENV, SMTP_PASSWORD_FILE_ENV)
_sleep = time.sleep  # the retry backoff (tests replace it instead of waiting)


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send mail; ``password`` never shows in ``repr``."""

    host: str
    port: int
    implicit_tls: bool
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def safe_url(self) -> str:
        """``smtps://host:465``: no user, no password (for run.json and messages)."""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}"


def smtp_server(url: str) -> SmtpServer:
    """Parse ``--smtp-url`` and read the credentials; InvalidParameterError when wrong."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        port, parts = None, None
    if parts is None or parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidParameterError(
            "smtp_url", "--smtp-url must be smtp://host[:port] or smtps://host[:port]"
        )
    if parts.password is not None:
        raise InvalidParameterError(
            "smtp_url",
            f"--smtp-url must not hold a password; set {SMTP_PASSWORD_ENV} or "
            f"{SMTP_PASSWORD_FILE_ENV} instead",
        )
    implicit = parts.scheme == "smtps"
    user = unquote(parts.username) if parts.username else os.environ.get(SMTP_USER_ENV) or None
    password = _password()
    if password and not user:
        raise InvalidParameterError("smtp_url", f"an SMTP password needs a user: {SMTP_USER_ENV}")
    return SmtpServer(parts.hostname, port or (465 if implicit else 25), implicit, user, password)


def send_mail(
    server: SmtpServer,
    mail: EmailMessage,
    *,
    timeout: float = 30.0,
    attempts: int = 3,
    backoff: float = 1.0,
) -> int:
    """Send ``mail`` (its ``To`` are the recipients); return how many attempts it took.
    Raises NotificationError (``channel="mail"``) after the last attempt."""
    reason, attempt = "not sent", 0
    for attempt in range(1, attempts + 1):
        try:
            refused = _send_once(server, mail, timeout)
        except smtplib.SMTPRecipientsRefused as exc:
            reason, retry = _refused(exc.recipients)
        except smtplib.SMTPAuthenticationError as exc:
            reason, retry = f"login refused ({_code(exc)})", False
        except smtplib.SMTPResponseException as exc:
            reason, retry = f"the server answered {_code(exc)}", 400 <= exc.smtp_code < 500
        except smtplib.SMTPNotSupportedError:
            reason, retry = "the server does not offer what is needed (AUTH?)", False
        except NotificationError:
            raise
        except ssl.SSLError as exc:
            reason, retry = f"TLS failed ({exc.reason or 'handshake'}; SSL_CERT_FILE?)", False
        except (smtplib.SMTPException, OSError) as exc:
            reason, retry = _network(exc, timeout), True
        else:
            if not refused:
                return attempt
            reason, retry = _refused(refused)
        if not retry:
            break
        if attempt < attempts:
            _sleep(backoff * 2 ** (attempt - 1))
    tries = f"{attempt} attempt{'s' * (attempt != 1)}"
    raise NotificationError(f"mail via {server.safe_url}: {reason} ({tries})", channel="mail")


def _send_once(server: SmtpServer, mail: EmailMessage, timeout: float) -> dict:
    context = ssl.create_default_context()
    me = socket.gethostname() or "localhost"
    if server.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, local_hostname=me, timeout=timeout, context=context
        )
    else:
        client = smtplib.SMTP(server.host, server.port, local_hostname=me, timeout=timeout)
    with client:
        client.ehlo()
        if not server.implicit_tls:
            if client.has_extn("starttls") and (server.user or not _loopback(server.host)):
                client.starttls(context=context)
                client.ehlo()
            elif server.user:
                raise NotificationError(
                    f"mail via {server.safe_url}: the server offers no STARTTLS, so the "
                    "password is not sent (use smtps:// or a server with STARTTLS)",
                    channel="mail",
                )
        if server.user:
            client.login(server.user, server.password or "")
        return client.send_message(mail)


def _password() -> str | None:
    path = os.environ.get(SMTP_PASSWORD_FILE_ENV)
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise InvalidParameterError(
                "smtp_url", f"cannot read {SMTP_PASSWORD_FILE_ENV} {path}: {exc.strerror}"
            ) from None
    return os.environ.get(SMTP_PASSWORD_ENV) or None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _refused(recipients: dict) -> tuple[str, bool]:
    codes = {address: answer[0] for address, answer in recipients.items()}
    shown = ", ".join(f"{address} ({code})" for address, code in sorted(codes.items()))
    return f"recipients refused: {shown}", all(400 <= c < 500 for c in codes.values())


def _code(exc: smtplib.SMTPResponseException) -> str:
    said = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
    said = " ".join(said.split())[:80]
    return f"{exc.smtp_code}{' ' + said if said else ''}"


def _network(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return f"cannot connect ({type(exc).__name__})"
