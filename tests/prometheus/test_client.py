"""The HTTP client against a loopback fault server: retries, envelopes, auth, timeouts."""

from __future__ import annotations

import time

import pytest

import p95kit
from p95kit import (
    InvalidParameterError,
    Prometheus,
    PrometheusAuthError,
    PrometheusQueryError,
    PrometheusUnavailableError,
)
from tests.support.faultserver import FaultServer, Reply, success

VECTOR = [{"metric": {"model": "gpt-4"}, "value": [1795219200, "0.375"]}]


def client(url: str, **kwargs) -> Prometheus:
    return Prometheus(url, backoff=0.01, **kwargs)


def test_success_envelope_with_warnings_is_kept_and_logged(caplog):
    with FaultServer([success(VECTOR, warnings=["partial response: store down"])]) as server:
        frame = p95kit.p95(client=client(server.url), at=1795219200)
    assert frame["p95_latency_ms"].tolist() == [375.0]
    assert frame.attrs["warnings"] == ["partial response: store down"]
    assert "partial response: store down" in caplog.text


@pytest.mark.parametrize("status", [502, 503, 504, 429])
def test_retries_then_succeeds(status):
    replies = [Reply(status, "<html>bad gateway</html>"), success(VECTOR)]
    with FaultServer(replies) as server:
        frame = p95kit.p95(client=client(server.url), at=1795219200)
    assert len(server.seen) == 2
    assert frame["model"].tolist() == ["gpt-4"]


def test_gives_up_after_the_retry_budget_naming_the_status():
    with (
        FaultServer([Reply(502, "<html>Bad Gateway</html>")]) as server,
        pytest.raises(PrometheusUnavailableError, match="502 Bad Gateway"),
    ):
        p95kit.p95(client=client(server.url, retries=2), at=1795219200)
    assert len(server.seen) == 3


def test_retry_after_is_honoured_up_to_a_cap(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("p95kit.prometheus.client._sleep", waits.append)
    replies = [
        Reply(429, "slow down", headers={"Retry-After": "100"}),
        Reply(503, "busy", headers={"Retry-After": "2"}),
        Reply(502, "bad gateway"),
        success(VECTOR),
    ]
    with FaultServer(replies) as server:
        p95kit.p95(client=client(server.url, max_retry_after=30), at=1795219200)
    assert len(server.seen) == 4
    assert waits == [30, 2, 0.04]  # capped header, header, exponential backoff (0.01 * 2**2)


@pytest.mark.parametrize(
    ("status", "error_type"), [(400, "bad_data"), (422, "execution"), (503, "timeout")]
)
def test_error_envelope_is_a_query_error_and_never_retried(status, error_type):
    body = {"status": "error", "errorType": error_type, "error": "parse error at char 5"}
    with FaultServer([Reply(status, body)]) as server, pytest.raises(PrometheusQueryError) as info:
        p95kit.p95(client=client(server.url), at=1795219200)
    assert len(server.seen) == 1
    assert info.value.error_type == error_type
    assert info.value.error == "parse error at char 5"
    assert "parse error at char 5" in str(info.value)


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failure_says_so(status):
    with (
        FaultServer([Reply(status, "denied")]) as server,
        pytest.raises(PrometheusAuthError, match="authentication failed"),
    ):
        p95kit.p95(client=client(server.url), at=1795219200)
    assert len(server.seen) == 1


def test_hang_is_bounded_by_the_timeout():
    with FaultServer([Reply(hang=True)]) as server:
        with pytest.raises(PrometheusUnavailableError, match=r"did not answer within 1 s"):
            p95kit.p95(client=client(server.url, timeout=1, retries=1), at=1795219200)
        deadline = time.monotonic() + 30  # the server thread may record the retry a little late
        while len(server.seen) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert len(server.seen) == 2  # one timed-out attempt, one retry, then the error


def test_connection_reset_and_refused_are_unavailable():
    with (
        FaultServer([Reply(reset=True)]) as server,
        pytest.raises(PrometheusUnavailableError, match="cannot reach Prometheus"),
    ):
        p95kit.p95(client=client(server.url, retries=0), at=1795219200)
    with pytest.raises(PrometheusUnavailableError, match="cannot reach Prometheus at http://127"):
        p95kit.p95(client=client("http://127.0.0.1:9", retries=0), at=1795219200)


@pytest.mark.parametrize(
    "body",
    [
        '{"status": "success", "data": {"resultType": "vector", "resu',
        "<html>ok</html>",
        "[]",
        '{"status": "success", "data": {"resultType": "vector"}}',
        '{"status": "success", "data": {"resultType": "vector", "result": '
        '[{"metric": {"model": "a"}, "value": [1, "abc"]}]}}',
    ],
)
def test_malformed_answers_are_clear_errors(body):
    with (
        FaultServer([Reply(200, body)]) as server,
        pytest.raises(PrometheusUnavailableError, match="invalid answer from"),
    ):
        p95kit.p95(client=client(server.url), at=1795219200)


def test_long_queries_are_posted_form_encoded():
    with FaultServer([success()]) as server:
        p95kit.p95(
            client=client(server.url), at=1795219200, models=[f"m{i:04d}" for i in range(400)]
        )
    seen = server.seen[0]
    assert seen.method == "POST"
    assert seen.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "m0399" in seen.form["query"][0]


def test_prefix_headers_auth_and_params_reach_the_server():
    with FaultServer([success()]) as server:
        prom = client(
            server.url + "/prometheus",
            bearer_token="s3cret",
            headers={"X-Scope-OrgID": "team-a"},
            params={"partial_response": "true"},
        )
        p95kit.p95(client=prom, at=1795219200)
    seen = server.seen[0]
    assert seen.path == "/prometheus/api/v1/query"
    assert seen.headers["Authorization"] == "Bearer s3cret"
    assert seen.headers["X-Scope-OrgID"] == "team-a"
    assert seen.query["partial_response"] == ["true"]
    assert "s3cret" not in repr(prom)


def test_credentials_in_the_url_never_reach_messages():
    with pytest.raises(PrometheusUnavailableError) as info:
        p95kit.p95(client=client("http://user:hunter2@127.0.0.1:9", retries=0), at=1795219200)
    assert "hunter2" not in str(info.value)


def test_invalid_parameters_send_nothing():
    with FaultServer([success()]) as server:
        prom = client(server.url)
        for call in (
            lambda: p95kit.p95(client=prom, time_range="5x"),
            lambda: p95kit.p95(client=prom, metric_name="bad-name"),
            lambda: p95kit.p95(client=prom, model_label="le"),
            lambda: p95kit.p95(client=prom, at="yesterday"),
            lambda: p95kit.p95_range(client=prom, step="0s"),
            lambda: p95kit.p95_range(client=prom, duration="1h", step="2h"),
            lambda: p95kit.p95_range(client=prom, duration="10y", step="1s"),
            lambda: p95kit.percentiles(client=prom, percentiles="50,100"),
            lambda: p95kit.percentiles(client=prom, selector="env=prod"),
        ):
            with pytest.raises(InvalidParameterError):
                call()
        with pytest.raises(InvalidParameterError, match="prometheus_url must be an http"):
            p95kit.p95(prometheus_url="ftp://x")
    assert server.seen == []


def test_a_url_with_a_query_string_is_refused_without_showing_it():
    """API paths are appended to the URL; a query there would break every request."""
    with pytest.raises(InvalidParameterError, match="--param NAME=VALUE") as caught:
        p95kit.p95(prometheus_url="http://127.0.0.1:9/prom?token=SECRET")
    assert "SECRET" not in str(caught.value) and "http://127.0.0.1:9/prom?…" in str(caught.value)
    with pytest.raises(InvalidParameterError, match="fragment"):
        p95kit.Prometheus("http://127.0.0.1:9/#x")
