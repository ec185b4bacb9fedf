"""p95kit.slo_backtest on a real Prometheus serving the SLO scenarios (tests/support/
slo_dataset.py): the alerts the generated rules fire under ``promtool test rules`` are the
backtest's, evaluation for evaluation; each scenario alerts as it should; zero traffic fires
nothing and yields no NaN; the CLI prints the episodes; and every parameter is checked before
anything is sent."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import click
import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from p95kit.cli.errors import ErrorHandlingGroup
from p95kit.cli.slo_rule_commands import backtest
from p95kit.demo.local_prometheus import LocalPrometheus
from p95kit.errors import InvalidParameterError
from p95kit.slo.backtest import slo_backtest
from p95kit.slo.episodes import COLUMNS, would_have_paged
from p95kit.slo.rules import slo_rules
from tests.support import slo_dataset

END = slo_dataset.END


@pytest.fixture(scope="module")
def slo_prom(prometheus_binaries, tmp_path_factory) -> Iterator[LocalPrometheus]:
    workdir = tmp_path_factory.mktemp("slo")
    path = slo_dataset.write_openmetrics(workdir / "slo.om")
    with LocalPrometheus(path, workdir) as server:
        yield server


def _backtest(prom: LocalPrometheus, **kwargs) -> pd.DataFrame:
    kwargs.setdefault("duration", "4d")
    return slo_backtest(threshold_ms=2000, prometheus_url=prom.url, end=END, **kwargs)


def _tiers(frame: pd.DataFrame, model: str) -> set[tuple[str, str]]:
    mine = frame[frame["model"] == model]
    return set(zip(mine["severity"], mine["long_window"]))


@pytest.fixture(scope="module")
def episodes(slo_prom) -> pd.DataFrame:
    return _backtest(slo_prom)


def test_the_frame_has_the_contract_columns_and_dtypes(episodes):
    assert tuple(episodes.columns) == COLUMNS
    assert str(episodes["started"].dtype) == "datetime64[ns, UTC]"
    assert str(episodes["ended"].dtype) == "datetime64[ns, UTC]"
    assert episodes["peak_burn_rate"].dtype == np.float64
    assert episodes.attrs["models"] == slo_dataset.MODELS
    assert episodes.attrs["evaluations"] == 4 * 1440
    assert episodes.attrs["last_evaluation"] == END


def test_each_scenario_alerts_as_it_should(episodes):
    assert _tiers(episodes, "steady") == set()
    assert _tiers(episodes, "slow-burn") == {("ticket", "3d")}
    assert _tiers(episodes, "fast-burn") == {("page", "1h")}
    burst = episodes[episodes["model"] == "fast-burn"].iloc[0]
    burst_start = pd.Timestamp(slo_dataset.START + 2 * 86400 + 12 * 3600, unit="s", tz="UTC")
    assert burst_start < burst["started"] < burst["ended"] <= burst_start + pd.Timedelta("50min")
    assert _tiers(episodes, "reset") == {("ticket", "1d"), ("ticket", "3d")}
    assert ("page", "6h") in _tiers(episodes, "gappy")
    late = episodes[episodes["model"] == "late"]
    assert late["ended"].isna().all() and np.allclose(late["peak_burn_rate"], 20)


def test_zero_traffic_fires_nothing_and_no_number_is_nan(episodes):
    assert "idle" in episodes.attrs["models"] and "idle" not in set(episodes["model"])
    assert episodes["peak_burn_rate"].notna().all()
    assert np.isfinite(episodes["peak_burn_rate"]).all()


def test_the_guard_holds_one_slow_request_and_lets_three_page(slo_prom, episodes):
    day2 = pd.Timestamp(slo_dataset.START + 86400 + 3 * 3600, unit="s", tz="UTC")
    trickle = episodes[episodes["model"] == "trickle"]
    assert (trickle["started"] > day2 + pd.Timedelta("12h")).all()  # the single one: nothing
    assert ("page", "1h") in _tiers(episodes, "trickle")  # three in a row: a page
    unguarded = _backtest(slo_prom, min_bad_requests=0, models=["trickle"], tiers="page")
    near = unguarded[(unguarded["started"] - day2).abs() < pd.Timedelta("10min")]
    assert len(near) == 1  # without the guard, one slow request at night pages


def test_both_spellings_of_the_bound_count(slo_prom, episodes):
    """One instance writes le="2", the other le="2.0": counting one would make the model
    half slow all the time; counted together it pages only while the second is slow."""
    split = episodes[episodes["model"] == "split"]
    assert list(split["severity"]) == ["page"] and split["ended"].notna().all()
    assert (split["ended"] - split["started"]).max() < pd.Timedelta("30min")


def test_pages_only_and_would_have_paged(slo_prom):
    pages = _backtest(slo_prom, tiers="page", duration="2d")
    assert set(pages["severity"]) == {"page"}
    summary = would_have_paged(pages)
    assert list(summary["model"]) == slo_dataset.MODELS
    row = summary.set_index("model").loc["fast-burn"]
    assert row["pages"] == 1 and row["text"].startswith(
        "would have paged once, first at 2026-11-19"
    )
    assert summary.set_index("model").loc["steady", "text"] == "would not have paged"


def _promtool_test(
    tmp_path, promtool: str, rules_text: str, frame: pd.DataFrame, step: str, days: float = 4
):
    rules_doc = yaml.safe_load(rules_text)
    for rule in rules_doc["groups"][0]["rules"]:
        rule.pop("annotations", None)  # their text holds $value; firing is what is compared
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules_doc), encoding="utf-8")
    step_s = pd.Timedelta(step.replace("m", "min")).total_seconds()
    tests = []
    for k in range(1, int(days * 86400 / step_s) + 1):
        at = pd.Timestamp(slo_dataset.START + k * step_s, unit="s", tz="UTC")
        on = frame[(frame["started"] <= at) & (frame["ended"].isna() | (frame["ended"] > at))]
        expected = [
            {
                "exp_labels": {
                    "model": row.model,
                    "slo": frame.attrs["slo"],
                    "severity": row.severity,
                    "long_window": row.long_window,
                    "short_window": row.short_window,
                }
            }
            for row in on.itertuples()
        ]
        tests.append(
            {
                "eval_time": f"{int(k * step_s)}s",
                "alertname": "P95kitLatencyBudgetBurn",
                "exp_alerts": expected,
            }
        )
    doc = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": step,
        "tests": [
            {"interval": "1m", "input_series": slo_dataset.input_series(), "alert_rule_test": tests}
        ],
    }
    path = tmp_path / "agreement.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)


@pytest.mark.slow
def test_promtool_fires_what_the_backtest_says_at_every_evaluation(
    slo_prom, prometheus_binaries, tmp_path
):
    """The generated rules, evaluated by Prometheus's own engine (promtool test rules) every
    5 minutes over the 4 days, fire exactly the backtest's alerts at every evaluation."""
    step = "5m"
    frame = _backtest(slo_prom, step=step)
    assert len(frame) >= 10 and frame["ended"].notna().any()  # episodes that start and end
    text = slo_rules(threshold_ms=2000, prometheus_url=slo_prom.url, end=END, step=step)
    done = _promtool_test(tmp_path, prometheus_binaries[1], text, frame, step)
    assert done.returncode == 0, (done.stdout + done.stderr)[:4000]
    assert "SUCCESS" in done.stdout
    # ... and a backtest that is wrong by one evaluation is caught:
    shifted = frame.copy()
    shifted.loc[shifted["model"] == "fast-burn", "started"] += pd.Timedelta(
        step.replace("m", "min")
    )
    shifted.attrs = frame.attrs
    wrong = _promtool_test(tmp_path, prometheus_binaries[1], text, shifted, step, days=2.6)
    assert wrong.returncode != 0


@click.group(cls=ErrorHandlingGroup)
@click.option("--debug", is_flag=True)
def slo(debug: bool) -> None:
    """The slo group as the team lead attaches the command."""


slo.add_command(backtest)


def test_the_cli_prints_the_episodes_as_json_csv_and_a_table(slo_prom):
    args = ["backtest", "--prometheus-url", slo_prom.url, "--threshold-ms", "2000"]
    args += ["--duration", "2d", "--end", str(END), "--tiers", "page"]
    result = CliRunner().invoke(slo, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["count"] == len(body["data"]) > 0
    assert set(body["data"][0]) == set(COLUMNS)
    assert any(row["ended"] is None for row in body["data"])  # still firing: null, not NaT
    csv = CliRunner().invoke(slo, [*args, "--format", "csv"])
    assert csv.stdout.splitlines()[0] == ",".join(COLUMNS)
    table = CliRunner().invoke(slo, args)
    assert "fast-burn" in table.stdout and "(firing)" in table.stdout
    assert "2,880 evaluations every 1m over 2d" in table.stdout


def test_a_threshold_between_bounds_is_refused_before_the_samples_are_fetched(slo_prom):
    result = CliRunner().invoke(
        slo,
        ["backtest", "--prometheus-url", slo_prom.url, "--threshold-ms", "1500", "--end", str(END)],
    )
    assert result.exit_code == 2
    assert "nearest: 1000 ms and 2000 ms" in result.stderr


@pytest.mark.parametrize(
    "kwargs, parameter",
    [
        ({"threshold_ms": None}, "threshold_ms"),
        ({"threshold_ms": 2000, "objective": 100}, "objective"),
        ({"threshold_ms": 2000, "tiers": "pager"}, "tiers"),
        ({"threshold_ms": 2000, "step": "soon"}, "step"),
        ({"threshold_ms": 2000, "duration": "a month"}, "duration"),
        ({"threshold_ms": 2000, "min_bad_requests": -1}, "min_bad_requests"),
        ({"threshold_ms": 2000, "model_label": "severity"}, "model_label"),
        ({"threshold_ms": 2000, "name": "no spaces"}, "name"),
    ],
)
def test_the_backtest_validates_everything_before_sending(kwargs, parameter):
    from p95kit.slo.backtest import slo_backtest

    with pytest.raises(InvalidParameterError) as caught:
        slo_backtest(prometheus_url="http://127.0.0.1:9", **kwargs)  # nothing listens there
    assert caught.value.parameter == parameter
