"""Benchmark ``metrics``: a 3-metric preset report (``--preset vllm``) against the 1-metric report.

Data: 50 models with vLLM's three latency histograms (``vllm:e2e_request_latency_seconds``,
``vllm:time_to_first_token_seconds``, ``vllm:inter_token_latency_seconds``) by
``model_name``, 8 bucket bounds each, 48 h at a 2 m scrape interval, served by a real
LocalPrometheus. In-process, alternating: ``run_report`` with ``metric_name`` = the e2e
histogram only, against ``run_report`` with ``preset="vllm"`` (the three metrics: one
concurrent fetch, one kernel, one snapshot). Goal: the 3-metric report costs at most 1.5x.

Two topologies, alternated in the same rounds: the local Prometheus answers directly (its
evaluation shares this machine's two cores with the report), and through
``benchmarks/replayproxy.py``, which replays that Prometheus's answers with the time each took
when it had the machine to itself, at most two at a time: Prometheus on a 2-core machine of
its own, as in production.
Each run's CPU time is counted per process: the report's (all its threads), Prometheus's
(``/proc/<pid>/stat``) and the notebook kernel's (a reaped child).
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks import common

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "Several metrics in one report"

MODELS = 50
BOUNDS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SCRAPE = 120
METRICS = (
    "vllm:e2e_request_latency_seconds",
    "vllm:time_to_first_token_seconds",
    "vllm:inter_token_latency_seconds",
)
GOAL = 1.5
#: The "own machine" Prometheus: as many cores as this machine, no more (a query's
#: evaluation runs on one core; concurrent ones beyond this wait).
PROMETHEUS_CORES = 2


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


def replay_proxy(upstream: str) -> contextlib.AbstractContextManager[str]:
    """``benchmarks.replayproxy`` in front of ``upstream`` replaying as a Prometheus with
    :data:`PROMETHEUS_CORES` cores; yields its URL."""
    command = [sys.executable, "-m", "benchmarks.replayproxy", upstream]
    return common.server_process([*command, "--cores", str(PROMETHEUS_CORES)])


def calibrate(proxy: str) -> None:
    """Have the proxy time every recorded query again, one at a time."""
    request = urllib.request.Request(proxy + "/-/calibrate", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=300) as answer:
        answer.read()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a running process, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_counted(call: Any, prometheus_pid: int) -> dict[str, float]:
    """Run ``call``; CPU seconds it took in this process, in Prometheus and in reaped children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = (time.process_time(), process_cpu(prometheus_pid), children)
    call()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    kernel = (after.ru_utime + after.ru_stime) - (before[2].ru_utime + before[2].ru_stime)
    return {
        "report": time.process_time() - before[0],
        "prometheus": process_cpu(prometheus_pid) - before[1],
        "kernel": kernel,
    }


def run(rounds: int = 5) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    header = [f"## {TITLE}", ""]
    os.environ.setdefault("JUPYTER_PREFER_ENV_PATH", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    began = time.perf_counter()
    one = {"metric_name": METRICS[0], "model_label": "model_name"}
    three = {"preset": "vllm"}
    with tempfile.TemporaryDirectory(prefix="p95kit-bench-metrics-") as name:
        folder = Path(name)
        prom = build_prometheus(folder)
        with prom, replay_proxy(prom.url) as proxy:
            built = time.perf_counter() - began
            counter = iter(range(10_000))
            for settings in (one, three):  # record the answers the proxy replays
                run_once(proxy, folder / f"out-{next(counter)}", **settings)
            calibrate(proxy)
            runs: dict[str, list[dict[str, Any]]] = {}
            cpu: dict[str, list[dict[str, float]]] = {}

            def case(label: str, url: str, settings: dict[str, Any]) -> Any:
                runs[label], cpu[label] = [], []

                def report() -> None:
                    runs[label].append(run_once(url, folder / f"out-{next(counter)}", **settings))

                def call() -> None:
                    cpu[label].append(cpu_counted(report, prom.pid))

                return call

            calls = {
                LOCAL_ONE: case(LOCAL_ONE, prom.url, one),
                LOCAL_THREE: case(LOCAL_THREE, prom.url, three),
                REMOTE_ONE: case(REMOTE_ONE, proxy, one),
                REMOTE_THREE: case(REMOTE_THREE, proxy, three),
            }
            timings = common.alternate(calls, rounds)
        setup = dict(prom.timings)
    took = time.perf_counter() - began
    local = timings.ratio(LOCAL_THREE, LOCAL_ONE)
    remote = timings.ratio(REMOTE_THREE, REMOTE_ONE)
    steps = ("fetch_s", "chart_s", "charts_during_fetch_s", "execute_s", "export_s", "total_s")

    def cpu_ratio(three: str, one: str, parts: tuple[str, ...]) -> float:
        """Median CPU seconds of ``parts`` (summed per run), 3 metrics over 1."""

        def median(label: str) -> float:
            return statistics.median(sum(c[k] for k in parts) for c in cpu[label][-rounds:])

        return median(three) / median(one)

    own = ("report", "kernel")  # p95kit's processes
    own_local = cpu_ratio(LOCAL_THREE, LOCAL_ONE, own)
    own_remote = cpu_ratio(REMOTE_THREE, REMOTE_ONE, own)
    prometheus = cpu_ratio(LOCAL_THREE, LOCAL_ONE, ("prometheus",))
    rows = []
    for label in calls:
        done = runs[label][-rounds:]
        medians = [
            common.ms(statistics.median(r["timings"].get(k, 0.0) for r in done)) for k in steps
        ]
        spent = {k: statistics.median(c[k] for c in cpu[label][-rounds:]) for k in CPU_PARTS}
        cpu_cells = [f"{spent[k]:.2f} s" for k in CPU_PARTS]
        rows.append([label, common.ms(timings.median(label)), *medians, *cpu_cells])
    return "\n".join(
        [
            *header,
            f"{MODELS} models x 3 vLLM histograms ({len(BOUNDS)} bounds), 24 h window, 48 h of "
            "data in a real Prometheus. "
            f"{rounds} alternating in-process rounds after one warm-up, medians; each run "
            "publishes a full snapshot (the 3-metric one with a combined table, a section and "
            "a chart per metric, and metrics/<name>/ payloads). *Local*: the Prometheus on "
            "this machine answers, its evaluation sharing the 2 cores with the report. "
            "*Own machine*: `benchmarks/replayproxy.py` replays its answers after the time each "
            "took with the machine to itself, at most two at a time, so its evaluation takes "
            "nothing from the report (Prometheus on a 2-core machine of its own). "
            "CPU: the report process (all threads), "
            "Prometheus and the notebook kernel, per run.",
            "",
            common.table(
                ["", "median total", *steps, *[f"CPU {k}" for k in CPU_PARTS]],
                rows,
            ),
            "",
            f"**Goal (metrics): a 3-metric preset report <= {GOAL}x the 1-metric report: "
            f"{remote:.2f}x with Prometheus on its own machine "
            f"({'met' if remote <= GOAL else 'NOT met'}); {local:.2f}x with it evaluating on "
            f"the report's 2 cores ({'met' if local <= GOAL else 'NOT met'}). CPU of p95kit's "
            f"own processes (report + kernel): {own_remote:.2f}x and {own_local:.2f}x; "
            f"Prometheus's CPU: {prometheus:.2f}x.**",
            "",
            f"Setup: data written, backfilled and served in {built:.0f} s (backfill "
            f"{setup.get('backfill', 0):.0f} s). _Section took {took:.0f} s._",
        ]
    )


LOCAL_ONE = "1 metric, local Prometheus"
LOCAL_THREE = "3 metrics (--preset vllm), local"
REMOTE_ONE = "1 metric, Prometheus on its own machine"
REMOTE_THREE = "3 metrics (--preset vllm), own machine"
CPU_PARTS = ("report", "prometheus", "kernel")
