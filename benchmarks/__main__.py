"""Run every benchmark and write ``benchmarks/RESULTS.md``.

    python -m benchmarks                  # all but backtest, ~12-14 minutes on 2 cores
    python -m benchmarks --only backtest  # ~40 minutes, mostly promtool's
    python -m benchmarks --only range     # some of: range, report, scale, startup,
                                          #   accuracy, metrics, serve, limits, slo, compare,
                                          #   backtest
    python -m benchmarks --quick          # fewer rounds, for a smoke test

A full run writes ``benchmarks/RESULTS.md``; ``--only``/``--quick`` print to stdout
unless ``--output`` is given. Needs the ``bench`` extra (prometheus-api-client), the
``serve`` extra for ``serve``, and ``prometheus`` + ``promtool`` (as for the test suite) for
all but ``range``, ``startup`` and part A of ``scale``.

Each benchmark's section is numbered by its place in :data:`ORDER` (:func:`number`), here
only: the modules write ``## <TITLE>``, and the README files and ``LIMITS`` refer to the
numbers that come out (tests/behaviour/test_benchmark_numbers.py holds them to it).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from benchmarks import (
    bench_accuracy,
    bench_backtest,
    bench_compare,
    bench_limits,
    bench_metrics,
    bench_range,
    bench_report,
    bench_scale,
    bench_serve,
    bench_slo,
    bench_startup,
    common,
)

ORDER = (
    "range",
    "report",
    "scale",
    "startup",
    "accuracy",
    "metrics",
    "serve",
    "limits",
    "slo",
    "compare",
    "backtest",
)
#: Run only when named with --only (their baseline alone takes most of an hour).
LONG = ("backtest",)

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
LIMITS = """\
## What limits the results

Written from the profiles of the p95kit code of 2026-11-27 (commits 8179349: samples parsed
from the bytes, lazy package `__init__`; b41728d: the report kernel boots during the fetch);
re-check it against the tables below when that code changes.

- **Range to DataFrame ({range}), met.** What is left of `p95_range` is HTTP (loopback transfer and
  gunzip of the ~3.4 MB gzipped answer) and `matrix.decode_body`, the largest step (one pandas
  `read_csv` over ~576k numbers, the byte copies that build its input, orjson for the envelope
  and labels); `parse_matrix` from the columns takes a few ms. A body `decode_body` does not
  accept (another layout, native histograms) takes the generic path (`matrix.loads` +
  `matrix.from_lists`, one Python object per sample), which is slower: see the fallback
  rows. Tried and dropped earlier: `np.fromstring`, `astype` from `S`/`U` arrays, `map(float)`
  (all as slow as `float()`), unquoting values with a regex, reading the body with
  `raw.read()` (~5 ms).
- **Report ({report}), met.** Before commit b41728d it was not met in-process (2.64x): the kernel
  started only after the 6 queries (~0.3 s), the notebook imported matplotlib (~0.5 s) and
  drew the chart (~0.3 s), and jupyter_client's ready check waits for 0.2 s of IOPub silence
  on every start. Now the kernel is launched before the fetch and boots while the report
  process fetches and draws `chart.png` (matplotlib stays out of the kernel), and the ready
  check ends when its own `kernel_info`'s idle status arrives; the kernel is killed and reaped
  directly (jupyter_client polls for its exit every 0.1 s). What remains beyond the
  floor: the fetch plus the chart (they now outlast the kernel's boot), the notebook's pandas
  and p95kit imports (~0.35 s, the "from pathlib import Path" cell), and a larger HTML
  export. As fresh processes, the report process also imports more (p95kit's CLI and report
  modules and matplotlib next to papermill and nbconvert; see the import table).
- **Chunked ranges ({scale}B).** On this 2-core machine a local Prometheus shares the CPUs with the
  client, and each chunk is mostly Prometheus' own evaluation (B2's chunks of the same size
  take ~0.1 s beyond the canned server's sleep), so what 4 concurrent chunks gain over 1 at a
  time is smaller in B1 and varies with the machine's load (from ~0.9x to ~1.7x in the runs of
  2026-11-27). Against a server that answers from its own CPUs (B2) the overlap works.
  Concurrency costs memory: the 4 chunks' answers are alive at once.
- **Start-up ({startup}), met.** `p95kit --help` loads click but not pandas, requests or orjson, and
  `import p95kit` costs about nothing; the ~0.5-0.6 s of pandas + requests moved to the first
  use of a query function, which needs them.
- **Several metrics ({metrics}): met with Prometheus on its own machine, not with it on these 2
  cores.** It was 2.00x, then 1.72x. What changed on 2026-12-01: each metric's window numbers
  come from one bucket query per window, computed with `histogram_quantile`'s own arithmetic
  (`query/window_histograms.py`; equal floats, tested), so a metric costs Prometheus 3 passes over
  24 h of samples instead of 7 and the report 4 queries instead of 6; `figure_png` draws once.
  Then three per-metric costs of the report process went. The chart draws in ~4/5 of the time
  (one measurement of the plot's margins instead of constrained layout's repeated ones, and
  DejaVu Sans alone unless a name needs a CJK font: ~190 ms of CPU per chart). The HTML export
  no longer lets nbconvert re-parse every table cell with BeautifulSoup (0.42 -> 0.12 CPU-s
  for the 3-metric page). The metrics are fetched at once (up to 3, each 3 queries at a time),
  not one after another: a chart drawn while the next metric's answers were being parsed took
  ~320 ms of wall time for ~190 ms of CPU (the GIL), and now most are drawn after the answers
  are in. Own machine, same hour (the proxy not yet limited to 2 cores): 1.45x with the first
  two, 1.26x with all three; with a Prometheus of 2 cores, where concurrent queries wait (the
  table), 1.33x-1.40x. p95kit's own processes (report + kernel) take ~1.4-1.7x the CPU. With
  Prometheus on this machine its evaluation grows with the metrics (~3x its CPU) and competes
  with the kernel's boot and the charts for the same 2 cores: the three processes need ~3.2
  CPU-s for the 3-metric report against ~2.0 for the 1-metric one, whose length is set by the
  kernel's boot, not the CPUs. Half of 3.2 CPU-s plus the notebook and export that can only run
  after it already make ~1.5x; it measures ~1.7-2.0x. That is Prometheus's own work sharing the
  report's machine more than p95kit's. Tried and dropped earlier, within this
  VM's noise (its steal time moves a 1-metric report between 1.1 s and 2.0 s): drawing the
  further metrics' charts on a thread while the notebook runs (the thread holds the GIL
  papermill's message loop needs), and a streaming pool for all metrics' queries.
- **Live API ({serve}), met.** A cached answer is bytes from memory, gzipped once when it is cached:
  the 24 h range answer for 50 models costs ~1/45 of asking Prometheus in wall time and ~1/80 in
  CPU. Per request what is left beyond the bare uvicorn floor is FastAPI (routing, validating
  up to 11 query parameters), the access-log record, the metrics and the cache lookup: about
  0.3x-0.4x the floor's requests/s. On these 2 shared cores the client, the server and
  Prometheus compete for the CPUs, so the absolute requests/s vary from run to run (they were
  2-3x lower while other test suites ran); run several workers for more.
- **Sample limits ({limits}), met.** A window over the limit costs one refused attempt, then its
  sub-windows (2 here, asked at once); `histogram_quantile` over it becomes one bucket query
  and local arithmetic, cheaper than three `histogram_quantile` evaluations, so the split
  percentiles can be faster than the unrefused ones. A range over the limit is halved until
  its parts pass: 16 parts here after 15 refused attempts (Prometheus refuses as soon as the
  points it holds pass the limit, so those are cheap), 4 at a time.
- **Comparing versions ({compare}), met.** The tests are a few numpy passes over models x buckets
  (1,000 pairs of a 36-bucket layout are decided in ~40 ms), so the cost is Prometheus's: one
  bucket query per side, each over its half of the series and both at once, against
  `percentiles`' three `histogram_quantile` evaluations over all of them. What limits the
  verdicts is the data: with 1,000 requests per side a +10 % slowdown is shown in under half
  of the pairs (the others are `inconclusive`, with the requests they need), and a change
  equal to the limit is a coin flip by design.
"""

METHOD = """\
## Method

- Every benchmark alternates the baseline and p95kit in the same run (the order rotates
  each round) and reports medians; "x" ratios are medians of per-round ratios.
- Peak memory is measured per case in a fresh subprocess (`benchmarks/memprobe.py`): the
  case's imports and setup run first, then `gc.collect()`, then the peak-RSS counter is
  reset (`/proc/self/clear_refs`) and the call runs once. "peak RSS" is `VmHWM` after the
  call (interpreter + imports + case); "RSS delta" is `VmHWM` minus `VmRSS` before the call,
  the case's own cost and the figure the memory goals use. "tracemalloc peak" comes from a
  second fresh process with `tracemalloc` on during the call; it counts reserved but untouched
  memory too (orjson reserves a buffer sized from the input), so it overstates orjson cases.
- p95kit's package loads its names on first use, so the cases import them by name (`from
  p95kit import p95_range`) during setup; otherwise pandas' and requests' imports would land
  in p95kit's measured call (prometheus-api-client's imports are setup too).
- Canned HTTP answers come from `benchmarks/cannedserver.py`, a threaded `http.server` in
  its own process on 127.0.0.1 that gzips like Prometheus; real Prometheus runs are
  `p95kit.demo.local_prometheus.LocalPrometheus` with data written by `OpenMetricsWriter`.
- Other processes may share the machine: see the load average; alternation keeps the
  ratios fair, absolute times are noisier.
"""


def number(name: str) -> int:
    """A benchmark's section number in RESULTS.md: its place in :data:`ORDER`, from 1."""
    return ORDER.index(name) + 1


def numbered(name: str, section: str) -> str:
    """``## Title ...`` -> ``## <number>. Title ...``: the number a section's module leaves out."""
    if not section.startswith("## "):
        raise ValueError(f"the {name} benchmark's section must start with '## ': {section[:40]!r}")
    return f"## {number(name)}. {section[3:]}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--only", help="comma-separated: " + ",".join(ORDER))
    parser.add_argument("--quick", action="store_true", help="fewer rounds (smoke test)")
    parser.add_argument("--output", type=Path, help="where to write the Markdown")
    options = parser.parse_args(argv)
    chosen = options.only.split(",") if options.only else [n for n in ORDER if n not in LONG]
    unknown = set(chosen) - set(ORDER)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; choose from {', '.join(ORDER)}")
    output = options.output or (None if options.only or options.quick else RESULTS)
    quick = options.quick
    runners = {
        "range": lambda: bench_range.run(rounds=3 if quick else 7),
        "report": lambda: bench_report.run(rounds=2 if quick else 5, cli_rounds=1 if quick else 5),
        "scale": lambda: bench_scale.run(rounds=3 if quick else 5, long_rounds=1 if quick else 2),
        "startup": lambda: bench_startup.run(rounds=3 if quick else 7),
        "accuracy": lambda: bench_accuracy.run(rounds=3 if quick else 15),
        "metrics": lambda: bench_metrics.run(rounds=2 if quick else 7),
        "serve": lambda: bench_serve.run(rounds=3 if quick else 7, scale=0.2 if quick else 1.0),
        "limits": lambda: bench_limits.run(rounds=2 if quick else 5),
        "slo": lambda: bench_slo.run(rounds=3 if quick else 7),
        "compare": lambda: bench_compare.run(rounds=3 if quick else 9),
        "backtest": lambda: bench_backtest.run(
            rounds=1, models=20 if quick else 200, days=3 if quick else 30
        ),
    }
    machine = common.machine_info()
    load_before = _load()
    began = time.perf_counter()
    sections, failed = [], []
    for name in ORDER:
        if name in chosen:
            print(f"benchmarks: running {name} ...", file=sys.stderr, flush=True)
            try:
                sections.append(numbered(name, runners[name]()))
            except Exception:  # keep the other benchmarks' figures; report the failure
                failed.append(name)
                trace = traceback.format_exc()
                failure = (
                    f"## {name}: FAILED\n\n**Goal ({name}): not measured: the benchmark failed "
                    f"(traceback below).**\n\n```\n{trace[-3000:]}```"
                )
                sections.append(numbered(name, failure))
            print(sections[-1] + "\n", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - began
    text = render(sections, machine, load_before, elapsed, argv)
    if output is None:
        print(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"benchmarks: wrote {output} ({elapsed:.0f} s)", file=sys.stderr)
    if failed:
        sys.exit(f"benchmarks: failed: {', '.join(failed)}")


def render(
    sections: list[str], machine: dict, load_before: str, elapsed: float, argv: list[str] | None
) -> str:
    args = " ".join(sys.argv[1:] if argv is None else argv)
    command = f"{sys.executable} -m benchmarks {args}".strip()
    goals = [
        line for section in sections for line in section.splitlines() if line.startswith("**Goal")
    ]
    lines = [
        "# p95kit benchmarks",
        "",
        f"Produced by `{command}` (run from the repository root) in {elapsed:.0f} s.",
        "",
        common.table(
            ["", ""],
            [
                ["date", machine["date"]],
                ["python", machine["python"]],
                ["platform", machine["platform"]],
                ["cpu", machine["cpu"]],
                ["load average (1/5/15 min) before / after", f"{load_before} / {_load()}"],
                [
                    "versions",
                    common.versions(
                        "p95kit",
                        "pandas",
                        "numpy",
                        "orjson",
                        "requests",
                        "prometheus-api-client",
                        "papermill",
                        "nbconvert",
                        "nbclient",
                        "matplotlib",
                        "fastapi",
                        "uvicorn",
                    ),
                ],
            ],
        ),
        "",
        "## Goals",
        "",
        *[f"- {goal}" for goal in goals],
        "",
        LIMITS.format(**{name: number(name) for name in ORDER}),
        METHOD,
        *[section + "\n" for section in sections],
    ]
    return "\n".join(lines)


def _load() -> str:
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    main()
