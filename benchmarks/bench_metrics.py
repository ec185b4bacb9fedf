"""Benchmark 6: a 3-metric preset report (``--preset vllm``) against the 1-metric report.

Data: 50 models with vLLM's three latency histograms (``vllm:e2e_request_latency_seconds``,
``vllm:time_to_first_token_seconds``, ``vllm:inter_token_latency_seconds``) by
``model_name``, 8 bucket bounds each, 48 h at a 2 m scrape interval, served by a real
LocalPrometheus. In-process, alternating: ``run_report`` with ``metric_name`` = the e2e
histogram only, against ``run_report`` with ``preset="vllm"`` (the three metrics: one
concurrent fetch, one kernel, one snapshot). Goal: the 3-metric report costs at most 1.5x.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import common

MODELS = 50
BOUNDS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SCRAPE = 120
METRICS = (
    "vllm:e2e_request_latency_seconds",
    "vllm:time_to_first_token_seconds",
    "vllm:inter_token_latency_seconds",
)
GOAL = 1.5


def build_prometheus(workdir: Path) -> Any:
    """50 models x 3 metrics over 48 h, each metric's buckets shifted per model."""
    from p95kit.demo.local_prometheus import LocalPrometheus, OpenMetricsWriter

    start = common.END - 48 * 3600
    writer = OpenMetricsWriter()
    for offset, metric in enumerate(METRICS):
        for index in range(MODELS):
            shift = (index + offset) % 4
            counts = [0] * shift + [10, 30, 40, 15, 5] + [0] * (4 - shift)
            labels = {"model_name": f"org/model-{index:02d}", "engine": "0"}
            writer.add_histogram(metric, labels, BOUNDS, counts, start, common.END, SCRAPE)
    path = writer.write(workdir / "metrics.om")
    return LocalPrometheus(path, workdir / "prometheus", ready_timeout=120)


def run_once(url: str, out: Path, **settings: Any) -> dict[str, Any]:
    from p95kit import Prometheus
    from p95kit.report.parameters import ReportSettings
    from p95kit.report.pipeline import run_report

    with Prometheus(url) as client:
        outcome = run_report(
            client, ReportSettings(duration="24h", end=common.END, **settings), out
        )
    return outcome.run


def run(rounds: int = 5) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    header = ["## 6. Several metrics in one report", ""]
    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="p95kit-bench-metrics-") as name:
        folder = Path(name)
        prom = build_prometheus(folder)
        with prom:
            built = time.perf_counter() - began
            counter = iter(range(1000))
            runs: dict[str, list[dict[str, Any]]] = {"one": [], "three": []}
            one = {"metric_name": METRICS[0], "model_label": "model_name"}
            calls = {
                "1 metric": lambda: runs["one"].append(
                    run_once(prom.url, folder / f"out-{next(counter)}", **one)
                ),
                "3 metrics (--preset vllm)": lambda: runs["three"].append(
                    run_once(prom.url, folder / f"out-{next(counter)}", preset="vllm")
                ),
            }
            timings = common.alternate(calls, rounds)
        setup = dict(prom.timings)
    took = time.perf_counter() - began
    ratio = timings.ratio("3 metrics (--preset vllm)", "1 metric")
    steps = ("fetch_s", "chart_s", "execute_s", "export_s", "total_s")
    rows = []
    for label, key in (("1 metric", "one"), ("3 metrics (--preset vllm)", "three")):
        medians = [
            common.ms(
                statistics.median(r["timings"].get(k, float("nan")) for r in runs[key][-rounds:])
            )
            for k in steps
        ]
        rows.append([label, common.ms(timings.median(label)), *medians])
    verdict = "met" if ratio <= GOAL else "NOT met"
    return "\n".join(
        [
            *header,
            f"{MODELS} models x 3 vLLM histograms ({len(BOUNDS)} bounds), 24 h window, 48 h of "
            "data "
            f"in a real Prometheus. {rounds} alternating in-process rounds after one warm-up, "
            "medians; both publish a full snapshot (the 3-metric one with a combined table, a "
            "section and a chart per metric, and metrics/<name>/ payloads).",
            "",
            common.table(["", "median total", *steps], rows),
            "",
            f"**Goal (metrics): a 3-metric preset report <= {GOAL}x the 1-metric report: "
            f"{ratio:.2f}x, {verdict}.**",
            "",
            f"Setup: data written, backfilled and served in {built:.0f} s (backfill "
            f"{setup.get('backfill', 0):.0f} s). _Section took {took:.0f} s._",
        ]
    )
