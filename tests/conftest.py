"""Shared fixtures, and the markers that say what a test needs.

- ``prom``, ``native_prom``, ``servers``: real Prometheus servers with known answers
  (tests/support/); ``victoria_metrics`` and ``servers_victoria_metrics``: a real
  VictoriaMetrics holding the same data as ``prom`` and ``servers``.
- ``backend``, ``servers_backend``: the tests that check answers take these instead, and
  run once on each (``[prometheus]``, ``[victoriametrics]``): the same expected numbers.
- ``cli``: ``p95kit`` in this process (click's CliRunner; stdout and stderr apart);
  ``cli_process``: ``p95kit`` as a process in a scrubbed, cron-like environment.
- ``published_report``: the ``--out`` folder of one finished report on ``prom``.
- ``no_connection_env``: no P95KIT_* connection variables from this machine;
  ``no_retry_waits``: retries without the backoff.

Markers (registered in pyproject.toml): ``prometheus`` and ``kernel`` come by themselves
with the ``prometheus_binaries`` and ``jupyter_kernel`` fixtures, which every fixture that
starts a Prometheus or runs a kernel depends on (``prometheus`` also with
``victoria_metrics_binary``: any real server that answers the Prometheus API; those tests,
and the ``[victoriametrics]`` half of a ``backend`` test, are also ``victoriametrics``: the
VictoriaMetrics lane, ``pytest -m victoriametrics``); a test that does either itself carries
the marker, as ``browser`` and ``slow`` tests do. A test without ``prometheus`` finds no
Prometheus binary and one without ``kernel`` finds a ``python3`` kernelspec that cannot
start, so a missing marker fails the test in every run rather than slipping into the fast
lane: ``pytest -m "not prometheus and not kernel and not browser"``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from p95kit.demo.local_prometheus import LocalPrometheus
from tests.support import dataset, victoriametrics
from tests.support.cli import Cli, CliProcess
from tests.support.smallprom import NOT_MARKED, require_prometheus

#: What a test needs, as markers, from the fixture that provides it.
NEEDS = {
    "prometheus_binaries": ("prometheus",),
    "jupyter_kernel": ("kernel",),
    "victoria_metrics_binary": ("prometheus", "victoriametrics"),
    "backend": ("prometheus",),
    "servers_backend": ("prometheus",),
}
#: The servers the answer tests run on (the ``backend`` fixtures' parameters).
BACKENDS = ("prometheus", "victoriametrics")
#: The variables that say which Prometheus to ask and how (README, Configuration).
CONNECTION_ENV = (
    "P95KIT_PROMETHEUS_URL",
    "P95KIT_BEARER_TOKEN",
    "P95KIT_BEARER_TOKEN_FILE",
    "P95KIT_BASIC_AUTH_FILE",
    "P95KIT_HEADERS",
    "P95KIT_TIMEOUT",
)
#: The program of the kernelspec a test not marked ``kernel`` finds (it does not exist).
NO_KERNEL = "/nonexistent/mark-the-test-kernel/python"


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, markers in NEEDS.items():
            if fixture in getattr(item, "fixturenames", ()):
                for marker in markers:
                    item.add_marker(marker)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "victoriametrics" in callspec.params.values():
            item.add_marker("victoriametrics")


@pytest.fixture(scope="session")
def prometheus_binaries() -> tuple[str, str]:
    """``(prometheus, promtool)``; skips the test when they are missing, fails under CI.
    Every fixture that starts a Prometheus depends on it (its tests are ``prometheus``)."""
    return require_prometheus()


@pytest.fixture(scope="session")
def jupyter_kernel() -> list[str]:
    """The command line of the ``python3`` kernel reports run (it must be this Python).
    Every fixture that runs a report or a notebook depends on it (its tests are ``kernel``)."""
    from p95kit.report.kernel import check_kernel, prepare_environment

    prepare_environment()
    return check_kernel()


@pytest.fixture(scope="session")
def _kernelspec_that_cannot_start(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("no-kernel")
    spec = folder / "kernels" / "python3" / "kernel.json"
    spec.parent.mkdir(parents=True)
    argv = [NO_KERNEL, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.write_text(json.dumps({"argv": argv, "display_name": "no kernel", "language": "python"}))
    return folder


@pytest.fixture(autouse=True)
def _needs_are_declared(request, monkeypatch, _kernelspec_that_cannot_start: Path) -> None:
    """Hide Prometheus from a test not marked ``prometheus`` and the kernel from one not
    marked ``kernel`` (JUPYTER_PATH is searched before every other kernelspec folder)."""
    if request.node.get_closest_marker("prometheus") is None:
        monkeypatch.setenv("P95KIT_PROMETHEUS_BIN", NOT_MARKED)
        monkeypatch.setenv("P95KIT_PROMTOOL_BIN", NOT_MARKED)
        for variable in victoriametrics.BINARIES.values():
            monkeypatch.setenv(variable, victoriametrics.NOT_MARKED)
    if request.node.get_closest_marker("kernel") is None:
        monkeypatch.setenv("JUPYTER_PATH", str(_kernelspec_that_cannot_start))


@pytest.fixture(autouse=True)
def _p95kit_logger_as_the_library_leaves_it() -> None:
    """Start every test with the ``p95kit`` logger unconfigured, as importing p95kit leaves it.

    The ``p95kit`` command sets that logger's level, handler and propagation for its run
    (``report`` without ``-v`` raises the level to ERROR); run in this process by the ``cli``
    fixture, it would otherwise decide what a later test's ``caplog`` sees, by test order.
    pytest's own capture handlers stay."""
    log = logging.getLogger("p95kit")
    log.setLevel(logging.NOTSET)
    log.propagate = True
    for handler in list(log.handlers):
        if not type(handler).__module__.startswith("_pytest."):
            log.removeHandler(handler)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Say which marker a test that failed for want of one lacks."""
    outcome = yield
    report = outcome.get_result()
    text = str(report.longrepr) if report.failed else ""
    if "apt-get install prometheus" in text and item.get_closest_marker("prometheus") is None:
        report.sections.append(("needs", "it starts a Prometheus: mark it prometheus"))
    if "apt-get install victoria-metrics" in text and item.get_closest_marker("prometheus") is None:
        report.sections.append(("needs", "it starts a VictoriaMetrics: mark it prometheus"))
    if NO_KERNEL in text:
        report.sections.append(("needs", "it runs a Jupyter kernel: mark it kernel"))


@pytest.fixture(scope="session")
def prom(prometheus_binaries, tmp_path_factory) -> Iterator[LocalPrometheus]:
    """A LocalPrometheus with tests/support/dataset.py backfilled: ``prom.url``, ``prom.timings``.

    Skipped when prometheus/promtool are missing, except under CI (env ``CI`` set): fails.
    """
    workdir = tmp_path_factory.mktemp("prometheus")
    began = time.monotonic()
    path = dataset.build(workdir / "dataset.om")
    server = LocalPrometheus(path, workdir)
    server.timings["write"] = time.monotonic() - began
    with server:
        path.unlink()  # ~66 MB; dataset.build() writes it again when needed
        yield server


@pytest.fixture(scope="session")
def native_prom(prometheus_binaries, tmp_path_factory) -> Iterator:
    """A LocalPrometheus with native histograms and the remote-write receiver enabled,
    holding tests/support/remote_write.py's dataset (native histograms, a summary) pushed up to
    the current minute: a ``remote_write.Pushed`` with ``url`` and ``end``. Skipped or
    failed like ``prom``."""
    from tests.support import remote_write  # needs cramjam (snappy), a test extra

    flags = ["--enable-feature=native-histograms", "--web.enable-remote-write-receiver"]
    server = LocalPrometheus(None, tmp_path_factory.mktemp("native"), extra_args=flags)
    end = int(time.time()) // 60 * 60
    with server:
        remote_write.push(server.url, remote_write.dataset_request(end))
        yield remote_write.Pushed(server.url, end)


@pytest.fixture(scope="session")
def servers(prometheus_binaries, tmp_path_factory) -> Iterator[LocalPrometheus]:
    """A LocalPrometheus serving tests/support/servers_dataset.py (the model servers'
    metrics, 3 h up to ``servers_dataset.END``)."""
    from tests.support import servers_dataset

    workdir = tmp_path_factory.mktemp("servers")
    with LocalPrometheus(servers_dataset.build(workdir / "servers.om"), workdir) as server:
        yield server


@pytest.fixture(scope="session")
def victoria_metrics_binary() -> str:
    """The ``victoria-metrics`` binary; skips (fails under CI) like ``prometheus_binaries``.
    Every fixture that starts a VictoriaMetrics depends on it (``prometheus``,
    ``victoriametrics``)."""
    return victoriametrics.require()


@pytest.fixture(scope="session")
def victoria_metrics(victoria_metrics_binary, tmp_path_factory) -> Iterator:
    """A LocalVictoriaMetrics (tests/support/victoriametrics.py) holding exactly ``prom``'s
    data (tests/support/dataset.py): ``.url``, ``.series``."""
    workdir = tmp_path_factory.mktemp("victoria-metrics")
    with victoriametrics.LocalVictoriaMetrics(workdir) as server:
        path = dataset.build(workdir / "dataset.om")
        server.series = server.load(path)
        path.unlink()
        yield server


@pytest.fixture(scope="session")
def servers_victoria_metrics(victoria_metrics_binary, tmp_path_factory) -> Iterator:
    """A LocalVictoriaMetrics holding ``servers``' data (tests/support/servers_dataset.py)."""
    from tests.support import servers_dataset

    workdir = tmp_path_factory.mktemp("servers-victoria-metrics")
    with victoriametrics.LocalVictoriaMetrics(workdir) as server:
        server.series = server.load(servers_dataset.build(workdir / "servers.om"))
        yield server


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The known-answer dataset's server, once ``prom`` and once ``victoria_metrics``: the
    answer tests take it, so each of their expectations holds on both (``.url``)."""
    return request.getfixturevalue("prom" if request.param == "prometheus" else "victoria_metrics")


@pytest.fixture(params=BACKENDS)
def servers_backend(request):
    """The model servers' data, once on ``servers`` and once on ``servers_victoria_metrics``."""
    return request.getfixturevalue(
        "servers" if request.param == "prometheus" else "servers_victoria_metrics"
    )


@pytest.fixture
def no_connection_env(monkeypatch) -> None:
    """No Prometheus URL, credentials, headers or timeout from this machine's environment."""
    for name in CONNECTION_ENV:
        monkeypatch.delenv(name, raising=False)


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
def published_report(prom, jupyter_kernel, cli: Cli, tmp_path_factory) -> Path:
    """The ``--out`` folder of one successful, silent ``p95kit report`` on ``prom``: 24 h
    ending at ``dataset.END``, ``--slo-ms 500``; ``latest`` points at its snapshot.

    Shared by every test that only reads a report: never write into it (copy it first).
    """
    out = tmp_path_factory.mktemp("published")
    result = cli.report(prom.url, out, "--duration", "24h", "--slo-ms", "500")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""  # silent on success, for cron
    return out
