"""Shared benchmark machinery: alternating timer, canned Prometheus bodies, memory probes.

Timing: :func:`alternate` runs every case once per round, rotating the order each
round, so baseline and p95kit see the same machine state; figures are medians and
the ratio is the median of the per-round ratios (each pair measured seconds apart).

Memory: :func:`peak_memory` runs one case in a fresh ``python -m benchmarks.memprobe``
subprocess (see that module for the method), so no case inherits another's heap.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parent.parent
END = 1795219200  # 2026-11-21T00:00:00Z, step-aligned for 1m and 5m


@dataclass
class Timings:
    """Seconds per case, one entry per round, in the order the rounds ran."""

    seconds: dict[str, list[float]] = field(default_factory=dict)

    def median(self, case: str) -> float:
        return statistics.median(self.seconds[case])

    def ratio(self, slow: str, fast: str) -> float:
        """Median over rounds of ``slow / fast`` (> 1: ``fast`` is faster)."""
        pairs = zip(self.seconds[slow], self.seconds[fast])
        return statistics.median(s / f for s, f in pairs)


def alternate(cases: dict[str, Callable[[], object]], rounds: int, warmup: int = 1) -> Timings:
    """Time each case once per round, rotating the order; ``warmup`` untimed rounds first."""
    names = list(cases)
    for _ in range(warmup):
        for name in names:
            cases[name]()
    timings = Timings({name: [] for name in names})
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            began = time.perf_counter()
            cases[name]()
            timings.seconds[name].append(time.perf_counter() - began)
    return timings


def median_of(func: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


# -- canned Prometheus answers ------------------------------------------------------------


def matrix_body(
    series: int, points: int, step: int, end: int = END, nan_share: float = 0.02, seed: int = 1
) -> bytes:
    """A ``query_range`` success body: ``series`` models x ``points`` points ending at ``end``.

    Values are strings as Prometheus writes them (``"0.37499999999999983"``, ``"NaN"``),
    timestamps are integers; labels are ``{"model": "model-0001"}``.
    """
    rng = random.Random(seed)
    start = end - (points - 1) * step
    stamps = range(start, end + 1, step)
    result = []
    for index in range(series):
        base = rng.uniform(0.05, 3.0)
        values = [
            [t, "NaN" if rng.random() < nan_share else repr(base * rng.uniform(0.8, 1.25))]
            for t in stamps
        ]
        result.append({"metric": {"model": f"model-{index:04d}"}, "values": values})
    body = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    return json.dumps(body, separators=(",", ":")).encode()


@contextmanager
def canned_server(body: bytes, delay: float = 0.0, compress: bool = True) -> Iterator[str]:
    """Serve ``body`` for every API path from a ``benchmarks.cannedserver`` subprocess.

    The server is its own process so that its CPU and memory never count against the
    client being measured. Yields the base URL; stops the process (by its pid) after.
    """
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    path = folder / f"p95kit-bench-body-{os.getpid()}-{len(body)}.json"
    path.write_bytes(body)
    args = [PYTHON, "-m", "benchmarks.cannedserver", str(path), f"--delay={delay}"]
    if not compress:
        args.append("--no-gzip")
    try:
        with server_process(args) as url:
            yield url
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def server_process(args: list[str]) -> Iterator[str]:
    """Run ``args`` (a server that prints its URL on its first line) from the repository
    root; yield that URL; terminate the process after."""
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("http://"):
            raise RuntimeError(f"{' '.join(args[1:3])} did not start: {line!r}")
        yield line.strip()
    finally:
        proc.terminate()
        proc.wait(10)


class AnswerHandler(BaseHTTPRequestHandler):
    """A quiet HTTP/1.1 keep-alive handler for the benchmarks' stand-in servers, which
    answer as Prometheus does: gzipped when the client accepts it and a packed body exists."""

    protocol_version = "HTTP/1.1"

    def send_body(self, status: int, kind: str, plain: bytes, packed: bytes | None) -> None:
        gzipped = packed is not None and "gzip" in self.headers.get("Accept-Encoding", "")
        payload = packed if gzipped else plain
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:  # quiet
        pass


def serve_loopback(handler: type) -> None:
    """The other side of :func:`server_process`: serve ``handler`` (threaded) on a free
    127.0.0.1 port, print the URL as the first line, and serve until terminated."""
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    sys.exit(0)


# -- memory ---------------------------------------------------------------------------------


def peak_memory(target: str, args: Sequence[str] = (), mode: str = "rss") -> dict[str, float]:
    """Run ``module:function(*args)`` once in a fresh subprocess; return its memory figures.

    ``mode`` ``rss``: ``peak_mib`` (VmHWM after the call) and ``delta_mib`` (VmHWM minus
    VmRSS just before the call, i.e. after imports). ``tracemalloc``: ``traced_mib``, the
    peak of Python-visible allocations during the call (numpy and pandas buffers included).
    """
    done = subprocess.run(
        [PYTHON, "-m", "benchmarks.memprobe", mode, target, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"memprobe {target} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_table(targets: dict[str, tuple[str, Sequence[str]]]) -> dict[str, dict[str, float]]:
    """RSS and tracemalloc figures for each named case, each in its own two subprocesses."""
    table = {}
    for name, (target, args) in targets.items():
        figures = peak_memory(target, args, "rss")
        figures.update(peak_memory(target, args, "tracemalloc"))
        table[name] = figures
    return table


# -- reporting ------------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    """Python, platform, cores and date for RESULTS.md."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": f"{platform.python_version()} ({sys.executable})",
        "platform": platform.platform(),
        "cpu": f"{cpu}; {affinity} cores usable (os.cpu_count() = {os.cpu_count()})",
    }


def versions(*names: str) -> str:
    """``name version`` for each importable distribution, comma-separated."""
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in names:
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def ms(seconds: float) -> str:
    """Seconds as a short millisecond figure."""
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:,.1f} ms"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
