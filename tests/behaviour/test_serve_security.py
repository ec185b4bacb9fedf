"""``p95kit serve`` security: no fetching of arbitrary URLs (SSRF), credentials only to the
server's own Prometheus, secrets in no response or log line, CORS off unless asked, and a
read-only reports folder nobody can step out of."""

from __future__ import annotations

import http.client
import os
import subprocess
from urllib.parse import urlsplit

import pytest
import requests

from tests.support import dataset
from tests.support.faultserver import FaultServer
from tests.support.proxy import AuthProxy, Proxy
from tests.support.serving import EXE, ServeProcess, require_serve

require_serve()

END = dataset.END
TOKEN = "s3cr3t-token-0f-the-server"
PASSWORD = "hunter2-in-a-url"


@pytest.fixture(scope="module")
def setup(prom, tmp_path_factory):
    """The server's own Prometheus behind a token-checking gateway, one other allowed
    Prometheus (a recording proxy), and a listener that nobody may contact."""
    folder = tmp_path_factory.mktemp("secrets")
    token_file = folder / "token"
    token_file.write_text(TOKEN + "\n")
    with (
        AuthProxy(prom.url, TOKEN) as own,
        Proxy(prom.url) as other,
        FaultServer() as listener,
        ServeProcess(
            "--prometheus-url",
            own.url + "/prometheus",
            "--bearer-token-file",
            str(token_file),
            "--header",
            "X-Scope-OrgID: team-a",
            "--allow-prometheus-url",
            other.url,
        ) as server,
    ):
        yield server, own, other, listener


def test_own_prometheus_gets_the_credentials(setup):
    server, own, _, _ = setup
    response = server.get("/api/metrics/p95/", params={"at": END, "time_range": "6m"})
    assert response.status_code == 200 and response.json()["count"] > 0
    assert own.seen[-1].headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("spelling", ["{own}", "{own}/", "{own_upper}"])
def test_own_url_in_any_spelling_is_the_own_client(setup, spelling):
    server, own, _, _ = setup
    base = own.url + "/prometheus"
    url = spelling.format(own=base, own_upper=base.replace("http://", "HTTP://"))
    response = server.get("/api/metrics/p95/", params={"at": END, "prometheus_url": url})
    assert response.status_code == 200, response.text


def test_an_allowed_url_gets_no_credentials(setup):
    server, _, other, _ = setup
    params = {"at": END, "time_range": "8m", "prometheus_url": other.url}
    response = server.get("/api/metrics/p95/", params=params)
    assert response.status_code == 200 and response.json()["count"] > 0
    assert other.seen, "the allowed Prometheus was asked"
    for seen in other.seen:
        assert "Authorization" not in seen.headers and "X-Scope-OrgID" not in seen.headers
        assert TOKEN not in str(seen)


def _variants(listener_url: str, own_url: str) -> list[str]:
    parts = urlsplit(listener_url)
    return [
        listener_url,
        listener_url + "/",
        listener_url + "/prometheus",
        f"http://user:{PASSWORD}@{parts.netloc}",
        f"http://localhost:{parts.port}",
        own_url.replace("/prometheus", "/other"),  # the right host, another path
        own_url.replace("http://", f"http://admin:{PASSWORD}@"),  # own, with user-info
        f"{own_url}?x=1",
        "file:///etc/passwd",
        "gopher://127.0.0.1:25/",
        "http://[::1",
        "not a url",
    ]


@pytest.mark.parametrize("endpoint", ["p95/", "p95/range/", "percentiles/", "models/"])
def test_any_other_url_is_400_and_never_contacted(setup, endpoint):
    server, own, _, listener = setup
    before = len(own.seen)
    for url in _variants(listener.url, own.url + "/prometheus"):
        response = server.get(f"/api/metrics/{endpoint}", params={"prometheus_url": url})
        assert response.status_code == 400, (url, response.text)
        assert response.json()["details"]["parameter"] == "prometheus_url"
        assert PASSWORD not in response.text
    assert listener.seen == []
    assert len(own.seen) == before


def test_secrets_never_in_responses_or_logs(setup):
    server, own, _, _ = setup
    own.token = "rotated-elsewhere"  # the server's token is now refused: a 401 path
    try:
        failed = server.get("/api/metrics/p95/", params={"at": END, "time_range": "9m"})
    finally:
        own.token = TOKEN
    assert failed.status_code == 503 and failed.json()["details"]["type"] == "PrometheusAuthError"
    bodies = [failed.text]
    for path in ("/metrics", "/readyz", "/api/openapi.json", "/healthz"):
        bodies.append(server.get(path).text)
    leak = server.get("/api/metrics/p95/", params={"prometheus_url": f"http://u:{PASSWORD}@x:1"})
    bodies.append(leak.text)
    everything = "\n".join(bodies + server.lines)
    assert TOKEN not in everything
    assert PASSWORD not in everything


# -- CORS ---------------------------------------------------------------------------------


def test_cors_is_off_by_default(setup):
    server = setup[0]
    origin = {"Origin": "https://dash.example.com"}
    response = server.get("/api/metrics/p95/", params={"at": END}, headers=origin)
    assert "access-control-allow-origin" not in response.headers
    preflight = requests.options(
        server.url + "/api/metrics/p95/",
        headers={**origin, "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_the_named_origins(prom):
    with ServeProcess(
        "--prometheus-url", prom.url, "--cors-origin", "https://dash.example.com"
    ) as server:
        allowed = server.get("/api/metrics/models/", headers={"Origin": "https://dash.example.com"})
        other = server.get("/api/metrics/models/", headers={"Origin": "https://evil.example"})
        preflight = requests.options(
            server.url + "/api/metrics/p95/",
            headers={"Origin": "https://dash.example.com", "Access-Control-Request-Method": "GET"},
            timeout=30,
        )
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example.com"
    assert "access-control-allow-origin" not in other.headers
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["access-control-allow-methods"]


# -- the reports folder -------------------------------------------------------------------

SECRET = "outside-the-reports-folder"


@pytest.fixture(scope="module")
def reports(prom, tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    out = root / "reports"
    snapshot = out / "2026-11-21T000000Z_24h"
    snapshot.mkdir(parents=True)
    (snapshot / "p95.json").write_text('{"status": "success", "data": [], "count": 0}')
    (snapshot / "report.html").write_text("<html>report</html>")
    (out / "index.html").write_text("<html>index</html>")
    (out / "latest").symlink_to(snapshot.name)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (out / "escape").symlink_to(outside)  # a folder link out
    (out / "leak.txt").symlink_to(outside / "secret.txt")  # a file link out
    with ServeProcess("--prometheus-url", prom.url, "--reports", str(out)) as server:
        yield server, out


def _raw_get(url: str, path: str, method: str = "GET") -> tuple[int, bytes]:
    """Send ``path`` exactly as written (requests would normalise ``..``)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_reports_are_served(reports):
    server, out = reports
    assert _raw_get(server.url, "/reports/") == (200, b"<html>index</html>")
    status, body = _raw_get(server.url, "/reports/latest/p95.json")
    assert status == 200 and body == (out / "latest" / "p95.json").read_bytes()
    assert _raw_get(server.url, "/reports/latest/report.html")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/reports/../outside/secret.txt",
        "/reports/%2e%2e/outside/secret.txt",
        "/reports/..%2foutside%2fsecret.txt",
        "/reports/%2E%2E%2F%2E%2E%2Foutside/secret.txt",
        "/reports/latest/../../outside/secret.txt",
        "/reports/..%5coutside%5csecret.txt",
        "/reports//etc/passwd",
        "/reports/%2fetc%2fpasswd",
        "/reports/escape/secret.txt",
        "/reports/leak.txt",
        "/reports/%00",
        "/reports/latest/p95.json%00.html",
    ],
)
def test_no_way_out_of_the_reports_folder(reports, path):
    server = reports[0]
    status, body = _raw_get(server.url, path)
    assert status in (400, 404), (path, status)
    assert SECRET.encode() not in body and b"root:" not in body


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_reports_are_read_only(reports, method):
    server, out = reports
    before = (out / "latest" / "p95.json").read_bytes()
    status, _ = _raw_get(server.url, "/reports/latest/p95.json", method)
    assert status == 405
    assert (out / "latest" / "p95.json").read_bytes() == before
    assert sorted(os.listdir(out)) == [
        "2026-11-21T000000Z_24h",
        "escape",
        "index.html",
        "latest",
        "leak.txt",
    ]


def test_without_reports_there_is_no_reports_path(setup):
    assert _raw_get(setup[0].url, "/reports/")[0] == 404


def test_binds_loopback_by_default(setup):
    assert urlsplit(setup[0].url).hostname == "127.0.0.1"


def test_a_missing_reports_folder_is_a_clear_error(prom, tmp_path):
    done = subprocess.run(
        [str(EXE), "serve", "--port", "0", "--reports", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "--reports" in done.stderr and "does not exist" in done.stderr


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--allow-prometheus-url", "ftp://x", "--allow-prometheus-url: must be an http(s) URL"),
        ("--bearer-token-file", "/nonexistent/token", "cannot read bearer_token_file"),
        ("--prometheus-url", "http://u:pw@[::1", "prometheus_url must be an http(s) URL"),
    ],
)
def test_a_bad_setup_fails_before_listening(option, value, says):
    done = subprocess.run(
        [str(EXE), "serve", "--port", "0", option, value],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert says in done.stderr and "listening" not in done.stderr
    assert "pw@" not in done.stderr
