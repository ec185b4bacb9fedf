"""A throw-away local Prometheus serving exactly known, backfilled data.

:class:`OpenMetricsWriter` writes histograms and summaries as OpenMetrics text, ``promtool tsdb
create-blocks-from openmetrics`` backfills it and :class:`LocalPrometheus` serves it on 127.0.0.1.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import accumulate
from pathlib import Path

from p95kit.errors import LocalPrometheusError, PrometheusNotInstalledError
from p95kit.processes import die_with_parent

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n"})  # OpenMetrics label values


def find_binaries() -> tuple[str, str]:
    """Paths of ``prometheus`` and ``promtool``: ``P95KIT_*_BIN`` env, else PATH, /usr/bin."""
    found: dict[str, str] = {}
    for name in ("prometheus", "promtool"):
        override = os.environ.get(f"P95KIT_{name.upper()}_BIN")
        for path in [override] if override else [shutil.which(name), f"/usr/bin/{name}"]:
            if path and os.path.isfile(path) and os.access(path, os.X_OK):
                found.setdefault(name, path)
    missing = [name for name in ("prometheus", "promtool") if name not in found]
    if missing:
        raise PrometheusNotInstalledError(
            f"{' and '.join(missing)} not found: run `apt-get install prometheus` (Debian/Ubuntu; "
            "brings promtool) or put both binaries of the official release tarball from "
            "https://prometheus.io/download/ on PATH (or set P95KIT_PROMETHEUS_BIN and "
            "P95KIT_PROMTOOL_BIN).",
            missing=missing,
        )
    return found["prometheus"], found["promtool"]


class OpenMetricsWriter:
    """Build an OpenMetrics file for ``promtool tsdb create-blocks-from openmetrics``.

    Samples are at ``start, start + step, ..., end`` (integer Unix seconds). Families are
    written contiguously after a ``# TYPE`` line, series in time order, then ``# EOF``.
    ``le`` and ``quantile`` values are ``str(x)``: ``5`` for ints, ``5.0`` for floats.
    """

    def __init__(self) -> None:
        """Create an empty writer."""
        self._families: dict[str, tuple[str, list[str]]] = {}
        self._seen: set[tuple[str, frozenset[tuple[str, str]]]] = set()

    def add_histogram(
        self,
        metric: str,
        labels: Mapping[str, str],
        bounds: Sequence[float],
        increments: Sequence[int] | Callable[[int], Sequence[int]],
        start: int,
        end: int,
        step: int,
        initial_steps: int = 1000,
    ) -> None:
        """Add a classic histogram: cumulative ``_bucket``s (``+Inf`` = ``_count``), ``_sum``.

        ``increments`` (a list, or a callable of t) gives NON-cumulative counts observed in
        ``(t - step, t]``, one per finite bound plus the ``+Inf`` overflow. Bucket i starts at
        ``initial_steps * max(first count i, 1)``: rate() never clamps at zero. An observation
        adds its bucket's middle to ``_sum`` (``(0, b0]`` is the lowest; +Inf adds the top bound).
        """
        lbl, times = self._register(metric, "histogram", labels, "le", start, end, step)
        mids = [(lo + hi) / 2 for lo, hi in zip([0, *bounds], bounds)] + [float(bounds[-1])]
        rows = [
            [int(c) for c in (increments(t) if callable(increments) else increments)] for t in times
        ]
        if any(len(row) != len(mids) or min(row) < 0 for row in rows):
            raise ValueError(f"{metric}: increments must be {len(mids)} counts >= 0 per step")
        rows[0] = [initial_steps * max(c, 1) for c in rows[0]]
        per_bucket = [list(accumulate(col)) for col in zip(*rows)]
        cols = list(accumulate(per_bucket, lambda a, b: [x + y for x, y in zip(a, b)]))
        sums = accumulate(sum(c * m for c, m in zip(row, mids)) for row in rows)
        head = f"{metric}_bucket{{{lbl}{',' if lbl else ''}le="
        les = [*map(str, bounds), "+Inf"]
        chunks = [_series(f'{head}"{le}"}} ', col, times) for le, col in zip(les, cols)]
        chunks.append(_series(f"{metric}_count{{{lbl}}} ", cols[-1], times))
        chunks.append(_series(f"{metric}_sum{{{lbl}}} ", sums, times))
        self._families[metric][1].extend(chunks)

    def add_summary(
        self,
        metric: str,
        labels: Mapping[str, str],
        quantiles: Mapping[float, float],
        count_per_step: int,
        start: int,
        end: int,
        step: int,
        initial_steps: int = 1000,
    ) -> None:
        """Add a summary: constant ``metric{quantile="q"}`` gauges, ``_count`` and ``_sum``.

        ``_count`` grows by ``count_per_step`` per step from ``initial_steps`` steps' worth;
        ``_sum`` is ``_count`` times the value of the quantile nearest to 0.5."""
        lbl, times = self._register(metric, "summary", labels, "quantile", start, end, step)
        head = f"{metric}{{{lbl}{',' if lbl else ''}quantile="
        chunks = [
            _series(f'{head}"{q}"}} ', [v] * len(times), times)
            for q, v in sorted(quantiles.items())
        ]
        median = quantiles[min(quantiles, key=lambda q: abs(q - 0.5))]
        counts = [count_per_step * (initial_steps + k) for k in range(len(times))]
        chunks.append(_series(f"{metric}_count{{{lbl}}} ", counts, times))
        chunks.append(_series(f"{metric}_sum{{{lbl}}} ", [c * median for c in counts], times))
        self._families[metric][1].extend(chunks)

    def write(self, path: Path | str) -> Path:
        """Write the file (UTF-8, ``\\n`` line ends, ending in ``# EOF``); return its path."""
        with Path(path).open("w", encoding="utf-8", newline="\n") as out:
            for name, (kind, chunks) in self._families.items():
                out.write(f"# TYPE {name} {kind}\n")
                out.writelines(chunks)
            out.write("# EOF\n")
        return Path(path)

    def _register(
        self,
        metric: str,
        kind: str,
        labels: Mapping[str, str],
        reserved: str,
        start: int,
        end: int,
        step: int,
    ) -> tuple[str, range]:
        """Validate a new series set, record its family; return its labels and timestamps."""
        if not all(isinstance(v, int) for v in (start, end, step)) or not (
            step > 0 and start <= end < 10**11
        ):
            raise ValueError("need int Unix seconds (not ms) with step > 0 and start <= end")
        bad = [n for n in labels if not _LABEL.match(n) or n in (reserved, "__name__")]
        if not _NAME.match(metric) or bad:
            raise ValueError(f"invalid metric name {metric!r} or label names {bad}")
        key = (metric, frozenset(labels.items()))
        kind_before = self._families.setdefault(metric, (kind, []))[0]
        if kind_before != kind or key in self._seen:
            raise ValueError(f"{metric} {dict(labels)!r} clashes with an earlier {kind_before}")
        self._seen.add(key)
        pairs = ",".join(f'{k}="{v.translate(_ESCAPES)}"' for k, v in labels.items())
        return pairs, range(start, end + 1, step)


def _series(prefix: str, values: Iterable[float], times: range) -> str:
    """One series: a ``prefix value timestamp`` line per sample."""
    return "".join([f"{prefix}{v} {t}\n" for v, t in zip(values, times)])


def free_port() -> int:
    """A loopback port free right now (another process may still take it first)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalPrometheus:
    """A Prometheus process on 127.0.0.1 serving backfilled data; a context manager.

    ``workdir`` gets ``data/`` (TSDB, rebuilt by the first :meth:`start`), ``prometheus.yml``
    and ``prometheus.log``. ``openmetrics_file=None`` gives an empty Prometheus. ``timings``
    holds seconds spent to ``backfill`` and ``start``. Still running at exit: stopped."""

    def __init__(
        self,
        openmetrics_file: Path | None,
        workdir: Path,
        *,
        extra_args: Sequence[str] = (),
        ready_timeout: float = 30,
        config: str = "scrape_configs: []\n",
    ) -> None:
        """Prepare (but do not start) a local Prometheus; ``config`` is its prometheus.yml
        (by default it scrapes nothing)."""
        self.openmetrics_file, self.workdir = openmetrics_file, Path(workdir)
        self.data_dir, self.log_path = self.workdir / "data", self.workdir / "prometheus.log"
        self.extra_args, self.ready_timeout = tuple(extra_args), ready_timeout
        self.config = config
        self.port, self.url = 0, ""
        self.pid: int | None = None
        self.timings: dict[str, float] = {}
        self._proc: subprocess.Popen[bytes] | None = None
        self._backfilled = False

    def __enter__(self) -> LocalPrometheus:
        return self if self._proc else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalPrometheus:
        """Backfill (first start only), start Prometheus, wait for ``/-/ready`` = 200."""
        if self._proc is not None:
            raise LocalPrometheusError(f"already running (pid {self._proc.pid})")
        prometheus, promtool = find_binaries()
        self.workdir.mkdir(parents=True, exist_ok=True)
        began = time.monotonic()
        if not self._backfilled:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            if self.openmetrics_file is not None:
                self._backfill(promtool)
            self._backfilled = True
            self.timings["backfill"] = time.monotonic() - began
            began = time.monotonic()
        config = self.workdir / "prometheus.yml"
        config.write_text(self.config, encoding="utf-8")
        deadline = began + self.ready_timeout
        msg = f"Prometheus at {{url}} not ready within {self.ready_timeout} s"
        for _ in range(3):  # another process may take the free port before Prometheus binds it
            log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
            self._launch(prometheus, config)
            if self._wait_ready(deadline):
                self.timings["start"] = time.monotonic() - began
                return self
            self.stop()
            if b"address already in use" not in self.log_path.read_bytes()[log_start:]:
                break
            msg = "{url} was taken by another process before Prometheus could listen on it"
            if time.monotonic() >= deadline:
                break
        tail = "\n".join(self.log_path.read_text("utf-8", "replace").splitlines()[-20:])
        raise LocalPrometheusError(f"{msg.format(url=self.url)}; {self.log_path} ends:\n{tail}")

    def _launch(self, prometheus: str, config: Path) -> None:
        """Start the process on a free loopback port (sets ``port``, ``url``, ``pid``)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Stopped with this process even on SIGKILL; only from the main thread, since the
        # death signal follows the thread that starts it.
        main_thread = threading.current_thread() is threading.main_thread()
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [
                    prometheus,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={self.data_dir}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--storage.tsdb.retention.time=100y",
                    *self.extra_args,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent() if main_thread else None,
            )
        self.pid = self._proc.pid
        atexit.register(self.stop)  # never leave it running

    def _wait_ready(self, deadline: float) -> bool:
        """True once ``/-/ready`` answers 200; False if the process exits or time runs out."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while self._proc is not None and self._proc.poll() is None:
            if time.monotonic() >= deadline:
                return False
            with contextlib.suppress(OSError), opener.open(f"{self.url}/-/ready", timeout=1) as r:
                if r.status == 200 and self._is_ours(opener):  # else: ours exits soon
                    return True
            time.sleep(0.05)
        return False

    def _is_ours(self, opener: urllib.request.OpenerDirector) -> bool:
        """True if the server on our port runs on our data (not one that took the port),
        and our process is still alive."""
        try:
            with opener.open(f"{self.url}/api/v1/status/flags", timeout=5) as response:
                flags = json.load(response).get("data") or {}
        except (OSError, ValueError):
            return False
        alive = self._proc is not None and self._proc.poll() is None
        return alive and flags.get("storage.tsdb.path") == str(self.data_dir)

    def stop(self, timeout: float = 10, sig: int = signal.SIGTERM) -> None:
        """Send ``sig`` by PID, SIGKILL after ``timeout`` seconds; a no-op when not running."""
        proc, self._proc, self.pid = self._proc, None, None
        atexit.unregister(self.stop)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)
            proc.kill()  # a no-op if it has exited
            proc.wait()

    def kill(self) -> None:
        """SIGKILL at once (a simulated crash); :meth:`start` restarts on the same data."""
        self.stop(sig=signal.SIGKILL)

    def _backfill(self, promtool: str) -> None:
        """Run promtool; retry without the hidden ``--max-block-duration`` if it is refused."""
        flag = "--max-block-duration=24h"
        args = [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--quiet",
            flag,
            str(self.openmetrics_file),
            str(self.data_dir),
        ]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode and "max-block-duration" in done.stderr:
            args.remove(flag)
            done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode:
            output = (done.stdout + done.stderr).strip()[-2000:]
            raise LocalPrometheusError(f"promtool backfill failed: {output}", command=args)
