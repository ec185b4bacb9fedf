"""A small, dedicated LocalPrometheus for tests that must not touch the shared ``prom`` fixture
(one they kill, or one whose model names are hostile)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from p95kit.demo.local_prometheus import (
    LocalPrometheus,
    OpenMetricsWriter,
    PrometheusNotInstalledError,
    find_binaries,
)
from tests.support import dataset

HOURS = 3  # enough for a 1h report and the hour before it
BOUNDS = dataset.SECONDS_BOUNDS


#: Where a test not marked ``prometheus`` finds its binaries (tests/conftest.py): nowhere.
NOT_MARKED = "/nonexistent/mark-the-test-prometheus"


def require_prometheus() -> tuple[str, str]:
    """``(prometheus, promtool)``. Skip the test when they are missing; fail instead under CI
    (``CI`` set), where .ci/run installs them and a skip would hide a broken set-up, and in
    a test not marked ``prometheus`` (tests/conftest.py hides the binaries from it)."""
    if os.environ.get("P95KIT_PROMETHEUS_BIN") == NOT_MARKED:
        pytest.fail("this test starts a Prometheus: mark it prometheus", pytrace=False)
    try:
        return find_binaries()
    except PrometheusNotInstalledError as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))


def start(
    workdir: Path,
    models: Mapping[str, Sequence[int] | tuple[Sequence[int], Sequence[int]]],
) -> LocalPrometheus:
    """Serve ``request_duration_seconds`` for ``models`` over the 3 h before ``dataset.END``.

    Each model maps to per-step counts (one per bound in ``BOUNDS`` plus the overflow), or
    to ``(before, after)`` counts that change one hour before the end (a regression).
    """
    require_prometheus()
    workdir.mkdir(parents=True, exist_ok=True)
    writer = OpenMetricsWriter()
    start_at, change = dataset.END - HOURS * 3600, dataset.END - 3600
    for name, counts in models.items():
        if isinstance(counts, tuple):
            before, after = counts

            def increments(t, before=before, after=after):
                return after if t > change else before
        else:
            increments = counts
        labels = {"model": name, "env": "prod"}
        writer.add_histogram(
            dataset.REQUEST_METRIC, labels, BOUNDS, increments, start_at, dataset.END, 60
        )
    path = writer.write(workdir / "small.om")
    return LocalPrometheus(path, workdir).start()


def scrape_config(job: str, target: str) -> str:
    """A prometheus.yml that scrapes ``target`` (``host:port``) every second as ``job``."""
    return (
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"scrape_configs: [{{job_name: {job}, static_configs: [{{targets: ['{target}']}}]}}]\n"
    )
