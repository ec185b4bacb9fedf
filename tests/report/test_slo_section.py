"""``report --slo-ms X --objective P`` (p95kit.report.slo_section): summary.json's SLO fields,
budget.json, the HTML's SLO section (escaped, offline, its burn-down chart), and the README's
picture of it.

The ``published_report`` fixture is a 24 h report ending at ``dataset.END`` with
``--slo-ms 500`` (objective 99 by default): every number below comes from the dataset's
counts over those 24 h.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re

import pytest

from p95kit.report.data import ReportData
from p95kit.report.slo_section import slo_table
from tests.support import dataset
from tests.support.browser import chromium, launch
from tests.support.dataset import END, SECONDS_BOUNDS, counts_between, share_at

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def hand(model: str) -> dict:
    seen = counts_between(END - 86400, END, model=model)
    if not sum(seen):
        return {"good": math.nan, "left": 1.0, "status": "no traffic"}
    good = share_at(0.5, SECONDS_BOUNDS, seen)
    last_hour = counts_between(END - 3600, END, model=model)
    burning = (1 - share_at(0.5, SECONDS_BOUNDS, last_hour)) / 0.01 > 14.4  # the page tier
    left = 1 - (1 - good) / 0.01
    return {"good": good, "left": left, "status": "burning" if burning else "ok"}


def test_summary_json_carries_the_slo_fields(published_report):
    latest = published_report / "latest"
    body = json.loads((latest / "summary.json").read_text(encoding="utf-8"))
    assert body["meta"]["slo"]["objective"] == 99.0
    assert body["meta"]["slo"]["threshold_ms"] == 500.0
    rows = {r["model"]: r for r in body["models"]}
    assert set(rows) == set(dataset.REQUEST_MODELS)
    for model, row in rows.items():
        expected = hand(model)
        keys = ("good_share", "good_share_low", "good_share_high", "budget_remaining")
        assert all(k in row for k in (*keys, "slo_status", "slo_share")), row
        if expected["status"] == "no traffic":
            assert row["good_share"] is None and row["budget_remaining"] == 1.0
        else:
            assert row["good_share"] == row["good_share_low"] == row["good_share_high"]
            assert row["good_share"] == pytest.approx(expected["good"], abs=1e-12)
            assert row["budget_remaining"] == pytest.approx(expected["left"], abs=1e-9)
        assert row["slo_status"] == expected["status"], model
    budget = json.loads((latest / "budget.json").read_text(encoding="utf-8"))
    ends = {d["model"]: d["data_points"][-1]["budget_remaining"] for d in budget["data"]}
    for model, left in ends.items():
        assert left == pytest.approx(rows[model]["budget_remaining"], abs=1e-6), model
    assert dataset.HOSTILE_MODEL in ends


def test_the_html_has_an_escaped_offline_slo_section_with_its_chart(published_report):
    latest = published_report / "latest"
    html = (latest / "report.html").read_text(encoding="utf-8")
    assert "SLO and error budget" in html
    section = html[html.index("SLO and error budget") :]
    assert "99 % of requests ≤ 500 ms: 4 burning, 4 ok, 1 no traffic" in section
    assert "&lt;img src=x onerror=alert(1)&gt;" in section and "<img src=x" not in html
    assert "page (1h &amp; 5m)" in section
    assert not EXTERNAL.findall(html)
    chart = base64.b64encode((latest / "budget.png").read_bytes()).decode()
    assert html.count(f"data:image/png;base64,{chart}") == 1
    img = next(t for t in re.findall(r"<img [^>]*>", html) if chart in t)
    alt = re.search(r'alt="([^"]*)"', img).group(1)
    assert alt.startswith("Error budget left over the window for: slow-model")
    assert "&lt;img src=x onerror=alert(1)&gt;" in alt


def test_no_slo_no_section(published_report):
    data = ReportData.load(published_report / "latest")
    assert slo_table(data)
    data.meta["slo_ms"] = None
    assert slo_table(data) == ""


def test_an_objective_out_of_range_exits_2_before_anything(cli, tmp_path):
    result = cli.report("http://127.0.0.1:9", tmp_path, "--slo-ms", "500", "--objective", "100")
    assert result.exit_code == 2 and "objective" in result.stderr
    assert not any(tmp_path.iterdir())


@pytest.mark.browser
def test_the_slo_section_renders_in_a_browser(published_report):
    chromium()  # skips without it, fails under CI
    from playwright.sync_api import sync_playwright

    page_url = (published_report / "latest" / "report.html").resolve().as_uri()
    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1100, "height": 1500})
        page.goto(page_url)
        heading = page.locator("h2", has_text="SLO and error budget").first
        top = heading.bounding_box()
        chart = page.locator('img[alt^="Error budget left"]').first
        box = chart.bounding_box()
        width = page.evaluate("chart => chart.naturalWidth", chart.element_handle())
        if os.environ.get("P95KIT_SCREENSHOT"):  # refreshes the README's picture
            height = box["y"] + box["height"] - top["y"] + 20
            clip = {"x": 0, "y": top["y"] - 10, "width": 1100, "height": height}
            page.screenshot(path=os.environ["P95KIT_SCREENSHOT"], full_page=True, clip=clip)
        browser.close()
    assert top is not None and box is not None and box["y"] > top["y"]
    assert width > 0


@pytest.mark.kernel
def test_a_preset_report_has_an_slo_section_per_metric(servers, cli, tmp_path):
    from tests.support import servers_dataset

    result = cli.report(
        servers.url, tmp_path, "--preset", "vllm", "--slo-ms", "5000", "--objective", "95",
        duration="1h", end=servers_dataset.END,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    latest = tmp_path / "latest"
    html = (latest / "report.html").read_text(encoding="utf-8")
    for metric in ("vllm:e2e_request_latency_seconds", "vllm:time_to_first_token_seconds"):
        assert "SLO and error budget: " in html and metric in html
        folder = latest / "metrics" / metric.replace(":", "_")
        assert (folder / "budget.json").is_file() and (folder / "budget.png").is_file()
    e2e = json.loads((latest / "summary.json").read_text(encoding="utf-8"))
    llama = next(r for r in e2e["models"] if r["model"] == servers_dataset.LLAMA)
    assert llama["good_share"] == pytest.approx(0.95)  # 10 of 200 in (5, 10] s
    assert llama["budget_remaining"] == pytest.approx(0.0, abs=1e-9)
    assert llama["slo_status"] in ("ok", "exhausted")  # exactly at the objective
