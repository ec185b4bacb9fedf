"""Benchmark ``range``: a range answer to a DataFrame, end to end over HTTP.

A canned ``query_range`` body (200 series x 1,441 points, values as strings, ~2% "NaN")
is served by ``benchmarks.cannedserver`` on loopback, gzipped like Prometheus does.
``p95kit.p95_range(duration="24h", step="1m")`` is timed against prometheus-api-client
(``custom_query_range`` + ``MetricRangeDataFrame``) and against floors: ``json.loads`` /
``orjson.loads`` of the bytes already in memory, and ``requests.get`` + decode.
Every case is a factory: it imports and sets up, then returns the call to measure, so
the same code serves the timing loop and the fresh-process memory probe. A fresh process
then times p95kit's steps one by one: HTTP, ``range_answers.decode_body`` and
``frames.parse_matrix(columns=...)``, and the generic fallback (``range_answers.loads`` +
``range_answers.from_lists`` + ``parse_matrix``) taken by bodies ``decode_body`` does not accept.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

from benchmarks import common

#: The heading of this benchmark's section; ``python -m benchmarks`` numbers it from ORDER.
TITLE = "Range result to DataFrame, end to end over HTTP"

SERIES, POINTS, STEP = 200, 1441, 60
PATH = "/api/v1/query_range"
QUERY = "histogram_quantile(0.95, sum by (le, model) (rate(x_bucket[5m])))"
START = common.END - (POINTS - 1) * STEP


def _params() -> dict[str, str]:
    return {"query": QUERY, "start": str(START), "end": str(common.END), "step": str(STEP)}


def _body(url: str) -> bytes:
    import requests

    return requests.get(url + PATH, params=_params(), timeout=30).content


def case_json(url: str) -> Callable[[], object]:
    body = _body(url)
    return lambda: json.loads(body)["data"]["result"]


def case_orjson(url: str) -> Callable[[], object]:
    import orjson

    body = _body(url)
    return lambda: orjson.loads(body)["data"]["result"]


def case_requests_json(url: str) -> Callable[[], object]:
    import requests

    session = requests.Session()
    return lambda: json.loads(session.get(url + PATH, params=_params(), timeout=30).content)


def case_requests_orjson(url: str) -> Callable[[], object]:
    import orjson
    import requests

    session = requests.Session()
    return lambda: orjson.loads(session.get(url + PATH, params=_params(), timeout=30).content)


def case_prometheus_api_client(url: str) -> Callable[[], object]:
    from prometheus_api_client import MetricRangeDataFrame, PrometheusConnect

    prom = PrometheusConnect(url, disable_ssl=True)
    start = datetime.fromtimestamp(START, timezone.utc)
    end = datetime.fromtimestamp(common.END, timezone.utc)
    return lambda: MetricRangeDataFrame(prom.custom_query_range(QUERY, start, end, str(STEP)))


def case_p95kit(url: str) -> Callable[[], object]:
    # By name: the package loads it (and pandas, requests) on first use, which the memory
    # probe must count as setup, as it counts prometheus_api_client's imports.
    from p95kit import p95_range

    return lambda: p95_range(prometheus_url=url, duration="24h", step="1m", end=common.END)


BASELINE, OURS = "prometheus-api-client", "p95kit.p95_range"
CASES = {
    "json.loads (bytes in memory, floor)": "case_json",
    "orjson.loads (bytes in memory, floor)": "case_orjson",
    "requests.get + json.loads (HTTP floor)": "case_requests_json",
    "requests.get + orjson.loads (HTTP floor)": "case_requests_orjson",
    BASELINE: "case_prometheus_api_client",
    OURS: "case_p95kit",
}
HTTP_STEP = "HTTP: requests.get(...).content (incl. gunzip)"
FAST_STEPS = (HTTP_STEP, "range_answers.decode_body(body)", "frames.parse_matrix(..., columns=...)")
FALLBACK_STEPS = (
    HTTP_STEP,
    "range_answers.loads(body) (orjson, GC paused)",
    "range_answers.from_lists(result)",
    "frames.parse_matrix(..., columns=from_lists)",
)
GC_STEP = "for reference: orjson.loads(body) with the GC enabled"


def breakdown(url: str, repeat: str = "9") -> None:
    """Print, as JSON, p95kit's steps for this answer, each timed alone (medians).

    The path ``p95_range`` takes (``decode_body`` + ``parse_matrix`` from its columns),
    and the generic fallback the client uses when a body is not laid out as
    ``decode_body`` expects (``loads`` + ``from_lists`` + ``parse_matrix``). Run in a
    fresh process (``python -m benchmarks.bench_range URL``) so the heap holds what a
    fresh ``p95_range`` call holds, not the benchmark's leftovers; the decoders run
    first, while no decoded answer is alive (the cyclic GC's cost grows with it).
    """
    import orjson
    import requests

    from p95kit.prometheus import range_answers
    from p95kit.query import frames

    session = requests.Session()
    fetch = lambda: session.get(url + PATH, params=_params(), timeout=30).content  # noqa: E731
    body = fetch()
    runs = int(repeat)
    decoders = {
        HTTP_STEP: fetch,
        FAST_STEPS[1]: lambda: range_answers.decode_body(body),
        FALLBACK_STEPS[1]: lambda: range_answers.loads(body),
        GC_STEP: lambda: orjson.loads(body),
    }
    medians = {name: common.median_of(step, runs) for name, step in decoders.items()}
    decoded = range_answers.decode_body(body)
    if decoded is None:
        raise AssertionError("decode_body did not accept the canned body: p95kit fell back")
    envelope, columns = decoded
    lean = envelope["data"]["result"]
    result = range_answers.loads(body)["data"]["result"]
    from_lists = range_answers.from_lists(result)
    later = {
        FAST_STEPS[2]: lambda: frames.parse_matrix(lean, "model", "p", 1000.0, columns=columns),
        FALLBACK_STEPS[2]: lambda: range_answers.from_lists(result),
        FALLBACK_STEPS[3]: lambda: frames.parse_matrix(
            result, "model", "p", 1000.0, columns=from_lists
        ),
    }
    medians.update({name: common.median_of(step, runs) for name, step in later.items()})
    print(json.dumps(medians))


def check_same_rows(url: str) -> str:
    """Both libraries must return every point (NaN included), and p95kit's two decoding
    paths must give the same frame. Returns a note for the section."""
    import pandas.testing

    from p95kit.prometheus import range_answers
    from p95kit.query import frames

    ours = case_p95kit(url)()
    theirs = case_prometheus_api_client(url)()
    expected = SERIES * POINTS
    if not len(ours) == len(theirs) == expected:
        raise AssertionError(f"row counts differ: p95kit {len(ours)}, baseline {len(theirs)}")
    body = _body(url)
    decoded = range_answers.decode_body(body)
    if decoded is None:
        raise AssertionError("decode_body did not accept the canned body: p95kit fell back")
    envelope, columns = decoded
    fast = frames.parse_matrix(envelope["data"]["result"], "model", "p", 1.0, columns=columns)
    result = range_answers.loads(body)["data"]["result"]
    slow = frames.parse_matrix(result, "model", "p", 1.0, columns=range_answers.from_lists(result))
    pandas.testing.assert_frame_equal(fast, slow)
    return (
        f"both libraries' frames have {expected:,} rows; the body takes p95kit's "
        "`decode_body` path, whose frame equals the fallback path's exactly "
        "(`assert_frame_equal`)"
    )


def run(rounds: int = 7) -> str:
    """Run the benchmark; return its RESULTS.md section."""
    began = time.perf_counter()
    body = common.matrix_body(SERIES, POINTS, STEP)
    with common.canned_server(body) as url:
        sanity = check_same_rows(url)
        calls = {name: globals()[factory](url) for name, factory in CASES.items()}
        timings = common.alternate(calls, rounds)
        steps = json.loads(
            subprocess.run(
                [common.PYTHON, "-m", "benchmarks.bench_range", url],
                cwd=common.ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        memory = common.memory_table(
            {name: (f"benchmarks.bench_range:{factory}", [url]) for name, factory in CASES.items()}
        )
    rows = []
    for name in CASES:
        figures = memory[name]
        rows.append(
            [
                name,
                common.ms(timings.median(name)),
                f"{timings.ratio(name, OURS):.2f}",
                f"{timings.ratio(BASELINE, name):.2f}",
                f"{figures['peak_mib']:.0f}",
                f"{figures.get('delta_mib', float('nan')):.0f}",
                f"{figures['traced_mib']:.0f}",
            ]
        )
    speedup = timings.ratio(BASELINE, OURS)
    lower = memory[OURS]["delta_mib"] < memory[BASELINE]["delta_mib"]
    fast = sum(steps[name] for name in FAST_STEPS)
    fallback = sum(steps[name] for name in FALLBACK_STEPS)
    step_rows = [["**`p95_range`'s path**", ""]]
    step_rows += [[name, common.ms(steps[name])] for name in FAST_STEPS]
    step_rows += [["sum", common.ms(fast)], ["**generic fallback path**", ""]]
    step_rows += [[name, common.ms(steps[name])] for name in FALLBACK_STEPS]
    step_rows += [["sum", common.ms(fallback)], [GC_STEP, common.ms(steps[GC_STEP])]]
    lines = [
        f"## {TITLE}",
        "",
        f"Canned `query_range` body: {SERIES} series x {POINTS:,} points, "
        f"{len(body) / 1e6:.1f} MB of JSON (sent gzipped, as Prometheus does), values as "
        f'strings with ~2% `"NaN"`. Server: `benchmarks/cannedserver.py` (threaded '
        f"`http.server`) in its own process. {rounds} alternating rounds after one warm-up; "
        "times are medians; ratios are medians of per-round ratios. Sanity: "
        f"{sanity}.",
        "",
        common.table(
            [
                "case",
                "median time",
                "x p95kit time",
                "prometheus-api-client time / this",
                "peak RSS MiB",
                "RSS delta MiB",
                "tracemalloc peak MiB",
            ],
            rows,
        ),
        "",
        f"**Goal: p95kit at least 3x faster than prometheus-api-client: "
        f"{'met' if speedup >= 3 else 'NOT met'} ({speedup:.2f}x: "
        f"{common.ms(timings.median(OURS))} vs {common.ms(timings.median(BASELINE))}). "
        f"Peak memory (RSS delta) below prometheus-api-client's: "
        f"{'met' if lower else 'NOT met'} ({memory[OURS]['delta_mib']:.0f} vs "
        f"{memory[BASELINE]['delta_mib']:.0f} MiB).**",
        "",
        "Where the time goes: p95kit's steps for this body, each timed alone in a fresh "
        "process (median of 9). End to end, `p95_range` also opens a client and a connection "
        "per call (no `client=` given), checks the parameters and the answer, and sets the "
        "frame's attrs; the steps are timed at another moment, in a process whose allocator "
        "has not yet grown its heap (more page faults per call), so their sum can exceed the "
        "end-to-end median.",
        "",
        common.table(["step", "median"], step_rows),
        "",
        f"_Section took {time.perf_counter() - began:.0f} s._",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    breakdown(*sys.argv[1:])
