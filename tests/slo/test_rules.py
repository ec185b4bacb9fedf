"""p95kit slo rules (p95kit.slo.rules): the rule file promtool accepts, a matcher for the
bound's every spelling, a threshold between bounds refused or moved, the Sloth/Pyrra/OpenSLO
specs those tools' rules accept."""

from __future__ import annotations

import subprocess

import click
import pytest
import yaml
from click.testing import CliRunner

from p95kit.cli.errors import ErrorHandlingGroup
from p95kit.cli.slo_rule_commands import backtest, rules
from p95kit.errors import InvalidParameterError
from p95kit.slo.rules import slo_rules
from tests.support import dataset, slo_specs

BOUNDS_MS = (500, 1000, 2000, 5000)


def _rules(**kwargs) -> str:
    return slo_rules(threshold_ms=kwargs.pop("threshold_ms", 2000), bounds_ms=BOUNDS_MS, **kwargs)


def _group(text: str) -> dict:
    return yaml.safe_load(text)["groups"][0]


@click.group(cls=ErrorHandlingGroup)
@click.option("--debug", is_flag=True)
def slo(debug: bool) -> None:
    """The slo group as the team lead attaches these commands (p95kit.cli.main)."""


slo.add_command(rules)
slo.add_command(backtest)


def _cli(*args: str):
    return CliRunner().invoke(slo, list(args))


def test_the_bucket_matcher_accepts_every_spelling_and_only_those():
    text = _rules()
    assert 'le=~"2|2[.]0|2e[+]00"' in text
    import re

    pattern = re.compile("2|2[.]0|2e[+]00")
    assert [s for s in ("2", "2.0", "2e+00", "20", "2.5", "12") if pattern.fullmatch(s)] == [
        "2",
        "2.0",
        "2e+00",
    ]


def test_the_rule_file_has_error_ratios_per_window_and_one_alert_per_tier():
    group = _group(_rules())
    assert group["interval"] == "1m"
    records = [r["record"] for r in group["rules"] if "record" in r]
    windows = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
    assert records[:7] == [f"p95kit_slo:error_ratio:rate{w}" for w in windows]
    assert records[7:] == [f"p95kit_slo:bad_requests:increase{w}" for w in ("1h", "6h", "1d", "3d")]
    alerts = [r for r in group["rules"] if "alert" in r]
    assert {a["alert"] for a in alerts} == {"P95kitLatencyBudgetBurn"}
    tiers = [
        (a["labels"]["severity"], a["labels"]["long_window"], a["labels"]["short_window"])
        for a in alerts
    ]
    assert tiers == [
        ("page", "1h", "5m"),
        ("page", "6h", "30m"),
        ("ticket", "1d", "2h"),
        ("ticket", "3d", "6h"),
    ]
    assert "/ (1 - 0.99) > 14.4" in alerts[0]["expr"] and ">= 2.5" in alerts[0]["expr"]
    ratio = group["rules"][0]["expr"]
    assert "sum by (model)" in ratio and ratio.rstrip().endswith("> 0)")  # no traffic: no sample


def test_only_pages_and_no_guard_leave_the_rest_out():
    group = _group(_rules(tiers="page", min_bad_requests=0))
    alerts = [r for r in group["rules"] if "alert" in r]
    assert {a["labels"]["severity"] for a in alerts} == {"page"}
    assert not any("bad_requests" in r.get("record", "") for r in group["rules"])
    assert not any(">=" in a["expr"] for a in alerts)
    records = [r["record"] for r in group["rules"] if "record" in r]
    assert records == [f"p95kit_slo:error_ratio:rate{w}" for w in ("5m", "30m", "1h", "6h")]


def test_a_threshold_between_bounds_is_refused_naming_the_nearest_bounds():
    with pytest.raises(InvalidParameterError) as caught:
        _rules(threshold_ms=1800)
    assert caught.value.parameter == "threshold_ms"
    assert (
        "1000 ms and 2000 ms" in caught.value.message and "--nearest-bucket" in caught.value.message
    )


def test_nearest_bucket_moves_the_threshold_and_the_output_says_what_that_changes():
    text = _rules(threshold_ms=1800, nearest_bucket=True)
    assert "# Note: threshold moved from 1800 ms to the bucket bound 2000 ms" in text
    assert "count as good (a looser SLO)" in text and 'le=~"2|2[.]0|2e[+]00"' in text
    tie = _rules(threshold_ms=1500, nearest_bucket=True)  # halfway: the stricter bound
    assert "to the bucket bound 1000 ms" in tie and "count as bad (a stricter SLO)" in tie


def test_the_cli_prints_the_rules_and_says_the_move_on_stderr():
    result = _cli(
        "rules", "--threshold-ms", "1800", "--nearest-bucket", "--bounds-ms", "500,1000,2000"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("p95kit: note: threshold moved from 1800 ms")
    assert _group(result.stdout)["rules"]
    refused = _cli("rules", "--threshold-ms", "1800", "--bounds-ms", "500,1000,2000")
    assert refused.exit_code == 2 and "1000 ms and 2000 ms" in refused.stderr
    assert refused.stdout == ""


@pytest.mark.parametrize("command", ["rules", "backtest"])
def test_the_commands_have_help_with_examples(command):
    result = _cli(command, "--help")
    assert (
        result.exit_code == 0 and "Example" in result.stdout and "--threshold-ms" in result.stdout
    )


@pytest.mark.parametrize(
    "fmt, check",
    [
        ("sloth", slo_specs.check_sloth),
        ("pyrra", slo_specs.check_pyrra),
        ("openslo", slo_specs.check_openslo),
    ],
)
@pytest.mark.parametrize("options", [{}, {"tiers": "page", "window": "28d", "objective": 99.95}])
def test_the_specs_have_what_their_tools_require(fmt, check, options):
    documents = list(yaml.safe_load_all(_rules(format=fmt, **options)))
    assert len(documents) == 1
    assert check(documents[0]) == []
    assert check({**documents[0], "unexpected": 1}) != []  # the checker can say no


def test_sloth_disables_a_severity_not_wanted_and_pyrra_groups_by_model():
    sloth = yaml.safe_load(_rules(format="sloth", tiers="page"))
    assert sloth["slos"][0]["alerting"]["ticket_alert"] == {"disable": True}
    assert "sum by (model)" in sloth["slos"][0]["sli"]["events"]["total_query"]
    pyrra = yaml.safe_load(_rules(format="pyrra"))
    assert pyrra["spec"]["indicator"]["latency"]["grouping"] == ["model"]
    assert 'le="2"' in pyrra["spec"]["indicator"]["latency"]["success"]["metric"]
    openslo = yaml.safe_load(_rules(format="openslo", objective=99.5))
    assert openslo["spec"]["objectives"][0]["target"] == 0.995


def _promtool_check(promtool: str, path) -> subprocess.CompletedProcess:
    return subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"tiers": "page", "min_bad_requests": 0},
        {"window": "7d", "objective": 99.9, "step": "30s"},
        {"models": [dataset.HOSTILE_MODEL, dataset.UNICODE_MODEL], "selector": 'env="prod"'},
        {"metric_name": "vllm:e2e_request_latency_seconds", "model_label": "model_name"},
        {"threshold_ms": 1800, "nearest_bucket": True, "name": "chat.latency"},
    ],
)
def test_promtool_check_rules_accepts_every_generated_file(options, prometheus_binaries, tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(_rules(**options), encoding="utf-8")
    done = _promtool_check(prometheus_binaries[1], path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@pytest.mark.parametrize("fmt", ["sloth", "pyrra", "openslo"])
def test_the_specs_queries_are_promql(fmt, prometheus_binaries, tmp_path):
    """As Sloth validates its queries: rendered with a window, in a throwaway rule file."""
    doc = yaml.safe_load(_rules(format=fmt, models=[dataset.HOSTILE_MODEL]))
    if fmt == "sloth":
        events = doc["slos"][0]["sli"]["events"]
        queries = [q.replace("{{.window}}", "5m") for q in events.values()]
    elif fmt == "pyrra":
        latency = doc["spec"]["indicator"]["latency"]
        queries = [latency["success"]["metric"], latency["total"]["metric"]]
    else:
        ratio = doc["spec"]["indicator"]["spec"]["ratioMetric"]
        queries = [ratio[p]["metricSource"]["spec"]["query"] for p in ("good", "total")]
    rules_doc = {
        "groups": [
            {"name": "q", "rules": [{"record": f"q{i}", "expr": q} for i, q in enumerate(queries)]}
        ]
    }
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump(rules_doc, allow_unicode=True), encoding="utf-8")
    done = _promtool_check(prometheus_binaries[1], path)
    assert done.returncode == 0, done.stdout + done.stderr
