"""``p95kit query`` and ``p95kit models`` (p95kit.cli.query_commands) through click's CliRunner,
stdout and stderr apart."""

from __future__ import annotations

import json
import os

import pytest

from p95kit import InvalidParameterError
from tests.support import dataset
from tests.support.faultserver import FaultServer, Reply

END = str(dataset.END)


def test_query_p95_json_is_exactly_the_payload(backend, cli):
    import p95kit

    result = cli("query", "p95", "--prometheus-url", backend.url, "--at", END, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    expected = p95kit.to_payload(p95kit.p95(prometheus_url=backend.url, at=int(END)))
    assert json.loads(result.stdout) == json.loads(json.dumps(expected))


def test_query_range_csv_and_percentiles_table(backend, cli):
    result = cli(
        "query",
        "range",
        "--prometheus-url",
        backend.url,
        "--end",
        END,
        "--duration",
        "2m",
        "--step",
        "1m",
        "--model",
        "gpt-4",
        "--format",
        "csv",
    )
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "model,timestamp,p95_latency_ms",
        *[f"gpt-4,2026-11-20T23:5{m}:00.000Z,375.0" for m in (8, 9)],
        "gpt-4,2026-11-21T00:00:00.000Z,375.0",
    ]
    result = cli(
        "query",
        "percentiles",
        "--prometheus-url",
        backend.url,
        "--at",
        END,
        "--percentiles",
        "50,99.9",
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["model", "p50", "p99.9", "timestamp"]
    assert any("idle-model" in line and "no traffic" in line for line in lines)


def test_env_url_and_models_command(backend, cli):
    result = cli("models", "--end", END, env={"P95KIT_PROMETHEUS_URL": backend.url})
    assert result.exit_code == 0
    assert "gpt-4" in result.stdout.splitlines()
    assert "\\" in result.stdout  # the hostile name's backslash is shown, escaped or not


@pytest.mark.parametrize(
    "args",
    [
        ("--time-range", "5x"),
        ("--metric-name", "bad-name"),
        ("--at", "yesterday"),
        ("--model-label", "le"),
        ("--selector", "env=prod"),
        ("--header", "no colon"),
    ],
)
def test_invalid_parameters_exit_2_with_one_line_and_send_nothing(args, cli):
    with FaultServer() as server:
        result = cli("query", "p95", "--prometheus-url", server.url, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert server.seen == []


def test_unreachable_exits_3_and_rejected_exits_4(no_retry_waits, cli):
    result = cli("query", "p95", "--prometheus-url", "http://127.0.0.1:9", "--timeout", "1")
    assert result.exit_code == 3
    assert result.stderr.startswith("p95kit: error: cannot reach Prometheus at http://127.0.0.1:9")
    body = {"status": "error", "errorType": "bad_data", "error": "invalid parameter"}
    with FaultServer([Reply(400, body)]) as server:
        result = cli("query", "p95", "--prometheus-url", server.url)
    assert result.exit_code == 4
    assert "invalid parameter" in result.stderr


def test_debug_shows_the_traceback(cli):
    result = cli("--debug", "query", "p95", "--time-range", "5x", catch_exceptions=True)
    assert result.exit_code != 0
    assert isinstance(result.exception, InvalidParameterError)  # re-raised for the traceback


def test_help_has_examples(cli):
    for args in (["--help"], ["query", "--help"], ["query", "p95", "--help"], ["report", "--help"]):
        result = cli(*args)
        assert result.exit_code == 0
        assert "Example" in result.stdout


@pytest.mark.parametrize("command", [["models"], ["query", "range", "--format", "csv"]])
def test_a_reader_that_went_away_is_not_an_error(prom, command, cli_process):
    """`p95kit ... | head -1`: the pipe closes early; no error line, no traceback, exit 1."""
    read, write = os.pipe()
    proc = cli_process.start(*command, "--prometheus-url", prom.url, "--end", END, stdout=write)
    os.close(write)
    os.close(read)  # gone before p95kit has asked Prometheus, so its first write fails
    _, stderr = proc.communicate(timeout=60)
    assert (proc.returncode, stderr) == (1, "")


def test_a_model_that_has_no_series_is_a_warning(backend, cli):
    result = cli(
        "query",
        "p95",
        "--prometheus-url",
        backend.url,
        "--at",
        END,
        "--model",
        "gpt-4",
        "--model",
        "gpt-5",
    )
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == ["gpt-4"]
    assert "no request_duration_seconds series for model 'gpt-5'" in result.stderr


def test_format_is_case_insensitive_and_an_empty_answer_says_what_to_check(backend, cli):
    upper = cli("query", "p95", "--prometheus-url", backend.url, "--at", END, "--format", "JSON")
    assert upper.exit_code == 0 and json.loads(upper.stdout)["status"] == "success"
    empty = cli(
        "query",
        "p95",
        "--prometheus-url",
        backend.url,
        "--at",
        END,
        "--metric-name",
        "typo_seconds",
    )
    assert empty.exit_code == 0
    assert empty.stdout.startswith("no models found: no series matched (check --metric-name")
