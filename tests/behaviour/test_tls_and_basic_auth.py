"""Basic auth and TLS (a private CA, ``--ca-bundle``, ``--insecure``, a client certificate)
against a loopback HTTPS server.

Certificates come from trustme: a throwaway CA made in memory, so no key or certificate
is committed and none can expire in the repository.
"""

from __future__ import annotations

import base64
import ssl
import uuid

import pytest
import requests
import trustme

import p95kit
from p95kit import PrometheusUnavailableError
from tests.support.faultserver import FaultServer, success

AT = "2026-11-21T00:00:00Z"
VECTOR = [{"metric": {"model": "gpt-4"}, "value": [1795219200, "0.375"]}]
pytestmark = pytest.mark.usefixtures("no_connection_env")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_server(ca: trustme.CA, *, client_certificates: bool = False) -> FaultServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    if client_certificates:
        context.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(context)
    return FaultServer([success(VECTOR)], tls=context)


def query_args(url: str, *extra: str) -> list[str]:
    return ["query", "p95", "--prometheus-url", url, "--at", AT, "--format", "json", *extra]


def test_basic_auth_is_sent_as_an_authorization_header():
    with (
        FaultServer([success(VECTOR)]) as server,
        p95kit.Prometheus(server.url, basic_auth=("alice", "pa:ss")) as client,
    ):
        frame = p95kit.p95(client=client, at=AT)
    assert frame["p95_latency_ms"].tolist() == [375.0]
    sent = server.seen[0].headers["Authorization"]
    assert sent == "Basic " + base64.b64encode(b"alice:pa:ss").decode()


@pytest.mark.parametrize("how", ["--basic-auth-file", "P95KIT_BASIC_AUTH_FILE"])
def test_basic_auth_file_by_flag_or_environment(tmp_path, how, cli):
    password = f"canary-{uuid.uuid4().hex}"
    secret = tmp_path / "basic-auth"
    secret.write_text(f"alice:{password}\n", encoding="utf-8")
    with FaultServer([success(VECTOR)]) as server:
        if how.startswith("--"):
            result = cli(*query_args(server.url, how, str(secret)))
        else:
            result = cli(*query_args(server.url), env={how: str(secret)})
    assert result.exit_code == 0, result.output
    expected = base64.b64encode(f"alice:{password}".encode()).decode()
    assert server.seen[0].headers["Authorization"] == f"Basic {expected}"
    assert password not in result.output and expected not in result.output


def test_a_private_ca_is_refused_until_trusted_or_skipped(ca, tmp_path, monkeypatch, cli):
    # Set on many machines; requests would let it override a session's own verify.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    with tls_server(ca) as server:
        refused = cli(*query_args(server.url))
        trusted = cli(*query_args(server.url, "--ca-bundle", str(bundle)))
        skipped = cli(*query_args(server.url, "--insecure"))
        with p95kit.Prometheus(server.url, verify=str(bundle)) as client:
            frame = p95kit.p95(client=client, at=AT)
    assert refused.exit_code == 3
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in refused.stderr and "--ca-bundle" in refused.stderr
    assert trusted.exit_code == 0 and '"gpt-4"' in trusted.stdout
    assert skipped.exit_code == 0 and '"gpt-4"' in skipped.stdout
    assert skipped.stderr == ""  # asked for: no warning per request (cron mails stderr)
    assert frame["p95_latency_ms"].tolist() == [375.0]


def test_a_certificate_error_is_not_retried(ca, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("p95kit.prometheus.client._sleep", waits.append)
    with (
        tls_server(ca) as server,
        p95kit.Prometheus(server.url, retries=3) as client,
        pytest.raises(PrometheusUnavailableError, match="TLS with Prometheus"),
    ):
        p95kit.p95(client=client, at=AT)
    assert waits == []  # a certificate does not change by retrying
    assert server.seen == []  # refused in the handshake: no request arrived


def test_a_client_certificate_is_presented(ca, tmp_path):
    bundle, pem = tmp_path / "ca.pem", tmp_path / "client.pem"
    ca.cert_pem.write_to_path(str(bundle))
    ca.issue_cert("p95kit-client").private_key_and_cert_chain_pem.write_to_path(str(pem))
    with tls_server(ca, client_certificates=True) as server:
        with p95kit.Prometheus(server.url, verify=str(bundle), cert=str(pem)) as client:
            frame = p95kit.p95(client=client, at=AT)
        with (
            p95kit.Prometheus(server.url, verify=str(bundle), retries=0) as client,
            pytest.raises(PrometheusUnavailableError),
        ):
            p95kit.p95(client=client, at=AT)
    assert frame["p95_latency_ms"].tolist() == [375.0]
