"""Benchmark ``compare``: comparing versions, statistical honesty and cost.

Honesty (no Prometheus needed): benchmarks/compare_simulation.py's seeded pairs through three
real bucket layouts (prometheus_client's defaults, vLLM's e2e, TGI's), decided exactly as
``p95kit.compare`` decides (``max_slowdown_pct`` 10, 95 % confidence): the share of A/A pairs
that read ``slower`` or ``faster`` (false alarms; goal: at most 5 %), and per layout, size
(1k, 10k, 100k requests per side) and true P95 slowdown (+10, +20, +50 %, the whole
distribution or its tail only) the share of each verdict.

Cost: ``compare`` (one bucket query per side, both at once) against ``percentiles``
(``histogram_quantile`` of P50/P95/P99, the default estimator) over the same 6 h window of
a real Prometheus holding 50 models x 2 versions x 2 instances at one sample every 15 s.
Goal: compare costs at most 1.5x.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import common
from benchmarks import compare_simulation as sim
from benchmarks import groundtruth as gt

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "Comparing versions: statistical honesty and cost"

SIZES = (1_000, 10_000, 100_000)
SLOWDOWNS = (0.10, 0.20, 0.50)
AA_PAIRS = 2_000
PAIRS = 1_000
COST_MODELS = 50
COST_HOURS = 6
COST_STEP = 15
WINDOW = "6h"
METRIC = "bench_version_duration_seconds"


def _share(value: float) -> str:
    return f"{value * 100:.1f} %"


def honesty() -> tuple[list[str], dict[str, float]]:
    """The A/A and power tables, and the worst A/A false-alarm rate."""
    from p95kit.compare.verdicts import Rules

    rng = np.random.default_rng(sim.SEED)
    aa_rows, worst = [], 0.0
    for layout in sim.LAYOUTS:
        for n in SIZES:
            for extrapolated in (False, True):
                cell = sim.run(layout, "scale", 0.0, n, AA_PAIRS, rng, extrapolated=extrapolated)
                alarms = cell.shares["slower"] + cell.shares["faster"]
                worst = max(worst, alarms)
                aa_rows.append(
                    [
                        layout,
                        f"{n:,}",
                        "yes" if extrapolated else "no",
                        _share(cell.shares["slower"]),
                        _share(cell.shares["faster"]),
                        f"**{_share(alarms)}**",
                        _share(cell.shares["no_change"]),
                        _share(cell.shares["inconclusive"]),
                        f"{cell.needed_median:,.0f}" if np.isfinite(cell.needed_median) else "—",
                    ]
                )
    power_rows = []
    for kind in ("scale", "tail"):
        for layout in sim.LAYOUTS:
            for slowdown in SLOWDOWNS:
                row = [kind, layout, f"+{slowdown * 100:.0f} %"]
                for n in SIZES:
                    cell = sim.run(layout, kind, slowdown, n, PAIRS, rng)
                    row.append(_verdict_mix(cell.shares))
                power_rows.append(row)
    strict = []
    for layout in sim.LAYOUTS:
        row = [layout]
        for n in SIZES:
            cell = sim.run(layout, "scale", 0.10, n, PAIRS, rng, Rules(max_slowdown=0.05))
            row.append(_verdict_mix(cell.shares))
        strict.append(row)
    claims = []
    for layout in sim.LAYOUTS:
        needed = sim.claimed_requests(layout)
        measured = [
            sim.detection(layout, kind, 0.10, int(np.ceil(needed)), AA_PAIRS, rng)
            for kind in ("scale", "tail")
        ]
        claims.append([layout, f"{needed:,.0f}", *(_share(m) for m in measured)])
    sizes = [f"{n:,} / side" for n in SIZES]
    lines = [
        f"A/A pairs ({AA_PAIRS:,} per row; no difference, so every slower or faster is a false "
        "alarm; nominal level 5 %, split 2.5 % per direction). *extrapolated*: each side's "
        "counts scaled by a random factor in [1, 300/285], as `increase()` over 5 minutes of "
        "15-second scrapes gives, so they are not integers. *needed*: the median of the "
        "inconclusive answers' requests per side for a +10 % slowdown.",
        "",
        common.table(
            [
                "layout",
                "requests / side",
                "extrapolated",
                "slower",
                "faster",
                "false alarms",
                "no_change",
                "inconclusive",
                "needed",
            ],
            aa_rows,
        ),
        "",
        f"Power ({PAIRS:,} pairs per cell): the share (%) of verdicts **S**lower, **N**o "
        "change, **I**nconclusive and **F**aster for a true P95 slowdown, `max_slowdown_pct` "
        "10. *scale*: every request that much slower; *tail*: the same median, a wider tail. "
        "+10 % is the limit itself: there a verdict rests on the P95 estimate falling either "
        "side of 10 %, a coin flip by design (prometheus_client's buckets put the estimate of a "
        "true +10 % at about +9 %, so it mostly reads no_change).",
        "",
        common.table(["truth", "layout", "P95 slowdown", *sizes], power_rows),
        "",
        "The +10 % slowdown with `max_slowdown_pct` 5 (a limit below the change):",
        "",
        common.table(["layout", *sizes], strict),
        "",
        "The power claimed, measured: the requests per side an inconclusive answer says a +10 % "
        "slowdown needs (80 % power, read off unlimited data of the layout's latency, with "
        f"`compare.power.MARGIN`), and the share of {AA_PAIRS:,} pairs with that many requests "
        "whose counts do show the slowdown at the rule's level (p_value <= 5 %):",
        "",
        common.table(
            ["layout", "needed / side", "whole distribution +10 %", "tail only +10 %"], claims
        ),
        "",
        *unequal_traffic(rng),
        "",
        *repeated_looks(rng),
    ]
    return lines, {"worst_false_alarms": worst}


def unequal_traffic(rng: np.random.Generator, pairs: int = 4_000) -> list[str]:
    """Brunner-Munzel against Mann-Whitney when the candidate has the same median, a wider
    tail (so the binned P(candidate slower) is 1/2: no shift) and a tenth of the traffic."""
    from p95kit.compare.statistics import brunner_munzel, mann_whitney_z, normal_sf

    layout, rows = "tgi", []
    base_shares = sim.probabilities(layout)
    wide = sim.probabilities(layout, "tail", 1.0)  # sigma 0.8 -> 1.22: same median
    for nx, ny in ((10_000, 10_000), (18_000, 2_000), (2_000, 18_000)):
        x, y = sim.draw(rng, base_shares, nx, pairs), sim.draw(rng, wide, ny, pairs)
        bm = brunner_munzel(x, y).z
        mw = mann_whitney_z(x, y)
        rejected = [np.mean(2 * normal_sf(np.abs(z)) <= 0.05) for z in (mw, bm)]
        rows.append([f"{nx:,} / {ny:,}", *(_share(r) for r in rejected)])
    return [
        f"A shape change without a shift ({pairs:,} pairs, TGI buckets, the candidate's tail "
        "wider, its median the same): how often each shift test rejects at a two-sided 5 % "
        "(it should: 5 %). Mann-Whitney's level depends on which side is the smaller one; "
        "Brunner-Munzel's does not.",
        "",
        common.table(["baseline / candidate requests", "Mann-Whitney", "Brunner-Munzel"], rows),
    ]


def repeated_looks(rng: np.random.Generator, pairs: int = 1_000, looks: int = 12) -> list[str]:
    """A/A pairs checked after every 500 requests per side, 12 times: how often some look
    reads slower or faster, at the plain rule and with ``looks=12``."""
    from p95kit.compare.verdicts import Rules, decide
    from p95kit.query.histogram import Histogram

    rows = []
    for layout in ("prometheus_client", "tgi"):
        shares = sim.probabilities(layout)
        bounds = np.array([*sim.LAYOUTS[layout], np.inf])
        steps_x = np.stack([sim.draw(rng, shares, 500, pairs) for _ in range(looks)])
        steps_y = np.stack([sim.draw(rng, shares, 500, pairs) for _ in range(looks)])
        row = [layout]
        for rules in (Rules(), Rules(looks=looks)):
            alarmed = np.zeros(pairs, dtype=bool)
            for look in range(looks):
                x, y = steps_x[: look + 1].sum(axis=0), steps_y[: look + 1].sum(axis=0)
                decision = decide(
                    Histogram.of(bounds, np.cumsum(x, axis=1), scale=1000.0),
                    Histogram.of(bounds, np.cumsum(y, axis=1), scale=1000.0),
                    rules,
                )
                alarmed |= np.isin(decision.verdict, ("slower", "faster"))
            row.append(_share(float(alarmed.mean())))
        rows.append(row)
    return [
        f"Repeated looks ({pairs:,} A/A pairs, checked after every 500 requests per side, "
        f"{looks} times, up to 6,000): how often at least one look reads slower or faster.",
        "",
        common.table(["layout", "looks=1 every time", f"looks={looks}"], rows),
    ]


def _verdict_mix(shares: dict[str, float]) -> str:
    parts = [("S", shares["slower"]), ("N", shares["no_change"]), ("I", shares["inconclusive"])]
    parts.append(("F", shares["faster"]))
    return " ".join(
        f"{label} {value * 100:.0f}" if value >= 0.005 else f"{label} <1"
        for label, value in parts
        if value > 0
    )


def cost_dataset(folder: Path) -> Path:
    """50 models x 2 versions x 2 instances, prometheus_client's buckets, 6 h at 15 s."""
    from p95kit.demo.local_prometheus import OpenMetricsWriter

    writer = OpenMetricsWriter()
    bounds = gt.PROMETHEUS_CLIENT
    shares = sim.probabilities("prometheus_client")[:-1]
    for index in range(COST_MODELS):
        for version, factor in (("v1", 1.0), ("v2", 1.1)):
            counts = [round(400 * factor * s) for s in shares] + [0]
            for instance in ("a", "b"):
                labels = {"model": f"model-{index:02d}", "version": version, "pod": instance}
                writer.add_histogram(
                    METRIC, labels, bounds, counts, gt.END - COST_HOURS * 3600, gt.END, COST_STEP
                )
    return writer.write(folder / "versions.om")


def cost(url: str, rounds: int) -> tuple[list[list[str]], float]:
    from p95kit import Prometheus, compare, percentiles

    with Prometheus(url) as client:
        cases = {
            "percentiles": lambda: percentiles(
                metric_name=METRIC, time_range=WINDOW, at=gt.END, client=client
            ),
            "compare": lambda: compare(
                metric_name=METRIC,
                baseline='version="v1"',
                candidate='version="v2"',
                time_range=WINDOW,
                at=gt.END,
                client=client,
            ),
        }
        timings = common.alternate(cases, rounds)
    ratio = timings.ratio("compare", "percentiles")
    rows = [
        [
            f"{COST_MODELS} models x 2 versions, {WINDOW} window",
            common.ms(timings.median("percentiles")),
            common.ms(timings.median("compare")),
            f"{ratio:.2f}x",
        ]
    ]
    return rows, ratio


def run(rounds: int = 7) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    from p95kit.demo.local_prometheus import LocalPrometheus

    began = time.perf_counter()
    lines, figures = honesty()
    with tempfile.TemporaryDirectory(prefix="p95kit-compare-") as tmp:
        folder = Path(tmp)
        with LocalPrometheus(cost_dataset(folder), folder) as prom:
            cost_rows, ratio = cost(prom.url, rounds)
    worst = figures["worst_false_alarms"]
    honest = "met" if worst <= 0.05 else "NOT met"
    cheap = "met" if ratio <= 1.5 else "NOT met"
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"(`python -m benchmarks --only compare`, {common.machine_info()['date']}.)",
            "",
            f"**Goal (compare, honesty): A/A false alarms at most 5 % at 95 % confidence on "
            f"every layout and size: {honest} (worst {_share(worst)}).**",
            "",
            f"**Goal (compare, cost): `compare` at most 1.5x `percentiles` over the same window: "
            f"{cheap} ({ratio:.2f}x).**",
            "",
            *lines,
            "",
            f"Cost ({rounds} alternating rounds, medians; a local Prometheus on the same 2 "
            "cores): `percentiles` asks `histogram_quantile` for P50, P95 and P99 over every "
            "series (three evaluations of the window's increase); `compare` asks one bucket "
            "query per side (each half of the series, `_sum` included), both at once, and "
            "computes percentiles and tests in p95kit.",
            "",
            common.table(["dataset", "percentiles", "compare", "compare / percentiles"], cost_rows),
            "",
            f"({time.perf_counter() - began:.0f} s)",
        ]
    )
