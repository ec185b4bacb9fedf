"""Benchmark ``limits``: a long window over the backend's sample limit, split, against the same
answer from a Prometheus without a limit.

Two real Prometheus servers serve the same backfilled data: ``MODELS`` classic histograms
over ``DAYS`` days at a ``SCRAPE`` interval (2,881 samples per series). One runs with
``--query.max-samples=LIMIT``, so a 30-day window is refused in one piece (Prometheus reads
one series' window at a time) and so is any range whose points, over all series, exceed
the limit. p95kit answers both: window questions from sub-windows whose counts are added
(:mod:`p95kit.query.window_split`), ``histogram_quantile`` from those counts
(:mod:`p95kit.query.quantile_split`), ranges from shorter ranges
(:mod:`p95kit.prometheus.range_split`). Each question is asked of both servers in
alternating rounds; the answers must be the same numbers, and the ratio is the price of the
refusal and the parts.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks import common

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "A long window over the backend's sample limit"

MODELS, DAYS, SCRAPE, LIMIT = 20, 30, 900, 2_000
METRIC = "bench_request_duration_seconds"
BOUNDS = (0.05, 0.1, 0.25, 0.5)
LIMITED, WHOLE = "limited (split)", "no limit"


def questions(client: object) -> dict[str, Callable[[], object]]:
    import p95kit

    common_args = {"client": client, "metric_name": METRIC}
    return {
        "window percentiles, 30 d": lambda: p95kit.percentiles(
            at=common.END, time_range=f"{DAYS}d", **common_args
        ),
        "window buckets, 30 d": lambda: p95kit.buckets(
            at=common.END, time_range=f"{DAYS}d", **common_args
        ),
        "P95 over 30 d, 6 h points of 1 d windows": lambda: p95kit.p95_range(
            end=common.END, duration=f"{DAYS}d", step="6h", time_range="1d", **common_args
        ),
    }


def build(workdir: Path, extra: list[str]) -> object:
    from p95kit.demo.local_prometheus import LocalPrometheus, OpenMetricsWriter

    start = common.END - DAYS * 86400
    writer = OpenMetricsWriter()
    for index in range(MODELS):
        increments = [1 + index % 3, 5, 10, 8, index % 2]
        labels = {"model": f"model-{index:02d}"}
        writer.add_histogram(METRIC, labels, BOUNDS, increments, start, common.END, SCRAPE)
    workdir.mkdir(parents=True, exist_ok=True)
    path = writer.write(workdir / "long.om")
    return LocalPrometheus(path, workdir, extra_args=extra, ready_timeout=60)


def same_numbers(left: object, right: object) -> bool:
    numeric = [c for c in left.columns if str(left[c].dtype) == "float64"]
    return len(left) == len(right) and all(
        np.allclose(left[c], right[c], rtol=1e-12, atol=0, equal_nan=True) for c in numeric
    )


def parts(frame: object) -> str:
    """How the answer was split, from its warnings."""
    how = []
    for note in frame.attrs["warnings"]:
        if note.startswith("histogram_quantile over"):
            how.append("percentiles computed from those counts")
        elif "answered it as " in note:
            how.append(note.split("answered it as ")[1].split(": the same numbers")[0])
    return "; ".join(how) or "-"


def run(rounds: int = 5) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    from p95kit import Prometheus

    began = time.perf_counter()
    rows, ratios, equal = [], [], True
    with tempfile.TemporaryDirectory(prefix="p95kit-bench-") as folder:
        limited = build(Path(folder) / "limited", [f"--query.max-samples={LIMIT}"])
        whole = build(Path(folder) / "whole", [])
        with limited, whole, Prometheus(limited.url) as a, Prometheus(whole.url) as b:
            setup = time.perf_counter() - began
            asked = {LIMITED: questions(a), WHOLE: questions(b)}
            for name in asked[LIMITED]:
                split, answer = asked[LIMITED][name](), asked[WHOLE][name]()
                equal &= same_numbers(split, answer)
                calls = {LIMITED: asked[LIMITED][name], WHOLE: asked[WHOLE][name]}
                timings = common.alternate(calls, rounds)
                ratio = timings.ratio(LIMITED, WHOLE)
                ratios.append(ratio)
                rows.append(
                    [
                        name,
                        parts(split),
                        common.ms(timings.median(WHOLE)),
                        common.ms(timings.median(LIMITED)),
                        f"{ratio:.2f}x",
                    ]
                )
    worst = max(ratios)
    verdict = "met" if equal else "NOT met"
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"{MODELS} classic histograms ({len(BOUNDS)} bounds) over {DAYS} d at a "
            f"{SCRAPE // 60} m scrape (2,881 samples per series) in two real Prometheus "
            f"servers on this machine, one with `--query.max-samples={LIMIT:,}` (setup "
            f"{setup:.0f} s). {rounds} alternating rounds, medians; the ratio is the median "
            "of the per-round ratios.",
            "",
            common.table(
                ["question", "how p95kit split it", WHOLE, LIMITED, "split / no limit"],
                rows,
            ),
            "",
            f"**Goal (limits): over the sample limit p95kit answers the same numbers as "
            f"without it: {verdict}; it costs {min(ratios):.2f}x-{worst:.2f}x the time of "
            "the unrefused answer (the refused attempt, then the parts).**",
            "",
            f"_Section took {time.perf_counter() - began:.0f} s._",
        ]
    )
