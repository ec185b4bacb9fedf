"""``p95kit slo`` on the command line (p95kit.cli.slo_commands): table, json and csv, the alerting
exits, ``--explain``, several metrics with a preset, hostile model names; and ``GET /api/slo/`` in
``p95kit serve``."""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests

from tests.support import dataset, servers_dataset
from tests.support.dataset import END, HOSTILE_MODEL, SECONDS_BOUNDS, counts_between, share_at

BASE = ("slo", "--threshold-ms", "500", "--window", "24h", "--at", str(END))


def test_the_table_reads_per_model_and_exits_0_without_flags(cli, prom):
    result = cli(*BASE, "--prometheus-url", prom.url)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert "good (proven)" in lines[0] and "budget left" in lines[0] and "status" in lines[0]
    claude = next(line for line in lines if "claude-3" in line)
    assert "50.00 %" in claude and "-4900 %" in claude and "burning" in claude
    assert any(HOSTILE_MODEL in line for line in lines)  # no control characters: shown as is
    assert lines[-1].startswith("SLO: 99 % of requests <= 500 ms over 24h")


def test_json_is_the_api_body_and_csv_has_the_frames_columns(cli, prom):
    body = json.loads(cli(*BASE, "--prometheus-url", prom.url, "--format", "json").stdout)
    assert body["status"] == "success" and body["count"] == len(body["data"])
    assert [d["model"] for d in body["data"]] == dataset.REQUEST_MODELS  # the hostile one too
    gpt4 = next(d for d in body["data"] if d["model"] == "gpt-4")
    assert gpt4["good_share"] == 1.0 and gpt4["status"] == "ok"
    idle = next(d for d in body["data"] if d["model"] == "idle-model")
    assert idle["good_share"] is None and idle["budget_remaining"] == 1.0
    text = cli(*BASE, "--prometheus-url", prom.url, "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["model"] == HOSTILE_MODEL
    assert list(rows[0])[:3] == ["model", "requests", "good_share"]


def test_fail_on_burn_and_exhausted_exit_5_after_printing_one_line_per_model(cli, prom):
    result = cli(*BASE, "--prometheus-url", prom.url, "--fail-on-burn", "--fail-on-exhausted")
    assert result.exit_code == 5
    assert "claude-3" in result.stdout  # printed first
    burning = [x for x in result.stderr.splitlines() if x.startswith("p95kit: SLO burning")]
    spent = [x for x in result.stderr.splitlines() if x.startswith("p95kit: SLO budget exhausted")]
    expected = {"claude-3", "drifting-model", "slow-model", dataset.UNICODE_MODEL}
    assert {x.split("model ", 1)[1].split(":")[0] for x in burning} == expected
    assert len(spent) == len(expected)
    assert len(result.stderr.splitlines()) == len(burning) + len(spent)
    calm = cli(*BASE, "--prometheus-url", prom.url, "--model", "gpt-4", "--fail-on-burn")
    assert (calm.exit_code, calm.stderr) == (0, "")


def test_explain_says_whether_the_threshold_is_a_bound_and_how_wide_the_doubt_is(cli, prom):
    exact = cli(*BASE, "--prometheus-url", prom.url, "--model", "gpt-4", "--explain").stdout
    assert "500 ms is a bucket bound: the share is exact" in exact
    between = cli(
        "slo", "--threshold-ms", "300", "--window", "24h", "--at", str(END),
        "--prometheus-url", prom.url, "--model", "claude-3", "--explain",
    ).stdout  # fmt: skip
    seen = counts_between(END - 86400, END, model="claude-3")
    low, high = share_at(0.25, SECONDS_BOUNDS, seen), share_at(0.5, SECONDS_BOUNDS, seen)
    assert f"between bucket bounds 250 and 500 ms: the counts prove {100 * low:.2f} %" in between
    assert f"to {100 * high:.2f} % good" in between
    body = json.loads(
        cli(*BASE, "--prometheus-url", prom.url, "--format", "json", "--explain").stdout
    )
    assert {a["model"] for a in body["advice"]} == set(dataset.REQUEST_MODELS)
    assert all(a["is_bound"] for a in body["advice"])


@pytest.mark.parametrize(
    "args",
    [
        ("slo",),  # no threshold
        ("slo", "--threshold-ms", "x"),
        ("slo", "--threshold-ms", "500", "--objective", "100"),
        ("slo", "--threshold-ms", "500", "--window", "30x"),
        ("slo", "--threshold-ms", "500", "--format", "csv", "--explain"),
    ],
)
def test_invalid_options_exit_2_before_any_request(cli, args):
    result = cli(*args, "--prometheus-url", "http://127.0.0.1:9")
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.startswith("p95kit: error:") and result.stdout == ""


def test_one_slo_per_metric_with_a_preset_and_goodput(cli, servers):
    result = cli(
        "slo", "--preset", "vllm", "--prometheus-url", servers.url, "--at",
        str(servers_dataset.END), "--window", "1h",
        "--threshold-ms", "time_to_first_token=100", "--threshold-ms", "inter_token=100",
        "--threshold-ms", "e2e=5000",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "vllm:time_to_first_token_seconds" in result.stdout
    assert "goodput" in result.stdout and servers_dataset.LLAMA in result.stdout
    body = json.loads(
        cli(
            "slo", "--preset", "vllm", "--prometheus-url", servers.url, "--at",
            str(servers_dataset.END), "--window", "1h", "--format", "json",
            "--threshold-ms", "time_to_first_token=100", "--threshold-ms", "e2e=5000",
        ).stdout
    )  # fmt: skip
    assert set(body["thresholds"]) == {
        "vllm:time_to_first_token_seconds", "vllm:e2e_request_latency_seconds",
    }  # fmt: skip
    by = {(d["metric_name"], d["model"]): d for d in body["data"]}
    llama = by["vllm:e2e_request_latency_seconds", servers_dataset.LLAMA]
    assert llama["good_share"] == pytest.approx(0.95)  # 5 of 100 in (5, 10] s per engine
    goodput = {g["model"]: g for g in body["goodput"]}[servers_dataset.LLAMA]
    ttft = by["vllm:time_to_first_token_seconds", servers_dataset.LLAMA]["good_share"]
    assert goodput["goodput_high"] == pytest.approx(min(ttft, 0.95))
    assert goodput["goodput_low"] == pytest.approx(max(0, ttft + 0.95 - 1))
    one = cli(
        "slo", "--preset", "vllm", "--prometheus-url", servers.url, "--at",
        str(servers_dataset.END), "--window", "1h", "--threshold-ms", "5000", "--format", "json",
    )  # fmt: skip
    body = json.loads(one.stdout)  # one threshold: the preset's first metric, by model_name
    assert body["metric_name"] == "vllm:e2e_request_latency_seconds"
    assert {d["model"] for d in body["data"]} == {servers_dataset.LLAMA, servers_dataset.QWEN}


def test_serve_answers_api_slo_with_the_same_body(prom):
    from tests.support.serving import ServeProcess, require_serve

    require_serve()
    with ServeProcess("--prometheus-url", prom.url) as server:
        params = {"threshold_ms": "500", "window": "24h", "at": str(END)}
        answer = requests.get(server.url + "/api/slo/", params=params, timeout=60)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["count"] == len(body["data"]) and body["objective"] == 99.0
        assert body["data"][0]["model"] == HOSTILE_MODEL
        assert {d["status"] for d in body["data"]} == {"ok", "burning", "no traffic"}
        bad = requests.get(server.url + "/api/slo/", params={"threshold_ms": "x"}, timeout=60)
        assert bad.status_code == 400 and bad.json()["details"]["parameter"] == "threshold_ms"
        missing = requests.get(server.url + "/api/slo/", timeout=60)
        assert missing.status_code == 400 and "threshold_ms" in missing.json()["error"]


def test_a_hostile_model_name_in_the_alert_lines_stays_one_line(cli, prom):
    result = cli(
        "slo", "--threshold-ms", "50", "--window", "24h", "--at", str(END),
        "--prometheus-url", prom.url, "--model", HOSTILE_MODEL, "--fail-on-burn",
    )  # fmt: skip
    assert result.exit_code == 5  # half its requests take over 50 ms
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"p95kit: SLO burning: model {HOSTILE_MODEL}: page")
