"""A canary token given by file, environment or header never leaks.

A loopback proxy in front of the real Prometheus only answers requests that carry the
token, so every successful run proves the token was sent; then no byte under ``--out``
(notebook, HTML, JSON, run.json, index, hidden files), nothing on stdout/stderr (also
with ``-v``, ``-vv`` and ``--debug``) and no exception message or traceback contains it,
including when the run fails on authentication or in a notebook cell.
"""

from __future__ import annotations

import base64
import traceback
from pathlib import Path

import nbformat
import pytest

import p95kit
from p95kit import Prometheus, PrometheusAuthError
from p95kit.query.payloads import error_payload
from tests.support import dataset
from tests.support.paths import ROOT
from tests.support.proxy import Proxy

TOKEN = "CANARY-7d1e-p95kit-token"
NEEDLES = (TOKEN.encode(), base64.b64encode(TOKEN.encode()))
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"


@pytest.fixture(scope="module")
def guard(prom):
    """Prometheus behind a gateway that wants ``Authorization: Bearer TOKEN`` (else 401)."""
    with Proxy(prom.url, require={"Authorization": f"Bearer {TOKEN}"}) as proxy:
        yield proxy


@pytest.fixture(scope="module")
def token_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    return path


def assert_no_leak(result, out: Path | None = None) -> None:
    texts = [result.stdout, result.stderr]
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        texts.append("".join(traceback.format_exception(result.exception)))
    for text in texts:
        assert TOKEN not in text
    if out is not None:
        files = [p for p in out.rglob("*") if p.is_file()]
        assert files  # the run did write something
        leaked = [str(p) for p in files if any(n in p.read_bytes() for n in NEEDLES)]
        assert leaked == []


WAYS = {
    "token file, -v": (["--bearer-token-file", "{file}"], {}, ("-v",)),
    "env token, --debug": ([], {"P95KIT_BEARER_TOKEN": TOKEN}, ("--debug",)),
    "--header, -vv": (["--header", f"Authorization: Bearer {TOKEN}"], {}, ("-vv",)),
    "env headers, -v": (
        [],
        {"P95KIT_HEADERS": f"X-Scope-OrgID: team-a; Authorization: Bearer {TOKEN}"},
        ("-v",),
    ),
}


@pytest.mark.kernel
@pytest.mark.parametrize("way", WAYS)
def test_token_never_written_or_printed_by_a_report(guard, token_file, tmp_path, way, cli):
    args, env, flags = WAYS[way]
    args = [a.replace("{file}", str(token_file)) for a in args]
    out = tmp_path / "out"
    result = cli.report(
        guard.url, out, *args, duration="1h", flags=flags, env=env, catch_exceptions=True
    )
    assert result.exit_code == 0, result.stderr
    assert (out / "latest" / "report.html").is_file()
    assert_no_leak(result, out)
    if "-v" in flags or "-vv" in flags:
        assert "p95kit: report: " in result.stderr  # -v did print something


@pytest.mark.kernel
@pytest.mark.parametrize("flags", [(), ("-v",), ("--debug",)])
def test_token_not_in_an_authentication_failure(prom, tmp_path, flags, cli):
    with Proxy(prom.url, require={"Authorization": "Bearer another-token"}) as proxy:
        out = tmp_path / "out"
        env = {"P95KIT_BEARER_TOKEN": TOKEN}
        result = cli.report(
            proxy.url, out, duration="1h", flags=flags, env=env, catch_exceptions=True
        )
        query = cli(
            *flags,
            "query",
            "p95",
            "--prometheus-url",
            proxy.url,
            "--bearer-token-file",
            str(_token_file(tmp_path)),
            catch_exceptions=True,
        )
    for outcome in (result, query):
        if "--debug" in flags:
            assert isinstance(outcome.exception, PrometheusAuthError)
        else:
            assert outcome.exit_code == 3 and "authentication failed: 401" in outcome.stderr
        assert_no_leak(outcome)
    assert_no_leak(result, out)  # the .failed run's run.json and the index


@pytest.mark.kernel
def test_token_not_in_a_failing_notebook_even_one_that_dumps_its_environment(guard, tmp_path, cli):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    dump = "import os\nprint(dict(os.environ))\nraise RuntimeError(str(sorted(os.environ)))"
    notebook.cells.insert(2, nbformat.v4.new_code_cell(dump))
    path = tmp_path / "nosy.ipynb"
    nbformat.write(notebook, path)
    out = tmp_path / "out"
    env = {"P95KIT_BEARER_TOKEN": TOKEN, "P95KIT_HEADERS": f"X-Token: {TOKEN}"}
    env |= {"P95KIT_SMTP_USER": "reports", "P95KIT_SMTP_PASSWORD": TOKEN}  # the mail's too
    for flags in ((), ("--debug",)):
        result = cli.report(
            guard.url,
            out,
            "--notebook",
            str(path),
            duration="1h",
            flags=flags,
            env=env,
            catch_exceptions=True,
        )
        assert result.exit_code == 1 or isinstance(result.exception, p95kit.ReportError)
        assert_no_leak(result, out)
    failed = next(out.glob("*.failed"))
    executed = (failed / "report.ipynb").read_text(encoding="utf-8")
    assert "P95KIT_BEARER_TOKEN" not in executed and "P95KIT_SMTP_PASSWORD" not in executed


def test_token_not_in_library_errors_or_reprs(prom):
    with Proxy(prom.url, require={"Authorization": "Bearer another-token"}) as proxy:
        client = Prometheus(proxy.url, bearer_token=TOKEN, headers={"X-Scope-OrgID": TOKEN})
        with pytest.raises(PrometheusAuthError) as info:
            p95kit.p95(client=client, at=dataset.END)
    error = info.value
    texts = [
        str(error),
        repr(error),
        repr(error.details),
        str(error_payload(error)),
        repr(client),
        client.safe_url,
        "".join(traceback.format_exception(error)),
    ]
    assert not [t for t in texts if TOKEN in t]


@pytest.mark.parametrize(
    "header", [f"Authorization: Bearer {TOKEN}\rX", f"Authorization: Bearer {TOKEN}€"]
)
def test_a_header_requests_would_refuse_is_invalid_without_showing_it(header, tmp_path, cli):
    result = cli(
        "--debug",
        "query",
        "p95",
        "--prometheus-url",
        "http://127.0.0.1:9",
        "--header",
        header,
        catch_exceptions=True,
    )
    assert isinstance(result.exception, p95kit.InvalidParameterError)
    assert "Authorization header" in str(result.exception)
    assert_no_leak(result)


def _token_file(folder: Path) -> Path:
    path = folder / "token"
    path.write_text(TOKEN, encoding="utf-8")
    return path
