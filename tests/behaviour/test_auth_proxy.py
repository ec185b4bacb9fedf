"""Through an authenticating proxy (tests/support/proxy.py) to the real ``prom`` fixture.

The proxy demands a bearer token, ``X-Scope-OrgID: team-a`` and the ``/prometheus`` path
prefix, as Mimir and Cortex do. The token is a canary that must never show up in output,
logs, tracebacks, frame attrs or payloads.
"""

from __future__ import annotations

import json
import traceback
import uuid
from collections.abc import Iterator

import pandas as pd
import pytest

import p95kit
from p95kit.query.payloads import dumps
from tests.support import dataset
from tests.support.proxy import AuthProxy

END = dataset.END
TENANT = {"X-Scope-OrgID": "team-a"}


@pytest.fixture
def canary() -> str:
    return f"canary-{uuid.uuid4().hex}"


@pytest.fixture
def proxy(prom, canary, no_connection_env) -> Iterator[AuthProxy]:
    with AuthProxy(prom.url, canary) as running:
        yield running


def query_args(proxy: AuthProxy, *extra: str) -> list[str]:
    return [
        "query",
        "p95",
        "--prometheus-url",
        proxy.url + "/prometheus",
        "--at",
        str(END),
        "--format",
        "json",
        *extra,
    ]


def expected_payload(prom) -> dict:
    return json.loads(dumps(p95kit.to_payload(p95kit.p95(prometheus_url=prom.url, at=END))))


def test_library_passes_with_token_tenant_and_prefix(prom, proxy, canary):
    direct = p95kit.p95(prometheus_url=prom.url, at=END)
    client = p95kit.Prometheus(proxy.url + "/prometheus", bearer_token=canary, headers=TENANT)
    with client:
        frame = p95kit.p95(client=client, at=END)
        ranged = p95kit.p95_range(
            client=client, duration="24h", step="5s", end=END, models=["gpt-4"]
        )  # 2 chunks, concurrently
        wanted = p95kit.percentiles(client=client, at=END, percentiles="50,99")
        models = p95kit.list_models(client=client, end=END)
    pd.testing.assert_frame_equal(frame, direct, check_like=False)
    assert len(ranged) == 17_281
    assert models == dataset.REQUEST_MODELS
    assert frame.attrs["prometheus_url"] == proxy.url + "/prometheus"
    assert all(seen.forwarded for seen in proxy.seen)
    assert {seen.path.split("/api/")[0] for seen in proxy.seen} == {"/prometheus"}
    for result in (frame, ranged, wanted):
        assert canary not in repr(result.attrs)
        assert canary not in dumps(p95kit.to_payload(result)).decode()
    assert canary not in repr(client)


@pytest.mark.parametrize(
    "url_suffix, token, headers",
    [
        ("/prometheus", None, TENANT),
        ("/prometheus", "wrong", TENANT),
        ("/prometheus", "CANARY", {}),
        ("", "CANARY", TENANT),
    ],
    ids=["no-token", "wrong-token", "no-tenant", "no-prefix"],
)
def test_library_without_the_credentials_gets_the_auth_error(
    proxy, canary, url_suffix, token, headers
):
    token = canary if token == "CANARY" else token
    client = p95kit.Prometheus(proxy.url + url_suffix, bearer_token=token, headers=headers)
    with client, pytest.raises(p95kit.PrometheusAuthError) as info:
        p95kit.p95(client=client, at=END)
    assert "authentication failed" in str(info.value)
    assert "401" in str(info.value)
    assert len(proxy.seen) == 1  # a 401 is not retried
    assert canary not in str(info.value) and canary not in repr(info.value.details)


def test_cli_with_token_file_and_header(prom, proxy, canary, tmp_path, cli):
    token_file = tmp_path / "token"
    token_file.write_text(canary + "\n")
    result = cli(
        *query_args(
            proxy,
            "--bearer-token-file",
            str(token_file),
            "--header",
            "X-Scope-OrgID: team-a",
            "--param",
            "partial_response=true",
        )
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected_payload(prom)
    assert proxy.seen[-1].params["partial_response"] == ["true"]  # passed through


def test_cli_with_environment_variables(prom, proxy, canary, cli):
    env = {
        "P95KIT_BEARER_TOKEN": canary,
        "P95KIT_HEADERS": "X-Scope-OrgID: team-a",
        "P95KIT_PROMETHEUS_URL": proxy.url + "/prometheus",
    }
    result = cli("query", "p95", "--at", str(END), "--format", "json", env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected_payload(prom)
    models = cli("models", "--end", str(END), env=env)
    assert models.exit_code == 0, models.stderr
    assert "gpt-4" in models.stdout.splitlines()


def test_token_file_from_the_environment_serves_cli_and_notebooks_alike(
    prom, proxy, canary, tmp_path, monkeypatch, cli
):
    """P95KIT_BEARER_TOKEN_FILE is read by clientconfig, so the report notebook's live
    mode (fetch_live -> build_client) authenticates like the CLI does."""
    from p95kit.prometheus.config import build_client

    token_file = tmp_path / "token"
    token_file.write_text(canary + "\n")
    monkeypatch.setenv("P95KIT_BEARER_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("P95KIT_HEADERS", "X-Scope-OrgID: team-a")
    with build_client(proxy.url + "/prometheus") as client:
        frame = p95kit.p95(client=client, at=END)
    assert frame["model"].tolist() == p95kit.p95(prometheus_url=prom.url, at=END)["model"].tolist()
    result = cli(*query_args(proxy))
    assert result.exit_code == 0, result.stderr


def test_cli_without_credentials_exits_3_saying_authentication_failed(proxy, cli):
    result = cli(*query_args(proxy, "--header", "X-Scope-OrgID: team-a"))
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "authentication failed" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_rotated_token_file_is_read_again_on_each_run(prom, proxy, canary, tmp_path, cli):
    token_file = tmp_path / "token"
    token_file.write_text(canary)
    args = query_args(
        proxy, "--bearer-token-file", str(token_file), "--header", "X-Scope-OrgID: team-a"
    )
    assert cli(*args).exit_code == 0
    proxy.token = rotated = f"rotated-{uuid.uuid4().hex}"  # the server rotates first
    assert cli(*args).exit_code == 3
    token_file.write_text(rotated)  # then the file
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected_payload(prom)
    assert proxy.seen[-1].headers["Authorization"] == f"Bearer {rotated}"


@pytest.mark.parametrize("flags", [[], ["-v"], ["-vv"], ["--debug"]])
def test_the_token_never_appears_in_output_logs_or_tracebacks(proxy, canary, tmp_path, flags, cli):
    token_file = tmp_path / "token"
    token_file.write_text(canary)
    auth = ["--bearer-token-file", str(token_file), "--header", "X-Scope-OrgID: team-a"]
    texts = []
    for output in ("json", "table"):
        ok = cli(*flags, *query_args(proxy, *auth, "--format", output))
        assert ok.exit_code == 0, ok.stderr
        texts += [ok.stdout, ok.stderr]
    proxy.token = "something-else"  # now the canary is refused
    failed = cli(*flags, *query_args(proxy, *auth), catch_exceptions=True)
    assert failed.exit_code != 0
    texts += [failed.stdout, failed.stderr]
    if failed.exception is not None and not isinstance(failed.exception, SystemExit):
        texts.append("".join(traceback.format_exception(failed.exception)))
        texts.append(repr(getattr(failed.exception, "details", "")))
    assert "authentication failed" in "".join(texts)
    for text in texts:
        assert canary not in text
