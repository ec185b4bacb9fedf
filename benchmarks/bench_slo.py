"""Benchmark ``slo``: ``p95kit.slo(window="30d")`` for 200 models vs
``percentiles(time_range="30d")``.

A real Prometheus holds 30 days of a classic histogram (8 bounds) for 200 models, backfilled
by promtool: a sample every 5 minutes over the last 3 days (the burn windows, 5m ... 3d, need
samples that dense) and one an hour before. That makes the last 3 days hold more than half of
the samples, so the burn windows weigh more here than with a uniform scrape interval (the
ratio is conservative). Cases, alternating: ``percentiles`` 50/95/99 over 30 days (the
default estimator: three ``histogram_quantile`` over the window, one query), ``slo`` at a
bucket bound (1000 ms) and between bounds (3000 ms: every bucket of the burn windows).
Goal: ``slo`` at most 1.5x ``percentiles``, and a number of HTTP requests that does not grow
with the models (counted for 20 and for 200 models).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import common
from benchmarks import groundtruth as gt

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "SLOs: 30 days for 200 models"

MODELS = 200
DAYS, DENSE_DAYS = 30, 3
DENSE_STEP, SPARSE_STEP = 300, 3600
BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METRIC = "bench_slo_request_duration_seconds"


def stamps() -> np.ndarray:
    """The sample times: hourly for 27 days, then every 5 minutes up to ``END``."""
    start, dense = common.END - DAYS * 86400, common.END - DENSE_DAYS * 86400
    return np.concatenate(
        [np.arange(start, dense, SPARSE_STEP), np.arange(dense, common.END + 1, DENSE_STEP)]
    ).astype(np.int64)


def dataset(folder: Path) -> Path:
    """The OpenMetrics file: per model one of the ground truth's shapes, scaled, its bucket
    counts added at every sample (counters from 0 at the first one)."""
    times = stamps()
    times_text = [f" {t}\n" for t in times]
    steps = np.arange(len(times), dtype=np.int64)
    shapes = list(gt.SHAPES)
    path = folder / "slo.om"
    with path.open("w", encoding="utf-8") as out:
        out.write(f"# TYPE {METRIC} histogram\n")
        for index in range(MODELS):
            values = gt.samples(shapes[index % len(shapes)], 100) * (0.5 + index / MODELS)
            cumulative = np.cumsum(gt.bucket_counts(values, BOUNDS))
            label = f'model="model-{index:03d}"'
            les = [*(repr(float(b)) for b in BOUNDS), "+Inf"]
            for le, per_step in zip(les, cumulative):
                head = f'{METRIC}_bucket{{{label},le="{le}"}} '
                series = (steps * int(per_step)).tolist()
                out.write("".join(head + str(v) + t for v, t in zip(series, times_text)))
            series = (steps * int(cumulative[-1])).tolist()
            head = f"{METRIC}_count{{{label}}} "
            out.write("".join(head + str(v) + t for v, t in zip(series, times_text)))
            total = float(values.sum())
            head = f"{METRIC}_sum{{{label}}} "
            out.write("".join(f"{head}{float(v) * total!r}{t}" for v, t in zip(steps, times_text)))
        out.write("# EOF\n")
    return path


def requests_per_call(url: str, models: int) -> int:
    """HTTP requests one ``slo`` call sends for the first ``models`` models."""
    import p95kit
    from p95kit.prometheus.client import Prometheus

    class Counting(Prometheus):
        sent = 0

        def _call(self, *args, **kwargs):
            Counting.sent += 1
            return super()._call(*args, **kwargs)

    names = [f"model-{i:03d}" for i in range(models)] if models < MODELS else None
    with Counting(url, timeout=300) as client:
        frame = p95kit.slo(METRIC, 1000, at=common.END, client=client, models=names)
        assert len(frame) == models, len(frame)
    return Counting.sent


def run(rounds: int = 7) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    import p95kit
    from p95kit.demo.local_prometheus import LocalPrometheus

    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="p95kit-slo-") as tmp:
        path = dataset(Path(tmp))
        samples = len(stamps()) * MODELS * (len(BOUNDS) + 3)
        with LocalPrometheus(path, Path(tmp), ready_timeout=120) as prom:
            setup = time.perf_counter() - began
            counts = {n: requests_per_call(prom.url, n) for n in (20, MODELS)}
            with p95kit.Prometheus(prom.url, timeout=300) as client:
                cases = {
                    "percentiles (30d)": lambda: p95kit.percentiles(
                        METRIC, (50, 95, 99), time_range="30d", at=common.END, client=client
                    ),
                    "slo (30d), 1000 ms: a bound": lambda: p95kit.slo(
                        METRIC, 1000, at=common.END, client=client
                    ),
                    "slo (30d), 3000 ms: between bounds": lambda: p95kit.slo(
                        METRIC, 3000, at=common.END, client=client
                    ),
                }
                timings = common.alternate(cases, rounds)
    base = "percentiles (30d)"
    rows = [
        [name, common.ms(timings.median(name)), f"{timings.ratio(name, base):.2f}x"]
        for name in cases
    ]
    bound = timings.ratio("slo (30d), 1000 ms: a bound", base)
    between = timings.ratio("slo (30d), 3000 ms: between bounds", base)
    flat = counts[20] == counts[MODELS]
    met = bound <= 1.5 and between <= 1.5 and flat
    lines = [
        f"## {TITLE}",
        "",
        f'**Goal (SLO cost): slo(window="30d") for {MODELS} models <= 1.5x '
        f'percentiles(time_range="30d") on the same data, with a number of requests that '
        f"does not grow with the models: {'met' if met else 'NOT met'} ({bound:.2f}x at a "
        f"bound, {between:.2f}x between bounds; {counts[20]} requests for 20 models, "
        f"{counts[MODELS]} for {MODELS}).**",
        "",
        f"Data: {MODELS} models x {len(BOUNDS) + 3} series (8 bounds, +Inf, _count, _sum), "
        f"{len(stamps()):,} samples each ({samples:,} in all): hourly for "
        f"{DAYS - DENSE_DAYS} d, every 5 min for the last {DENSE_DAYS} d (setup "
        f"{setup:.0f} s). A real Prometheus on the same 2 cores; {rounds} alternating rounds, "
        "medians; ratio = median of per-round ratios. `slo` sends three requests: the "
        "threshold's `le` spellings (`/api/v1/label/le/values`), the window's buckets (one "
        "`increase(...[30d])` over every bucket and `_sum`) and the seven burn windows in one "
        "query (at a bound only the threshold's bucket and `+Inf` per model; between bounds "
        "every bucket). `percentiles` evaluates `rate(...[30d])` of every bucket three "
        "times (one `histogram_quantile` per percentile, joined by `or`).",
        "",
        common.table(["question", "median", "/ percentiles (30d)"], rows),
        "",
        f"_Section took {time.perf_counter() - began:.0f} s; load average at its end "
        f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs._",
    ]
    return "\n".join(lines)
