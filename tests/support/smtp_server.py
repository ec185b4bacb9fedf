"""A real SMTP server on 127.0.0.1 (aiosmtpd, the ``test`` extra) that keeps what it receives.

``SmtpServer("starttls")`` offers STARTTLS, ``SmtpServer("smtps")`` speaks TLS from the first
byte, ``SmtpServer("plain")`` neither; with ``users`` it accepts AUTH (PLAIN, LOGIN) only for
them. Its certificate comes from a throw-away CA (trustme) whose bundle is ``ca_file``:
give it to the client as ``SSL_CERT_FILE``."""

from __future__ import annotations

import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from p95kit.demo.local_prometheus import free_port


@dataclass
class Received:
    """One message: envelope, raw bytes, who logged in (None: nobody) and whether the
    session was encrypted."""

    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: str | None
    tls: bool


class SmtpServer:
    """``with SmtpServer("starttls", users={"u": "pw"}) as smtp: smtp.url, smtp.received``."""

    def __init__(self, mode: str = "starttls", users: dict[str, str] | None = None) -> None:
        self.mode, self.users = mode, dict(users or {})
        self.received: list[Received] = []
        self.logins: list[tuple[str, bool]] = []  # (user, accepted)
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._folder = tempfile.TemporaryDirectory(prefix="p95kit-smtp-")
        self.ca_file = str(Path(self._folder.name) / "ca.pem")
        ca.cert_pem.write_to_path(self.ca_file)
        self._context = context
        self._controller: Controller | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """``smtp://127.0.0.1:PORT`` (``smtps://`` in mode ``smtps``)."""
        return f"{'smtps' if self.mode == 'smtps' else 'smtp'}://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook
        login = session.auth_data if session.authenticated else None
        tls = session.ssl is not None or self.mode == "smtps"
        content = envelope.original_content or envelope.content
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), content, login, tls)
        )
        return "250 OK"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        user, password = auth_data.login.decode(), auth_data.password.decode()
        accepted = self.users.get(user) == password
        self.logins.append((user, accepted))
        return AuthResult(success=accepted, handled=False, auth_data=user)

    def __enter__(self) -> SmtpServer:
        options: dict = {"hostname": "127.0.0.1", "ready_timeout": 30}
        if self.mode == "starttls":
            options["tls_context"] = self._context
        elif self.mode == "smtps":
            options["ssl_context"] = self._context
            options["auth_require_tls"] = False  # aiosmtpd cannot tell it is under TLS already
        if self.users:
            options["authenticator"] = self._authenticate
        for _ in range(3):  # another process may take the free port first
            self.port = free_port()
            controller = Controller(self, port=self.port, **options)
            try:
                controller.start()
            except OSError:
                continue
            self._controller = controller
            return self
        raise RuntimeError("no free port for the SMTP server")

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
        self._folder.cleanup()
