"""Shared fixtures.

- ``prom``, ``native_prom``: real Prometheus servers with known answers (tests/support/).
- ``cli``: ``p95kit`` in this process (click's CliRunner; stdout and stderr apart);
  ``cli_process``: ``p95kit`` as a process in a scrubbed, cron-like environment.
- ``published_report``: the ``--out`` folder of one finished report on ``prom``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from p95kit.demo.local_prometheus import LocalPrometheus
from tests.support import dataset
from tests.support.cli import Cli, CliProcess
from tests.support.smallprom import require_prometheus


@pytest.fixture(scope="session")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPrometheus]:
    """A LocalPrometheus with tests/support/dataset.py backfilled: ``prom.url``, ``prom.timings``.

    Skipped when prometheus/promtool are missing, except under CI (env ``CI`` set): fails.
    """
    require_prometheus()
    workdir = tmp_path_factory.mktemp("prometheus")
    began = time.monotonic()
    path = dataset.build(workdir / "dataset.om")
    server = LocalPrometheus(path, workdir)
    server.timings["write"] = time.monotonic() - began
    with server:
        path.unlink()  # ~66 MB; dataset.build() writes it again when needed
        yield server


@pytest.fixture(scope="session")
def native_prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A LocalPrometheus with native histograms and the remote-write receiver enabled,
    holding tests/support/remote_write.py's dataset (native histograms, a summary) pushed up to
    the current minute: a ``remote_write.Pushed`` with ``url`` and ``end``. Skipped or
    failed like ``prom``."""
    from tests.support import remote_write  # needs cramjam (snappy), a test extra

    require_prometheus()
    flags = ["--enable-feature=native-histograms", "--web.enable-remote-write-receiver"]
    server = LocalPrometheus(None, tmp_path_factory.mktemp("native"), extra_args=flags)
    end = int(time.time()) // 60 * 60
    with server:
        remote_write.push(server.url, remote_write.dataset_request(end))
        yield remote_write.Pushed(server.url, end)


@pytest.fixture
def no_retry_waits(monkeypatch):
    """Retries without the real backoff (0.5, 1, 2 s), for tests about the final outcome."""
    monkeypatch.setattr("p95kit.prometheus.client._sleep", lambda seconds: None)


@pytest.fixture(scope="session")
def cli() -> Cli:
    """``cli("query", "p95", ...)`` or ``cli.report(url, out, ...)``: click's Result
    (tests/support/cli.py)."""
    return Cli()


@pytest.fixture(scope="session")
def cli_process() -> CliProcess:
    """``cli_process.run(...)`` / ``.start(...)``: the console script in a scrubbed
    environment (tests/support/cli.py)."""
    return CliProcess()


@pytest.fixture(scope="session")
def published_report(prom, cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``--out`` folder of one successful, silent ``p95kit report`` on ``prom``: 24 h
    ending at ``dataset.END``, ``--slo-ms 500``; ``latest`` points at its snapshot.

    Shared by every test that only reads a report: never write into it (copy it first).
    """
    out = tmp_path_factory.mktemp("published")
    result = cli.report(prom.url, out, "--duration", "24h", "--slo-ms", "500")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # silent on success, for cron
    return out
