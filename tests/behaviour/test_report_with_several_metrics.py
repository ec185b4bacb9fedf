"""Several latency metrics in one report (--preset, --metric-name repeated, ``p95kit demo
--preset vllm``), against real Prometheus servers."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pytest

from tests.support import servers_dataset as sd
from tests.support.browser import chromium, launch

END = str(sd.END)
VLLM = (
    "vllm:e2e_request_latency_seconds",
    "vllm:time_to_first_token_seconds",
    "vllm:inter_token_latency_seconds",
)


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def vllm_report(servers, jupyter_kernel, tmp_path_factory, cli):
    out = tmp_path_factory.mktemp("vllm-report")
    result = cli.report(servers.url, out, "--preset", "vllm", duration="1h", end=END)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""  # silent under cron, the missing queue time included
    return out / "latest"


def test_every_metric_of_the_preset_gets_its_payloads(vllm_report):
    top = read(vllm_report / "p95.json")
    assert {row["metric_name"] for row in top["data"]} == {VLLM[0]}  # the first metric
    for metric in VLLM:
        folder = vllm_report / "metrics" / metric.replace(":", "_")
        for name in ("p95.json", "p95_range.json", "percentiles.json", "summary.json"):
            assert (folder / name).is_file(), folder / name
        assert (folder / "chart.png").stat().st_size > 0
        body = read(folder / "percentiles.json")
        assert body["metric_name"] == metric
        got = {row["model"]: row["percentiles"] for row in body["data"]}
        assert set(got) == {sd.LLAMA, sd.QWEN}  # Triton's vLLM backend (label model) is not in
        for model in got:
            for p in (50, 95, 99):
                want = sd.expected_ms(p / 100, metric, model_name=model)
                assert got[model][f"p{p}"] == pytest.approx(want, abs=0.01)


def test_the_summary_lists_the_metrics_and_warns_about_the_missing_one(vllm_report):
    meta = read(vllm_report / "summary.json")["meta"]
    assert [m["metric_name"] for m in meta["metrics"]] == list(VLLM)
    assert [m["folder"] for m in meta["metrics"]] == [
        "metrics/" + m.replace(":", "_") for m in VLLM
    ]
    (missing,) = [w for w in meta["warnings"] if "vllm:request_queue_time_seconds" in w]
    assert "no series in the window, left out (not exported by this server?)" in missing
    run_json = read(vllm_report / "run.json")
    assert run_json["metrics"] == list(VLLM) and run_json["parameters"]["preset"] == "vllm"


def test_the_html_has_a_combined_table_and_a_section_and_chart_per_metric(vllm_report):
    page = (vllm_report / "report.html").read_text(encoding="utf-8")
    assert "Window percentiles per model and metric (3 metrics)" in page
    for title, metric in zip(("end-to-end", "time to first token", "inter-token"), VLLM):
        assert f"<h2>{title} ({metric})</h2>" in page
    assert page.count("<img") >= 3
    assert page.count("(all models)") >= 3 + 3  # one row per metric: combined table, sections


@pytest.mark.kernel
def test_metric_name_repeated_and_a_summary_in_a_preset(servers, tmp_path, cli):
    out = tmp_path / "two"
    result = cli.report(
        servers.url,
        out,
        "--model-label",
        "model_name",
        "--metric-name",
        VLLM[1],
        "--metric-name",
        "sglang:queue_time_seconds",
        duration="1h",
        end=END,
    )
    assert result.exit_code == 0, result.stderr
    meta = read(out / "latest" / "summary.json")["meta"]
    assert meta["metric_name"] == VLLM[1]
    assert (out / "latest" / "metrics" / "sglang_queue_time_seconds" / "p95.json").is_file()
    triton = tmp_path / "triton"
    result = cli.report(servers.url, triton, "--preset", "triton", duration="1h", end=END)
    assert result.exit_code == 0, result.stderr
    meta = read(triton / "latest" / "summary.json")["meta"]
    assert meta["metric_name"] == "nv_inference_first_response_histogram_ms"
    assert any("nv_inference_request_summary_us is a summary" in w for w in meta["warnings"])
    page = (triton / "latest" / "report.html").read_text(encoding="utf-8")
    assert (
        "500.0 ms (100–500) †" in page and "(0–100) †" in page
    )  # P95 from the (100, 500] ms bucket: coarse


def test_a_selection_given_wins_over_the_preset_even_when_it_is_the_default():
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.plan import plan_metrics

    plans, _ = plan_metrics(ReportSettings(preset="vllm", model_label="model"))
    assert {mp.plan.target.model_label for mp in plans} == {"model"}
    plans, _ = plan_metrics(ReportSettings(preset="vllm"))
    assert {mp.plan.target.model_label for mp in plans} == {"model_name"}
    plans, _ = plan_metrics(ReportSettings(preset="vllm", metric_name="request_duration_seconds"))
    assert [mp.metric_name for mp in plans] == ["request_duration_seconds"]
    plans, _ = plan_metrics(ReportSettings())  # no preset: the defaults
    assert [(mp.metric_name, mp.plan.target.model_label) for mp in plans] == [
        ("request_duration_seconds", "model")
    ]


@pytest.mark.kernel
def test_model_label_model_on_the_command_line_wins_over_vllm(servers, tmp_path, cli):
    """Triton's vLLM backend labels vLLM's metrics ``model``: ``--model-label model`` (the
    option's default value, given explicitly) must win over the preset's ``model_name``."""
    result = cli.report(
        servers.url,
        tmp_path,
        "--preset",
        "vllm",
        "--model-label",
        "model",
        duration="1h",
        end=END,
    )
    assert result.exit_code == 0, result.stderr
    summary = read(tmp_path / "latest" / "summary.json")
    assert summary["meta"]["model_label"] == "model"
    assert [row["model"] for row in summary["models"]] == ["vllm_model"]
    run_json = read(tmp_path / "latest" / "run.json")
    assert run_json["parameters"]["model_label"] == "model"
    assert run_json["parameters"]["histogram"] is None  # not given: the preset's


@pytest.mark.kernel
def test_a_counter_in_a_report_is_refused_with_help(servers, tmp_path, cli):
    result = cli.report(
        servers.url,
        tmp_path,
        "--metric-name",
        "nv_inference_request_duration_us",
        duration="1h",
        end=END,
    )
    assert result.exit_code == 1, result.stderr  # a query was sent, so not 2
    assert "not a histogram or summary" in result.stderr
    assert len(result.stderr.splitlines()) == 1


# -- the vLLM demo --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def vllm_demo(prometheus_binaries, jupyter_kernel, tmp_path_factory, cli):
    out = tmp_path_factory.mktemp("vllm-demo")
    result = cli("demo", "--preset", "vllm", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith("report.html")
    return out / "latest"


def test_demo_preset_vllm_publishes_an_llm_report(vllm_demo):
    meta = read(vllm_demo / "summary.json")["meta"]
    assert [m["metric_name"] for m in meta["metrics"]] == list(VLLM)
    assert meta["model_label"] == "model_name"
    models = {row["model"] for row in read(vllm_demo / "summary.json")["models"]}
    assert "meta-llama/Llama-3.1-70B-Instruct" in models and len(models) == 4
    ttft = read(vllm_demo / "metrics" / "vllm_time_to_first_token_seconds" / "summary.json")
    regressed = {row["model"]: row["delta_p95_pct"] for row in ttft["models"]}
    assert regressed["meta-llama/Llama-3.1-70B-Instruct"] > 50  # the demo's TTFT regression
    assert any("vllm:request_queue_time_seconds" in w for w in meta["warnings"])
    # the second metric's regression is the headline of the 3-metric report, named with it
    page = html.unescape((vllm_demo / "report.html").read_text(encoding="utf-8"))
    assert (
        "Biggest regression:</strong> <code>meta-llama/Llama-3.1-70B-Instruct</code> on "
        "<code>time to first token (vllm:time_to_first_token_seconds)</code>"
    ) in page
    run = read(vllm_demo / "run.json")
    worst = run["headline"]["regressions"][0]
    assert (worst["model"], worst["metric"]) == (
        "meta-llama/Llama-3.1-70B-Instruct",
        "vllm:time_to_first_token_seconds",
    )
    assert len(list(vllm_demo.parent.glob("*_24h*"))) == 3  # a report per day: a trend


@pytest.mark.browser
def test_browser_renders_the_llm_report(vllm_demo):
    """Refresh the README's picture with P95KIT_SCREENSHOT=docs/llm-report.png."""

    chromium()  # skips without it, fails under CI
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1100, "height": 1500})
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto((vllm_demo / "report.html").resolve().as_uri())
        images = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        if os.environ.get("P95KIT_SCREENSHOT"):
            page.screenshot(path=os.environ["P95KIT_SCREENSHOT"])
        browser.close()
    assert failed == [] and len(images) >= 3 and all(width > 0 for width in images)
