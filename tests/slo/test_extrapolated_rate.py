"""p95kit.slo.extrapolated_rate gives Prometheus's rate() and increase() bit for bit: promtool
test rules (Prometheus 2.42's own engine) compares its floats exactly with ours."""

from __future__ import annotations

import random
import subprocess

import numpy as np
import pytest

from p95kit.slo.extrapolated_rate import Series, extrapolated, sum_in_order

INTERVAL = 15  # seconds between samples
SAMPLES = 200


def _counter(rng: random.Random, whole: bool) -> list[float | None]:
    values: list[float | None] = []
    value = rng.choice([0.0, 5.0, 100.0])
    for _ in range(SAMPLES):
        roll = rng.random()
        if roll < 0.05:
            values.append(None)  # a missed scrape
            continue
        if roll < 0.08:
            value = float(rng.randint(0, 3))  # a counter reset
        else:
            value += rng.choice([0, 0, 1, 2, 3, 7]) * (1.0 if whole else 0.37)
        values.append(value)
    return values


def _series(values: list[float | None]) -> Series:
    kept = [(i * INTERVAL * 1000, v) for i, v in enumerate(values) if v is not None]
    return Series(np.array([t for t, _ in kept]), np.array([v for _, v in kept]))


def test_rate_and_increase_equal_promtools_floats(prometheus_binaries, tmp_path):
    rng = random.Random(7)
    series = {"1": _counter(rng, True), "2": _counter(rng, True), "3": _counter(rng, False)}
    lines = ["rule_files: []", "evaluation_interval: 15s", "tests:", "- interval: 15s"]
    lines.append("  input_series:")
    for key, values in series.items():
        text = " ".join("_" if v is None else repr(v) for v in values)
        lines += [f"  - series: 'a_total{{k=\"{key}\"}}'", f"    values: '{text}'"]
    lines.append("  promql_expr_test:")
    evals = np.arange(30, SAMPLES * INTERVAL + 120, 37, dtype=np.int64) * 1000
    cases = 0
    for func, seconds in (("rate", 300), ("increase", 420), ("rate", 60), ("increase", 3600)):
        found = {
            k: extrapolated(_series(v), evals, seconds * 1000, func == "rate")
            for k, v in series.items()
        }
        for index, at in enumerate(evals):
            lines += [f"  - expr: '{func}(a_total[{seconds}s])'", f"    eval_time: {at // 1000}s"]
            expected = [(k, found[k][index]) for k in series if not np.isnan(found[k][index])]
            lines.append("    exp_samples:" + ("" if expected else " []"))
            for key, value in expected:
                lines += [f"    - labels: '{{k=\"{key}\"}}'", f"      value: {float(value)!r}"]
            cases += 1
    path = tmp_path / "rates.yml"
    path.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [prometheus_binaries[1], "test", "rules", str(path)], capture_output=True, text=True
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert cases > 300


def test_a_window_with_fewer_than_two_samples_has_no_rate():
    series = Series(np.array([0, 60_000, 600_000]), np.array([1.0, 2.0, 3.0]))
    out = extrapolated(series, np.array([60_000, 300_000, 600_000]), 120_000, True)
    assert not np.isnan(out[0]) and np.isnan(out[1]) and np.isnan(out[2])


def test_sum_in_order_skips_series_without_a_result_and_is_nan_without_any():
    rows = np.array([[1.0, np.nan, np.nan], [2.0, 5.0, np.nan]])
    summed = sum_in_order(rows, [[0, 1]])
    assert summed[0, 0] == 3.0 and summed[0, 1] == 5.0 and np.isnan(summed[0, 2])


@pytest.mark.parametrize("whole", [True, False])
def test_resets_add_the_value_before_the_drop(whole):
    values = [10.0, 12.0, 1.0, 3.0] if whole else [10.5, 12.25, 1.0, 3.5]
    series = Series(np.arange(4) * 60_000, np.array(values))
    increase = extrapolated(series, np.array([180_000]), 180_000, False)[0]
    raw = values[3] - values[0] + values[1]
    assert increase == pytest.approx(raw)  # the samples cover the range: no extrapolation
