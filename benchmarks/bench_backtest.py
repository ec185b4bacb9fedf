"""Benchmark ``backtest``: the SLO backtest against Prometheus's own tool for replaying rules.

``p95kit.slo_backtest`` over 30 days at a 1-minute evaluation step for 200 models (raw
samples fetched once, Prometheus's rate arithmetic replayed in numpy) against ``promtool tsdb
create-blocks-from rules`` evaluating the same generated recording rules (the error ratios
and bad-request counts the alerts read) over the same range on the same data, through the
same local Prometheus. promtool writes blocks and no alerts (it cannot evaluate alerting
rules: research notes E5), so it does less than the backtest, which also decides the alerts
and their episodes. Goal: at least 5x faster, with the same numbers: the recorded values
promtool wrote, read back from its blocks at one evaluation an hour for every model and rule,
equal the backtest's own float for float.

Data: per model a threshold bucket (``le="2"``) and ``_count`` counter scraped every minute
for 34 days (30 plus the longest window, 3d, plus a day), about 600 requests a minute with a
slow share that drifts and bursts; backfilled with ``promtool tsdb create-blocks-from
openmetrics``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks import common

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "SLO backtest"

MODELS, DAYS, SPARE_DAYS = 200, 30, 4
METRIC = "bench_slo_seconds"
THRESHOLD_MS, OBJECTIVE = 2000, 99.0


def write_data(path: Path, models: int, days: int) -> Path:
    """The counters as OpenMetrics (2 series per model, one sample a minute)."""
    rng = np.random.default_rng(8)
    stamps = np.arange(common.END - (days + SPARE_DAYS) * 86400, common.END + 1, 60)
    minute = np.arange(len(stamps))
    with path.open("w", encoding="utf-8") as out:
        out.write(f"# TYPE {METRIC} histogram\n")
        for index in range(models):
            share = rng.uniform(0.001, 0.02) * (1 + 0.5 * np.sin(minute / rng.uniform(300, 3000)))
            bursts = rng.random(len(stamps)) < 0.0005
            share = np.where(np.convolve(bursts, np.ones(40), "same") > 0, 0.3, share)
            total = rng.poisson(600, len(stamps))
            slow = rng.binomial(total, np.clip(share, 0, 1))
            count = np.cumsum(total) + 1000
            fast = count - np.cumsum(slow)
            labels = f'model="model-{index:03d}"'
            for name, values in (
                (f'_bucket{{{labels},le="2"}} ', fast),
                (f"_count{{{labels}}} ", count),
            ):
                out.write(
                    "".join(
                        f"{METRIC}{name}{v} {t}\n" for v, t in zip(values.tolist(), stamps.tolist())
                    )
                )
        out.write("# EOF\n")
    return path


def run(rounds: int = 1, models: int = MODELS, days: int = DAYS) -> str:
    from p95kit.demo.local_prometheus import LocalPrometheus, find_binaries

    try:
        _, promtool = find_binaries()
    except Exception as exc:
        return f"## {TITLE}\n\nskipped: {exc}\n"
    work = Path(tempfile.mkdtemp(prefix="p95kit-bench-backtest-"))
    try:
        began = time.perf_counter()
        data = write_data(work / "data.om", models, days)
        backfill = [promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet"]
        backfill += ["--max-block-duration=900h", str(data), str(work / "prom" / "data")]
        subprocess.run(backfill, check=True, capture_output=True)
        data.unlink()
        setup = time.perf_counter() - began
        server = LocalPrometheus(None, work / "prom", ready_timeout=120)
        server._backfilled = True  # the blocks are ours (one pass over the file, not one a day)
        with server:
            return _measure(server.url, promtool, work, rounds, models, days, setup)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _measure(
    url: str, promtool: str, work: Path, rounds: int, models: int, days: int, setup: float
) -> str:
    import yaml

    from p95kit import Prometheus, slo_backtest
    from p95kit.slo.rules import draft, render, resolve

    client = Prometheus(url, timeout=600)
    end = common.END
    span = f"{days}d"
    d = draft(METRIC, THRESHOLD_MS, OBJECTIVE, "30d", "model")
    rules = resolve(d, client, end - 86400, end)
    recording = yaml.safe_load(render(rules))
    group = recording["groups"][0]
    group["rules"] = [r for r in group["rules"] if "record" in r]
    rule_file = work / "recording.yml"
    rule_file.write_text(yaml.safe_dump(recording), encoding="utf-8")
    first_eval = end - days * 86400 + 60

    def backtest():
        return slo_backtest(
            METRIC, THRESHOLD_MS, OBJECTIVE, client=client, duration=span, end=end, step="1m"
        )

    def promtool_rules():
        out = work / "rules-out"
        shutil.rmtree(out, ignore_errors=True)
        args = [promtool, "tsdb", "create-blocks-from", "rules", "--quiet", f"--url={url}"]
        args += [f"--start={first_eval}", f"--end={end}", f"--output-dir={out}", str(rule_file)]
        subprocess.run(args, check=True, capture_output=True)

    timings = common.alternate({"promtool": promtool_rules, "p95kit": backtest}, rounds, warmup=0)
    frame = backtest()
    same, compared, examples = _compare(work / "rules-out", rules, client, end, days)
    ratio = timings.ratio("promtool", "p95kit")
    met = "met" if ratio >= 5 and same else "NOT met"
    pages = int((frame["severity"] == "page").sum())
    rows = [
        [
            "promtool tsdb create-blocks-from rules (recording rules only)",
            common.ms(timings.median("promtool")),
        ],
        [
            "p95kit.slo_backtest (fetch, replay, alerts, episodes)",
            common.ms(timings.median("p95kit")),
        ],
    ]
    return "\n".join(
        [
            f"## {TITLE}: 30 d at 1 m for 200 models vs promtool replaying the rules",
            "",
            f"**Goal (backtest): at least 5x faster than promtool tsdb create-blocks-from rules, "
            f"same numbers: {met} ({ratio:.1f}x; {compared:,} recorded values compared, "
            f"{'all equal' if same else 'NOT all equal'}).**",
            "",
            common.table(["case", "median"], rows),
            "",
            f"{models} models x {days} d at a 1 m step = {models * days * 1440:,} evaluations of "
            f"{len(group['rules'])} recording rules (windows {', '.join(rules.ratio_windows())}); "
            f"the backtest found {len(frame)} alert episodes ({pages} pages). Data set-up "
            f"(write + backfill) {setup:.0f} s, not timed. {rounds} round(s) each.",
            *(
                ["", "Differences (promtool vs backtest):", *[f"- {e}" for e in examples]]
                if examples
                else []
            ),
        ]
    )


def _compare(out: Path, rules, client, end: int, days: int) -> tuple[bool, int, list[str]]:
    """promtool's recorded values at one evaluation an hour vs the backtest's own."""
    from p95kit import Prometheus
    from p95kit.demo.local_prometheus import LocalPrometheus
    from p95kit.slo.raw_samples import fetch_raw, ms
    from p95kit.slo.replay import Families, bad_requests, error_ratio
    from p95kit.slo.rule_set import BAD_RECORD, RATIO_RECORD

    reader = LocalPrometheus(None, out.parent / "reader", ready_timeout=120)
    reader.data_dir = out
    reader._backfilled = True
    longest = 3 * 86400
    raw = fetch_raw(client, rules.raw_selector(), end - days * 86400 - longest, end)
    fam = Families.of(rules, raw)
    same, compared, examples = True, 0, []
    with reader, Prometheus(reader.url, timeout=600) as theirs:
        probe = theirs.query(
            f'{RATIO_RECORD}5m{{model="{fam.models[0]}"}}[10m]', end, expect="matrix"
        )
        offset = ms(float(probe.columns.stamps[-1])) % 60_000  # promtool's group offset
        hours = np.arange(end - days * 86400 + 3600, end + 1, 3600, dtype=np.int64) - 60
        evals = hours * 1000 + offset
        named = [(f"{RATIO_RECORD}{w}", error_ratio(fam, evals, w)) for w in rules.ratio_windows()]
        named += [(f"{BAD_RECORD}{w}", bad_requests(fam, evals, w)) for w in rules.guard_windows()]
        for name, ours in named:
            found = theirs.query_range(name, evals[0] / 1000, evals[-1] / 1000, 3600.0)
            values = np.full_like(ours, np.nan)
            columns = found.columns
            begin = 0
            for item, length in zip(found.result, columns.lengths.tolist()):
                row = fam.models.index(item["metric"]["model"])
                stamps = np.rint(columns.stamps[begin : begin + length] * 1000).astype(np.int64)
                values[row, np.searchsorted(evals, stamps)] = columns.values[begin : begin + length]
                begin += length
            equal = (values == ours) | (np.isnan(values) & np.isnan(ours))
            same &= bool(equal.all())
            for i, j in np.argwhere(~equal)[: 3 - len(examples)]:
                when = int(evals[j])
                examples.append(
                    f"{name} {fam.models[i]} at {when} ms: {values[i, j]!r} vs {ours[i, j]!r}"
                )
            compared += int(np.isfinite(ours).sum())
    return same, compared, examples
