"""Benchmark ``scale``: scale with the number of models and with the length of the range.

A. Models: ``p95_range(duration="24h", step="5m")`` over canned bodies of 250, 500 and
   1,000 models x 289 points, alternating with the HTTP floor (``requests.get`` +
   ``orjson.loads``) per size; time and fresh-process peak memory per size must grow
   linearly. The 1,000-model frame is also charted (``plotting.plot_p95``) to check the
   legend stays at ``max_models`` lines.
B. Length: 30 d at 1 m for 20 models = 43,201 points per series, which the client splits
   into 4 chunks of <= 11,000 points fetched concurrently. B1 uses a real LocalPrometheus
   backfilled with 30 d of histograms at a 15 m scrape interval (``time_range="45m"``, so
   every rate window holds 3 samples); B2 uses a canned server that sleeps before each
   answer, standing in for a remote Prometheus that evaluates on its own CPUs.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import common

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "Scale"

SIZES = (250, 500, 1000)
DAY_POINTS, DAY_STEP = 289, 300
LONG_MODELS, LONG_SCRAPE, LONG_DAYS = 20, 900, 30
LONG_METRIC = "bench_request_duration_seconds"
BOUNDS = (0.05, 0.1, 0.25, 0.5)
CANNED_DELAY = 0.5


def case_day(url: str) -> Callable[[], object]:
    from p95kit import p95_range  # by name: loads pandas and requests now, not in the call

    return lambda: p95_range(prometheus_url=url, duration="24h", step="5m", end=common.END)


def case_floor(url: str) -> Callable[[], object]:
    import orjson
    import requests

    session = requests.Session()
    return lambda: orjson.loads(session.get(url + "/api/v1/query_range", timeout=30).content)


def case_long(url: str, workers: str = "4") -> Callable[[], object]:
    """30 d at 1 m through one client with ``max_workers=workers``."""
    from p95kit import Prometheus, p95_range

    client = Prometheus(url, timeout=300, max_workers=int(workers))
    return lambda: p95_range(
        LONG_METRIC,
        duration=f"{LONG_DAYS}d",
        step="1m",
        time_range="45m",
        end=common.END,
        client=client,
    )


SEQUENTIAL, CONCURRENT = "max_workers=1", "max_workers=4"


def legend_check(frame: object) -> tuple[str, bool | None]:
    """Chart the frame as the report does; count legend lines and time it. Returns the
    note and whether the legend stays at ``max_models`` lines (None: not checked)."""
    try:
        from p95kit.display.plotting import figure_png, plot_p95
    except ImportError:
        return "chart check skipped: p95kit.display.plotting not importable", None
    began = time.perf_counter()
    figure = plot_p95(frame, max_models=10)
    png = figure_png(figure)
    seconds = time.perf_counter() - began
    legend = figure.axes[0].get_legend()
    lines = len(legend.get_texts()) if legend else 0
    title = legend.get_title().get_text().replace("\n", " ") if legend else ""
    note = (
        f"Charting the 1,000-model frame with `plot_p95(max_models=10)` + `figure_png`: "
        f"{common.ms(seconds)}, {len(png) / 1e3:.0f} kB PNG, {lines} legend lines "
        f'(legend title: "{title}").'
    )
    return note, lines <= 11


def models_part(rounds: int) -> list[str]:
    rows, per_point = [], []
    chart, readable = "", None
    for size in SIZES:
        body = common.matrix_body(size, DAY_POINTS, DAY_STEP, seed=size)
        with common.canned_server(body) as url:
            calls = {"floor": case_floor(url), "p95kit": case_day(url)}
            timings = common.alternate(calls, rounds)
            memory = common.memory_table({"p95kit": ("benchmarks.bench_scale:case_day", [url])})
            if size == SIZES[-1]:
                chart, readable = legend_check(case_day(url)())
        figures = memory["p95kit"]
        points = size * DAY_POINTS
        seconds = timings.median("p95kit")
        per_point.append((seconds / points, figures["delta_mib"] / points))
        floor = timings.median("floor")
        rows.append(
            [
                f"{size:,}",
                f"{points:,}",
                f"{len(body) / 1e6:.1f}",
                common.ms(floor),
                common.ms(seconds),
                f"{timings.ratio('p95kit', 'floor'):.2f}",
                f"{seconds / points * 1e9:.0f}",
                f"{figures['peak_mib']:.0f}",
                f"{figures['delta_mib']:.0f}",
                f"{figures['traced_mib']:.0f}",
            ]
        )
    time_growth = per_point[-1][0] / per_point[0][0]
    memory_growth = per_point[-1][1] / per_point[0][1]
    # At most linear: per point, the bigger size may cost less (a fixed per-call cost spread
    # over more points), never clearly more; far less would mean the measurement is wrong.
    linear = all(0.5 <= g <= 1.33 for g in (time_growth, memory_growth))
    verdict = {True: "met", False: "NOT met", None: "not checked"}
    return [
        f"**Goal: time and memory grow linearly with the models: {verdict[linear]} (per point, "
        f"1,000 vs 250 models: time {time_growth:.2f}x, memory {memory_growth:.2f}x); "
        f"the chart keeps a short legend at 1,000 models: {verdict[readable]}.**",
        "",
        f"### A. 250 / 500 / 1,000 models x 24 h at 5 m (canned bodies, {rounds} rounds)",
        "",
        common.table(
            [
                "models",
                "points",
                "JSON MB",
                "HTTP floor",
                "p95kit",
                "x floor",
                "ns / point",
                "peak RSS MiB",
                "RSS delta MiB",
                "tracemalloc MiB",
            ],
            rows,
        ),
        "",
        f"Linearity: time per point at 1,000 models is {time_growth:.2f}x that at 250 models, "
        f"memory per point {memory_growth:.2f}x (1.00 = perfectly linear; below 1.00, a fixed "
        "per-call cost spread over more points; the goal is 0.5x to 1.33x). The HTTP floor "
        "decodes the whole body with `orjson.loads`, a Python object per sample; p95kit's "
        "`decode_body` makes none.",
        "",
        chart,
    ]


def build_long_prometheus(workdir: Path) -> object:
    from p95kit.demo.local_prometheus import LocalPrometheus, OpenMetricsWriter

    start = common.END - LONG_DAYS * 86400
    writer = OpenMetricsWriter()
    for index in range(LONG_MODELS):
        increments = [1 + index % 3, 5, 10, 8, index % 2]
        labels = {"model": f"model-{index:02d}"}
        writer.add_histogram(
            LONG_METRIC, labels, BOUNDS, increments, start, common.END, LONG_SCRAPE
        )
    path = writer.write(workdir / "long.om")
    return LocalPrometheus(path, workdir, ready_timeout=60)


def chunk_times(url: str) -> list[float]:
    """Each chunk fetched alone through ``Prometheus.query_range`` (request + decode)."""
    from p95kit.prometheus import client as client_module
    from p95kit.prometheus.chunks import split_range
    from p95kit.query import promql

    prom = client_module.Prometheus(url, timeout=300)
    query = promql.quantile(promql.Target(LONG_METRIC), 0.95, "45m")
    start = common.END - LONG_DAYS * 86400
    times = []
    for first, last in split_range(start, common.END, 60):
        began = time.perf_counter()
        prom.query_range(query, first, last, 60)
        times.append(time.perf_counter() - began)
    return times


def measure_long(url: str, rounds: int) -> tuple[list[float], common.Timings, dict]:
    """Chunk times, alternating timings of both cases, and fresh-process memory of each."""
    chunks = chunk_times(url)
    workers = {SEQUENTIAL: "1", CONCURRENT: "4"}
    calls = {name: case_long(url, count) for name, count in workers.items()}
    timings = common.alternate(calls, rounds, warmup=0)
    target = "benchmarks.bench_scale:case_long"
    memory = {name: common.peak_memory(target, [url, count]) for name, count in workers.items()}
    return chunks, timings, memory


def long_part(rounds: int) -> list[str]:
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="p95kit-bench-") as folder:
        prom = build_long_prometheus(Path(folder))
        with prom:
            built = time.perf_counter() - began
            points = len(case_long(prom.url)())  # also warms Prometheus's caches
            real = measure_long(prom.url, rounds)
        setup = prom.timings
    body = common.matrix_body(LONG_MODELS, 11_000, 60)
    with common.canned_server(body, delay=CANNED_DELAY) as url:
        canned = measure_long(url, rounds + 1)
    rows = [
        _long_row("B1 real Prometheus (same 2 cores)", *real),
        _long_row(f"B2 canned, {CANNED_DELAY:g} s server delay per request", *canned),
    ]
    return [
        f"### B. 30 d at 1 m for {LONG_MODELS} models: 43,201 points per series, 4 chunks",
        "",
        f"B1: {LONG_MODELS} classic histograms ({len(BOUNDS)} bounds) backfilled at a "
        f"{LONG_SCRAPE // 60} m scrape interval for {LONG_DAYS} d by `OpenMetricsWriter` + "
        f"promtool (setup {built:.0f} s, of which backfill {setup.get('backfill', 0):.0f} s), "
        f'`time_range="45m"`; the frame has {points:,} rows. B2: a canned 20 x 11,000-point '
        "body answered after a fixed sleep (the canned server ignores the time range, so each "
        "series gets 4 x 11,000 points). 'one chunk alone' is each chunk fetched by itself "
        "(`Prometheus.query_range`: request + `decode_body`, no frame); `max_workers=1` "
        "fetches the chunks one after another, the default `max_workers=4` all at once; "
        f"both build the frame. {rounds} alternating rounds (B2: {rounds + 1}), medians; "
        "memory of each, in a fresh process.",
        "",
        common.table(
            [
                "setup",
                "one chunk alone (median)",
                "sum of 4 chunks",
                SEQUENTIAL,
                f"{CONCURRENT} (default)",
                "speed-up",
                f"RSS delta MiB ({SEQUENTIAL})",
                "RSS delta MiB (default)",
            ],
            rows,
        ),
    ]


def _long_row(label: str, chunks: list[float], timings: common.Timings, memory: dict) -> list[str]:
    import statistics

    return [
        label,
        common.ms(statistics.median(chunks)),
        common.ms(sum(chunks)),
        common.ms(timings.median(SEQUENTIAL)),
        common.ms(timings.median(CONCURRENT)),
        f"{timings.ratio(SEQUENTIAL, CONCURRENT):.2f}x",
        f"{memory[SEQUENTIAL]['delta_mib']:.0f}",
        f"{memory[CONCURRENT]['delta_mib']:.0f}",
    ]


def run(rounds: int = 5, long_rounds: int = 2) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    began = time.perf_counter()
    lines = [f"## {TITLE}", "", *models_part(rounds), ""]
    from p95kit.demo.local_prometheus import LocalPrometheusError

    try:
        lines += long_part(long_rounds)
    except LocalPrometheusError as exc:  # e.g. no prometheus/promtool: keep the other figures
        lines += [f"### B. 30 d at 1 m: skipped: {exc}"]
    lines += ["", f"_Section took {time.perf_counter() - began:.0f} s._"]
    return "\n".join(lines)
