"""The report kernel's quick ready check uses jupyter_client's public API only; should a
release break it anyway, jupyter_client's own ready check takes over and reports still run."""

from __future__ import annotations

import dataset
from jupyter_client import AsyncKernelClient, protocol_version_info

from p95kit.report import ReportSettings, kernel, run_report


def _count_stock_ready_checks(monkeypatch) -> list:
    stock = AsyncKernelClient.wait_for_ready
    calls = []

    async def counted(self, timeout=None):
        calls.append(timeout)
        return await stock(self, timeout=timeout)

    monkeypatch.setattr(AsyncKernelClient, "wait_for_ready", counted)
    return calls


def test_reports_use_the_quick_ready_check(prom, tmp_path, monkeypatch):
    stock_calls = _count_stock_ready_checks(monkeypatch)
    outcome = run_report(prom.url, ReportSettings(duration="6h", end=dataset.END), tmp_path)
    assert outcome.run["status"] == "success" and stock_calls == []


def test_a_report_still_runs_on_the_stock_ready_check(prom, tmp_path, monkeypatch):
    async def changed(self, timeout=None):
        raise AttributeError("simulated: a jupyter_client release changed its API")

    monkeypatch.setattr(kernel.ReportKernelClient, "wait_for_kernel_info", changed)
    stock_calls = _count_stock_ready_checks(monkeypatch)
    outcome = run_report(prom.url, ReportSettings(duration="6h", end=dataset.END), tmp_path)
    assert stock_calls, "the stock ready check was not used"
    assert outcome.run["status"] == "success" and outcome.path == (tmp_path / "latest").resolve()
    html = (outcome.path / "report.html").read_text(encoding="utf-8")
    assert "gpt-4" in html and "Latency per model" in html


def test_a_kernel_of_an_older_protocol_is_spoken_to_in_its_version():
    client = kernel.ReportKernelClient()
    client._adapt_protocol({"content": {"protocol_version": "4.1"}})
    assert client.session.adapt_version == 4
    current = kernel.ReportKernelClient()
    before = current.session.adapt_version
    current._adapt_protocol({"content": {"protocol_version": f"{protocol_version_info[0]}.9"}})
    assert current.session.adapt_version == before
