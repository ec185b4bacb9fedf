"""Benchmark ``serve``: ``p95kit serve`` under load, and a cached answer against asking Prometheus.

A real Prometheus (``LocalPrometheus``) holds 50 models x 25 h of classic histograms up to the
current minute (``OpenMetricsWriter`` + promtool), and ``p95kit serve`` (default settings:
``--cache-ttl 15``, 8 concurrent queries) runs as its own process, as in production.

A. Load: a small asyncio HTTP/1.1 client (keep-alive connections on raw streams, so the
   client costs little next to the server) sends the frontends' default call,
   ``GET /api/metrics/p95/`` ("now": rounded to the cache period, shared), over 1, 32 and
   128 connections: requests per second, p50/p99 latency, errors, and the Prometheus
   requests the server sent per 1,000 requests (its ``/metrics`` counter).
B. Cost: the 24 h range question for the 50 models (``duration=24h&step=5m``, one pinned
   ``end``) answered from the server's cache, against the same question asked of
   Prometheus directly (``/api/v1/query_range``, the same PromQL); both by one
   ``requests.Session``, alternating rounds of 10 sequential requests, medians.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks import common

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "`p95kit serve`: cached answers under load"

MODELS = 50
BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
HOURS = 25
LEVELS = ((1, 1_000), (32, 5_000), (128, 5_000))  # (connections, requests)
PATH = "/api/metrics/p95/"
PROMQL = "histogram_quantile(0.95, sum by (le, model) (rate(request_duration_seconds_bucket[5m])))"
BATCH = 10  # sequential requests per timed call in part B
GOAL = 0.1


def build_prometheus(workdir: Path, end: int) -> object:
    from p95kit.demo.local_prometheus import LocalPrometheus, OpenMetricsWriter

    writer = OpenMetricsWriter()
    for index in range(MODELS):
        counts = [2 + index % 5, 10, 20, 30, 15, 8, 3 + index % 4, 1, index % 2, 0, 0]
        writer.add_histogram(
            "request_duration_seconds",
            {"model": f"model-{index:02d}"},
            BOUNDS,
            counts,
            end - HOURS * 3600,
            end,
            60,
        )
    return LocalPrometheus(writer.write(workdir / "serve.om"), workdir, ready_timeout=120)


@contextmanager
def server_process(args: list[str]) -> Iterator[tuple[str, int]]:
    """A server that says "listening on URL" on stderr; yields URL and pid; SIGTERM after.

    Its stderr goes to a file, so its log lines never wait for a reader in this process."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(args, cwd=common.ROOT, stderr=log)
        try:
            url, waited = "", 0.0
            while not url and proc.poll() is None and waited < 120:
                log.seek(0)
                found = re.search(rb"listening on (http://\S+)", log.read())
                url = found.group(1).decode() if found else ""
                time.sleep(0.05)
                waited += 0.05
            if not url:
                raise RuntimeError(f"{args[0]} did not start")
            yield url, proc.pid
        finally:
            proc.terminate()
            proc.wait(60)


def serve_process(prometheus_url: str, *options: str):
    """``p95kit serve`` on a free port, as in production."""
    exe = Path(common.PYTHON).with_name("p95kit")
    return server_process(
        [str(exe), "serve", "--port", "0", "--prometheus-url", prometheus_url, *options]
    )


@contextmanager
def floor_process(body: bytes) -> Iterator[tuple[str, int]]:
    """``benchmarks.asgifloor`` answering ``body``."""
    with tempfile.NamedTemporaryFile(prefix="p95kit-bench-floor-") as file:
        file.write(body)
        file.flush()
        with server_process([common.PYTHON, "-m", "benchmarks.asgifloor", file.name]) as found:
            yield found


def prometheus_requests(url: str) -> float:
    import requests

    text = requests.get(url + "/metrics", timeout=30).text
    found = re.search(r"^p95kit_serve_prometheus_requests_total (\S+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


# -- A. load ---------------------------------------------------------------------------------


async def _connection(host: str, port: int, count: int, latencies: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    try:
        for _ in range(count):
            began = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            await reader.readexactly(int(length.group(1)) if length else 0)
            latencies.append(time.perf_counter() - began)
            if head[9:12] != b"200":
                errors.append(head[:12])
    finally:
        writer.close()
        await writer.wait_closed()


async def _load(url: str, connections: int, total: int) -> tuple[float, list[float], int]:
    parts = urlsplit(url)
    latencies: list[float] = []
    errors: list[bytes] = []
    shares = [total // connections + (i < total % connections) for i in range(connections)]
    began = time.perf_counter()
    await asyncio.gather(
        *(_connection(parts.hostname, parts.port, n, latencies, errors) for n in shares)
    )
    return time.perf_counter() - began, latencies, len(errors)


def _row(elapsed: float, latencies: list[float], errors: int, total: int) -> list[str]:
    cuts = statistics.quantiles(latencies, n=100)
    return [f"{total / elapsed:,.0f}", common.ms(cuts[49]), common.ms(cuts[98]), str(errors)]


def load_part(url: str, scale: float, rounds: int) -> tuple[list[list[object]], float]:
    """Each level against ``p95kit serve`` and the floor, ``rounds`` times in rotating order:
    requests/s from the median round, latencies pooled, the ratio the median of the rounds'."""
    import requests

    asyncio.run(_load(url, 1, 10))  # warm: the answer for this period is cached
    body = requests.get(url + PATH, headers={"Accept-Encoding": "identity"}, timeout=60).content
    rows, asked, sent = [], 0.0, 0
    with floor_process(body) as (floor_url, _):
        targets = {"serve": url, "floor": floor_url}
        for connections, total in LEVELS:
            total = max(100, int(total * scale))
            runs: dict[str, list] = {"serve": [], "floor": []}
            for index in range(rounds):
                for name in ("serve", "floor")[:: 1 if index % 2 == 0 else -1]:
                    before = prometheus_requests(url)
                    runs[name].append(asyncio.run(_load(targets[name], connections, total)))
                    asked += prometheus_requests(url) - before
                    sent += total if name == "serve" else 0
            ratio = statistics.median(f[0] / s[0] for s, f in zip(runs["serve"], runs["floor"]))
            pooled = {
                name: (
                    statistics.median(r[0] for r in found),
                    [x for r in found for x in r[1]],
                    sum(r[2] for r in found),
                )
                for name, found in runs.items()
            }
            serve = _row(*pooled["serve"], total)
            floor = _row(*pooled["floor"], total)
            rows.append([connections, f"{total:,} x {rounds}", *serve, *floor[:3], f"{ratio:.2f}"])
    return rows, asked * 1000 / sent


# -- B. cached answer against Prometheus directly ------------------------------------------------


def case_cached(url: str, end: int) -> Callable[[], object]:
    import requests

    session = requests.Session()
    params = {"duration": "24h", "step": "5m", "end": str(end)}
    target = url + "/api/metrics/p95/range/"
    first = session.get(target, params=params, timeout=120)
    first.raise_for_status()

    def call() -> None:
        for _ in range(BATCH):
            session.get(target, params=params, timeout=120).content  # noqa: B018

    return call


def case_direct(prometheus_url: str, end: int) -> Callable[[], object]:
    import requests

    session = requests.Session()
    params = {"query": PROMQL, "start": str(end - 86400), "end": str(end), "step": "300"}
    target = prometheus_url + "/api/v1/query_range"

    def call() -> None:
        for _ in range(BATCH):
            session.get(target, params=params, timeout=120).content  # noqa: B018

    return call


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_request(call: Callable[[], object], server_pid: int, calls: int) -> float:
    """CPU seconds per request of the answering process plus this (client) process."""
    server, client = cpu_seconds(server_pid), time.process_time()
    for _ in range(calls):
        call()
    spent = cpu_seconds(server_pid) - server + time.process_time() - client
    return spent / (calls * BATCH)


def run(rounds: int = 7, scale: float = 1.0) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    import requests

    began = time.perf_counter()
    end = int(time.time()) // 300 * 300
    range_params = {"duration": "24h", "step": "5m", "end": str(end)}
    with tempfile.TemporaryDirectory(prefix="p95kit-bench-") as folder:
        prom = build_prometheus(Path(folder), end)
        with prom:
            setup = time.perf_counter() - began
            with serve_process(prom.url) as (url, _):
                rows, per_thousand = load_part(url, scale, max(1, rounds // 2))
            # B: a cache period longer than the measurement, so every timed answer is a hit
            with serve_process(prom.url, "--cache-ttl", "3600") as (url, pid):
                cases = {"prometheus": case_direct(prom.url, end), "cached": case_cached(url, end)}
                timings = common.alternate(cases, rounds)
                cpu = {
                    "prometheus": cpu_per_request(cases["prometheus"], prom.pid, 3),
                    "cached": cpu_per_request(cases["cached"], pid, 3),
                }
                identity = {"Accept-Encoding": "identity"}
                target = url + "/api/metrics/p95/range/"
                size = len(requests.get(target, params=range_params, headers=identity).content)
    ratio = 1 / timings.ratio("prometheus", "cached")
    cpu_ratio = cpu["cached"] / cpu["prometheus"]
    met = "met" if ratio <= GOAL else "NOT met"
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"{MODELS} models x {HOURS} h of classic histograms ({len(BOUNDS)} bounds, 1 m "
            "scrape) up to the current minute in a real Prometheus (setup "
            f"{setup:.0f} s); `p95kit serve` as its own process. The Prometheus, the server and "
            "the client share the machine's cores.",
            "",
            f'A. `GET {PATH}` ("now": rounded down to the default 15 s cache period, so one '
            "Prometheus question per period), a keep-alive asyncio client over raw streams, "
            "server with its default settings. The floor is `benchmarks/asgifloor.py`: the "
            "same uvicorn (uvloop, httptools) with a bare ASGI app answering the same bytes "
            "from memory, no access log. At each level both run in alternating rounds: "
            "requests/s of the median round, p50/p99 over all rounds' requests, errors summed, "
            "the ratio the median of the rounds' ratios:",
            "",
            common.table(
                [
                    "connections",
                    "requests",
                    "p95kit serve req/s",
                    "p50",
                    "p99",
                    "errors",
                    "floor req/s",
                    "floor p50",
                    "floor p99",
                    "serve / floor req/s",
                ],
                rows,
            ),
            "",
            f"Prometheus requests per 1,000 API requests: {per_thousand:.2f}.",
            "",
            f"B. The 24 h range question for the {MODELS} models (`duration=24h&step=5m`, "
            f"pinned `end`; body {size / 1024:,.0f} kB, sent gzipped to clients that accept it, "
            f"as Prometheus does), {BATCH} sequential requests per timed call, {rounds} "
            "alternating rounds, one `requests.Session` each; the server runs with "
            "`--cache-ttl 3600` so that every timed answer is a cache hit. CPU: the answering "
            "process (Prometheus, or `p95kit serve`) plus the client, per request:",
            "",
            common.table(
                [
                    "",
                    "median wall time per request",
                    "wall-time cost",
                    "CPU per request",
                    "CPU cost",
                ],
                [
                    [
                        "Prometheus directly (`/api/v1/query_range`)",
                        common.ms(timings.median("prometheus") / BATCH),
                        "1",
                        common.ms(cpu["prometheus"]),
                        "1",
                    ],
                    [
                        "`p95kit serve`, cached answer",
                        common.ms(timings.median("cached") / BATCH),
                        f"{ratio:.3f}",
                        common.ms(cpu["cached"]),
                        f"{cpu_ratio:.3f}",
                    ],
                ],
            ),
            "",
            f"**Goal (serve): a cached answer costs <= 1/10 of asking Prometheus directly: "
            f"{met} (wall time {ratio:.3f}, i.e. 1/{1 / ratio:.0f}; CPU {cpu_ratio:.3f}).**",
            "",
            f"_Section took {time.perf_counter() - began:.0f} s._",
        ]
    )


if __name__ == "__main__":
    print(run(rounds=3, scale=0.2))  # a quick look; python -m benchmarks --only serve for all
