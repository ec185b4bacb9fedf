"""Shared fixtures. ``prom``: a real Prometheus serving the known-answer dataset (dataset.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import dataset
import pytest

from p95kit.localprom import LocalPrometheus, PrometheusNotInstalledError, find_binaries


@pytest.fixture(scope="session")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPrometheus]:
    """A LocalPrometheus with tests/dataset.py backfilled: ``prom.url``, ``prom.timings``.

    Skipped when prometheus/promtool are missing, except under CI (env ``CI`` set): fails.
    """
    missing = ""
    try:
        find_binaries()
    except PrometheusNotInstalledError as exc:
        missing = str(exc)
    if missing and os.environ.get("CI"):
        pytest.fail(missing, pytrace=False)
    if missing:
        pytest.skip(missing)
    workdir = tmp_path_factory.mktemp("prometheus")
    began = time.monotonic()
    path = dataset.build(workdir / "dataset.om")
    server = LocalPrometheus(path, workdir)
    server.timings["write"] = time.monotonic() - began
    with server:
        path.unlink()  # ~66 MB; dataset.build() writes it again when needed
        yield server
