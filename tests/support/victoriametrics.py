"""A real VictoriaMetrics (Debian's ``victoria-metrics``, single node) on 127.0.0.1, loaded
with the same OpenMetrics files the test Prometheus servers backfill, and vmauth in front.

``with LocalVictoriaMetrics(workdir) as vm: vm.load(path); vm.url``. The data goes in
through ``/api/v1/import/prometheus`` (Prometheus text format: timestamps in
milliseconds, so each line's seconds are multiplied by 1000 on the way), then
``/internal/force_flush``; :meth:`LocalVictoriaMetrics.load` returns once queries count
every series of the file, and every series' last sample (observable states, never a
fixed wait). VictoriaMetrics 1.79.5 sometimes keeps a series' last sample out of the
answers that end at it (see :meth:`LocalVictoriaMetrics.load`); ``load`` then imports the
file again into an empty data directory.

Flags: ``-retentionPeriod=100y`` (the data is dated 2026-11 and must never age out),
``-search.disableCache`` (no response cache that could keep an answer computed while
the import was landing). ``path_prefix`` serves every path under it
(``-http.pathPrefix``): ``/select/0/prometheus`` gives the cluster URL form
(``http://vmselect/select/<tenant>/prometheus``) from a single node. ``extra_args``: the
limits a test sets (``-search.maxSamplesPerQuery=...``).

:class:`VmAuth` is vmauth (same package), a real authenticating proxy: one bearer token,
forwarded to ``upstream``; :meth:`VmAuth.rotate` rewrites its config and reloads it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import requests

from p95kit.demo.local_prometheus import free_port
from p95kit.processes import die_with_parent

BINARIES = {"victoria-metrics": "P95KIT_VICTORIA_METRICS_BIN", "vmauth": "P95KIT_VMAUTH_BIN"}
#: Where a test not marked ``prometheus`` finds the binaries (tests/conftest.py): nowhere.
NOT_MARKED = "/nonexistent/mark-the-test-prometheus"
_IMPORT_BATCH = 4 << 20  # bytes per import request


#: How far VictoriaMetrics' own ``histogram_quantile`` may be from Prometheus's (relative):
#: it interpolates ``lePrev + (le - lePrev) * (vReq - vPrev) / (v - vPrev)``, Prometheus
#: ``start + (end - start) * (rank / count)``; the same number but for the last bits.
QUANTILE_NOISE = 1e-12


def quantile_noise(server: object) -> float:
    """The relative tolerance between ``server``'s ``histogram_quantile`` answers and
    Prometheus's arithmetic (p95kit's ``linear``): 0 for Prometheus itself."""
    return QUANTILE_NOISE if isinstance(server, LocalVictoriaMetrics) else 0.0


def find(name: str) -> str | None:
    """The path of ``victoria-metrics`` or ``vmauth``: ``P95KIT_*_BIN``, else PATH, /usr/bin."""
    override = os.environ.get(BINARIES[name])
    for path in [override] if override else [shutil.which(name), f"/usr/bin/{name}"]:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def require(name: str = "victoria-metrics") -> str:
    """The binary's path. Skip the test when it is missing; fail under CI (``CI`` set), where
    scripts/setup installs it, and in a test not marked ``prometheus``."""
    if os.environ.get(BINARIES[name]) == NOT_MARKED:
        pytest.fail("this test starts a VictoriaMetrics: mark it prometheus", pytrace=False)
    path = find(name)
    if path is None:
        message = f"{name} not found: run `apt-get install victoria-metrics` (Debian/Ubuntu)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


class _Process:
    """A loopback server process with a log file, started on a free port, stopped by PID."""

    name = ""
    health = "/health"

    def __init__(self, workdir: Path, extra_args: Sequence[str] = (), path_prefix: str = ""):
        self.workdir, self.extra_args = Path(workdir), tuple(extra_args)
        self.path_prefix = path_prefix.rstrip("/")
        self.log_path = self.workdir / f"{self.name}.log"
        self.root, self.url = "", ""
        self.series = 0  # set by load()
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def arguments(self, port: int) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 30):
        self.workdir.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        for _ in range(3):  # another process may take the free port first
            port = free_port()
            self.root = f"http://127.0.0.1:{port}{self.path_prefix}"
            self.url = self.root
            with self.log_path.open("ab") as log:
                self._proc = subprocess.Popen(
                    [require(self.name), *self.arguments(port), *self.extra_args],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=die_with_parent(),
                )
            while self._proc.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(self.root + self.health, timeout=1).status_code == 200:
                        return self
                time.sleep(0.05)
            self.stop()
            if b"address already in use" not in self.log_path.read_bytes():
                break
        tail = "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-20:])
        raise RuntimeError(f"{self.name} did not become healthy; {self.log_path} ends:\n{tail}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            proc.kill()
            proc.wait()


#: How many times :meth:`LocalVictoriaMetrics.load` imports a file into an empty data
#: directory before it gives up on a series' last sample ever showing.
IMPORTS = 4


class LocalVictoriaMetrics(_Process):
    """VictoriaMetrics single node on 127.0.0.1 (see the module docstring)."""

    name = "victoria-metrics"

    def arguments(self, port: int) -> list[str]:
        args = [
            f"-storageDataPath={self.workdir / 'data'}",
            f"-httpListenAddr=127.0.0.1:{port}",
            "-retentionPeriod=100y",
            "-search.disableCache",
            "-loggerLevel=WARN",
        ]
        return [*args, f"-http.pathPrefix={self.path_prefix}"] if self.path_prefix else args

    def load(self, openmetrics_file: Path, timeout: float = 120) -> int:
        """Import ``openmetrics_file`` (as written for promtool: seconds, ``# EOF``) and wait
        until every series in it can be queried, up to its last sample; return the number
        of series.

        VictoriaMetrics 1.79.5 sometimes (about one import in ten on a busy machine) stores
        one series so that a query whose time range ends exactly at the series' last sample,
        and starts before it, does not return that sample (the data sets end at a UTC
        midnight; a range ending a second later returns it, ``/api/v1/export`` too). A
        restart seldom helps, a force_flush or force_merge never: every answer at that time
        over the series is then off by a sample (``histogram_quantile`` answered 700 ms for
        buckets that end at 50 ms). ``load`` then imports the file again into an empty data
        directory, until every series shows its last sample."""
        for _ in range(IMPORTS):
            last, count = self._import(openmetrics_file, timeout)
            if self.series_count(last, "1s") == count:
                return count
            self.stop()
            shutil.rmtree(self.workdir / "data")
            self.start()
        raise AssertionError(
            f"VictoriaMetrics hid a series' last sample after each of {IMPORTS} imports; "
            f"see {self.log_path}"
        )

    def _import(self, openmetrics_file: Path, timeout: float) -> tuple[int, int]:
        """Import the file and wait until a query counts every series in it; return the
        file's last time (unix s) and its number of series."""
        series: set[str] = set()
        last = 0
        for batch in _prometheus_text(openmetrics_file, series):
            answer = requests.post(f"{self.root}/api/v1/import/prometheus", data=batch, timeout=60)
            answer.raise_for_status()
            last = max(last, int(batch.rsplit(b" ", 1)[1]) // 1000)
        requests.get(f"{self.root}/internal/force_flush", timeout=30).raise_for_status()
        deadline = time.monotonic() + timeout
        while self.series_count(last) < len(series):
            if time.monotonic() > deadline:
                raise AssertionError(f"VictoriaMetrics never showed the {len(series)} series")
            time.sleep(0.1)  # a poll interval, not a wait for an assumed state
        return last, len(series)

    def series_count(self, at: float, window: str = "1h") -> int:
        """How many series have a sample in the ``window`` before ``at`` (the files' series
        all end at the same time; an hour keeps the probe under a test's sample limits, a
        second counts the series whose last sample, at ``at``, can be read)."""
        selector = f'{{__name__=~".+"}}[{window}]'
        form = {"query": f"count(last_over_time({selector}))", "time": str(at)}
        answer = requests.post(f"{self.root}/api/v1/query", data=form, timeout=30).json()
        if answer.get("status") != "success":
            raise AssertionError(f"VictoriaMetrics refused the series count: {answer}")
        result = answer["data"]["result"]
        return int(float(result[0]["value"][1])) if result else 0


def _prometheus_text(path: Path, series: set[str]) -> Iterator[bytes]:
    """The file's samples as Prometheus text lines with millisecond timestamps, in batches of
    whole lines; ``series`` collects each series' name and labels."""
    batch: list[str] = []
    size = 0
    with Path(path).open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            head, seconds = line.rstrip("\n").rsplit(" ", 1)
            series.add(head.rsplit(" ", 1)[0])
            text = f"{head} {seconds}000\n"
            batch.append(text)
            size += len(text)
            if size >= _IMPORT_BATCH:
                yield "".join(batch).encode()
                batch, size = [], 0
    if batch:
        yield "".join(batch).encode()


class VmAuth(_Process):
    """vmauth on 127.0.0.1: requests with ``Authorization: Bearer <token>`` go to
    ``upstream`` (the request path appended), anything else is refused with 401."""

    name = "vmauth"
    health = "/health"

    def __init__(self, workdir: Path, upstream: str, token: str) -> None:
        super().__init__(workdir)
        self.upstream, self.token = upstream, token
        self.config = self.workdir / "vmauth.yml"

    def arguments(self, port: int) -> list[str]:
        self._write_config()
        return [f"-auth.config={self.config}", f"-httpListenAddr=127.0.0.1:{port}"]

    def rotate(self, token: str) -> None:
        """Accept ``token`` instead of the current one (config rewritten, then SIGHUP)."""
        self.token = token
        self._write_config()
        assert self._proc is not None
        os.kill(self._proc.pid, signal.SIGHUP)
        deadline = time.monotonic() + 30
        while not self._accepts(token):
            if time.monotonic() > deadline:
                raise AssertionError("vmauth did not load the rotated token")
            time.sleep(0.05)

    def _accepts(self, token: str) -> bool:
        """vmauth forwards a request with ``token`` (whatever the upstream answers)."""
        headers = {"Authorization": f"Bearer {token}"}
        answer = requests.get(self.root + "/api/v1/status/buildinfo", headers=headers, timeout=5)
        return answer.status_code != 401 and "auth token" not in answer.text

    def _write_config(self) -> None:
        text = f'users:\n- bearer_token: "{self.token}"\n  url_prefix: "{self.upstream}"\n'
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config.write_text(text, encoding="utf-8")
