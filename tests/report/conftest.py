"""Fixtures of the notification tests (test_message.py, test_notify.py, test_mail.py,
test_delivery.py): a hand-made report's message, and the retries' waits recorded, not slept."""

from __future__ import annotations

import pytest

from p95kit.report import mail as mail_module
from p95kit.report import notify
from p95kit.report.headline import headline_facts
from p95kit.report.message import report_message
from tests.support.report_data import make_data


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
