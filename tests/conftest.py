"""Shared fixtures. ``prom``: a real Prometheus serving the known-answer dataset (dataset.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from p95kit.demo.local_prometheus import LocalPrometheus
from tests.support import dataset
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
