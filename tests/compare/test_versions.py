"""``p95kit.compare`` (p95kit.compare.versions) against a real Prometheus: two versions per
model with known differences (tests/support/compare_dataset.py), one query per side,
before/after a deploy, hostile label values and their escaping, the CLI's exit codes and the
live API's answers for Argo Rollouts and Flagger; and without one, the contract's signature
and the parameters it refuses before anything is sent (p95kit.compare.parameters)."""

from __future__ import annotations

import inspect
import json
import math

import pytest
import requests

import p95kit
from p95kit.compare import parameters
from p95kit.compare.payload import to_compare_payload
from p95kit.demo.local_prometheus import LocalPrometheus
from p95kit.errors import InvalidParameterError
from p95kit.query import estimators, promql
from p95kit.query.payloads import dumps
from tests.support import compare_dataset as data
from tests.support.dataset import HOSTILE_MODEL, expected_quantile
from tests.support.proxy import Proxy

V1, V2 = 'version="v1"', 'version="v2"'
HOSTILE_V2 = f"version={promql.string_literal(data.HOSTILE_VERSION)}"


@pytest.fixture(scope="module")
def compare_prom(prometheus_binaries, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("compare")
    with LocalPrometheus(data.build(workdir / "compare.om"), workdir) as server:
        yield server


def compared(prom, **keywords):
    keywords.setdefault("at", data.END)
    frame = p95kit.compare(prometheus_url=prom.url, **keywords)
    return frame, frame.set_index("model")


def test_known_differences_get_their_verdicts(compare_prom):
    frame, rows = compared(compare_prom, baseline=V1, candidate=V2)
    assert list(frame["model"]) == sorted(
        [HOSTILE_MODEL, "llama", "mistral", "qwen", "solo", "tiny"]
    )
    verdicts = rows["verdict"].to_dict()
    assert verdicts == {
        "llama": "slower",
        "qwen": "faster",
        "mistral": "no_change",
        "tiny": "inconclusive",
        "solo": "inconclusive",
        HOSTILE_MODEL: "inconclusive",  # its candidate is another version (below)
    }
    for model in ("llama", "qwen", "mistral"):
        assert rows.loc[model, "requests_baseline"] == data.requests(model, "v1")
        assert rows.loc[model, "requests_candidate"] == data.requests(model, "v2")
    assert rows.loc["llama", "p95_change_pct"] > 10 and rows.loc["llama", "p_value"] < 1e-4
    assert rows.loc["mistral", "power"] >= 0.8 and rows.loc["mistral", "p95_change_pct"] == 0


def test_percentiles_are_the_accurate_estimators_and_lie_in_the_true_bucket(compare_prom):
    _, rows = compared(compare_prom, baseline=V1, candidate=V2, models=["llama"])
    same = p95kit.percentiles(
        prometheus_url=compare_prom.url,
        selector=V2,
        models=["llama"],
        time_range="1h",
        at=data.END,
        estimator=estimators.ACCURATE,
    ).set_index("model")
    for p in (50, 95, 99):
        assert rows.loc["llama", f"p{p}_candidate"] == pytest.approx(same.loc["llama", f"p{p}"])
    # histogram_quantile's bucket of the true counts holds the estimate (the estimator's rule)
    counts = data.per_step("llama", "v2")
    upper = expected_quantile(0.95, data.BOUNDS, counts)
    bounds = [0.0, *data.BOUNDS]
    inside = next(i for i in range(1, len(bounds)) if bounds[i - 1] < upper <= bounds[i])
    assert bounds[inside - 1] * 1000 < rows.loc["llama", "p95_candidate"] <= bounds[inside] * 1000


def test_too_little_traffic_is_inconclusive_with_the_requests_needed(compare_prom):
    _, rows = compared(compare_prom, baseline=V1, candidate=V2, models=["tiny"])
    row = rows.loc["tiny"]
    assert row["requests_baseline"] == row["requests_candidate"] == 60
    assert row["reason"].startswith("too few requests: 60 baseline / 60 candidate requests")
    assert "per side are needed" in row["reason"]
    assert row["requests_needed_baseline"] > 1000 and row["power"] < 0.8


def test_a_model_with_traffic_on_one_side_only_is_still_a_row(compare_prom):
    frame, rows = compared(compare_prom, baseline=V1, candidate=V2, models=["solo", "gone"])
    assert list(frame["model"]) == ["gone", "solo"]
    solo, gone = rows.loc["solo"], rows.loc["gone"]
    assert solo["requests_candidate"] == 0 and math.isnan(solo["p95_candidate"])
    assert "no candidate requests" in solo["reason"] and solo["verdict"] == "inconclusive"
    assert gone["verdict"] == "inconclusive" and math.isnan(gone["p95_baseline"])
    assert any("'gone'" in w for w in frame.attrs["warnings"])
    body = json.loads(dumps(to_compare_payload(frame)))  # strict JSON: null, never NaN
    assert body["data"][0]["p95_baseline"] is None and body["verdict"] == "inconclusive"


def test_one_query_per_side(compare_prom):
    with Proxy(compare_prom.url) as proxy:
        frame = p95kit.compare(prometheus_url=proxy.url, baseline=V1, candidate=V2, at=data.END)
    queries = [s.params["query"][0] for s in proxy.seen if s.path.endswith("/api/v1/query")]
    assert len(proxy.seen) == 2 and sorted(queries) == sorted(frame.attrs["queries"].values())
    assert all("_sum" in q and "version=" in q for q in queries)


def test_before_and_after_a_deploy(compare_prom):
    _, rows = compared(compare_prom, candidate='version="main"', baseline_at="1h")
    assert rows.loc["deployed", "verdict"] == "slower"
    frame, rows = compared(compare_prom, candidate=V1, baseline_at=data.END - 7200)
    assert set(rows["verdict"].drop("tiny")) == {"no_change"}  # nothing changed there
    assert frame.attrs["baseline_at"] == data.END - 7200


def test_hostile_label_values_are_escaped_in_the_selectors(compare_prom):
    _, rows = compared(compare_prom, baseline=V1, candidate=HOSTILE_V2, models=[HOSTILE_MODEL])
    row = rows.loc[HOSTILE_MODEL]
    assert row["verdict"] == "slower"
    assert row["requests_candidate"] == data.requests(HOSTILE_MODEL, data.HOSTILE_VERSION)


@pytest.mark.parametrize(
    "candidate",
    ['version="v2"} or vector(1) #', 'version="v2", __name__="up"', "version=v2"],
)
def test_selectors_that_would_change_the_query_are_refused(compare_prom, candidate):
    with Proxy(compare_prom.url) as proxy, pytest.raises(p95kit.InvalidParameterError):
        p95kit.compare(prometheus_url=proxy.url, baseline=V1, candidate=candidate)
    assert proxy.seen == []  # nothing was sent


def test_extrapolated_counts_are_kept_as_weights(compare_prom):
    """A window that is not a whole number of scrapes: increase() extrapolates 59 minutes
    of counts to 59m59.5s (5 requests a second: 17,997.5 of them)."""
    _, rows = compared(compare_prom, baseline=V1, candidate=V2, time_range="59m59s500ms")
    assert rows.loc["llama", "requests_baseline"] != round(rows.loc["llama", "requests_baseline"])
    assert (
        rows.loc["llama", "verdict"] == "slower" and rows.loc["mistral", "verdict"] == "no_change"
    )


def test_the_cli_exits_5_when_a_model_is_slower(compare_prom, cli):
    argv = ["compare", "--prometheus-url", compare_prom.url, "--at", str(data.END)]
    result = cli(*argv, "--baseline", V1, "--candidate", V2)
    assert result.exit_code == 5
    assert result.stderr == "p95kit: slower: model llama: P95 +102.3 %\n"
    assert "llama" in result.stdout and "per side are needed" in result.stdout
    calm = cli(*argv, "--baseline", V1, "--candidate", V2, "--model", "mistral", "--model", "qwen")
    assert calm.exit_code == 0 and calm.stderr == ""
    one_sided = cli(
        *argv,
        "--baseline",
        V1,
        "--candidate",
        V2,
        "--model",
        "qwen",
        "--alternative",
        "slower",
        "--format",
        "csv",
    )
    assert one_sided.exit_code == 0 and ",no_change," in one_sided.stdout
    hostile = cli(*argv, "--baseline", V1, "--candidate", HOSTILE_V2, "--format", "table")
    assert hostile.exit_code == 5 and "\n" not in hostile.stderr.rstrip("\n")
    assert "\x1b" not in hostile.stdout


def test_the_cli_json_is_the_api_body(compare_prom, cli):
    argv = ["compare", "--prometheus-url", compare_prom.url, "--at", str(data.END)]
    result = cli(*argv, "--baseline", V1, "--candidate", V2, "--format", "json")
    frame = p95kit.compare(prometheus_url=compare_prom.url, baseline=V1, candidate=V2, at=data.END)
    assert json.loads(result.stdout) == json.loads(dumps(to_compare_payload(frame)))


def test_the_cli_refuses_bad_parameters_with_exit_2(compare_prom, cli):
    result = cli("compare", "--prometheus-url", compare_prom.url, "--baseline", V1)
    assert result.exit_code == 2 and "candidate" in result.stderr


# -- p95kit serve: Argo Rollouts (200 + verdict) and Flagger (POST, 409 on slower) ------------


@pytest.fixture(scope="module")
def compare_api(compare_prom):
    from tests.support.serving import ServeProcess, require_serve

    require_serve()
    with ServeProcess("--prometheus-url", compare_prom.url) as server:
        yield server


def test_argo_rollouts_reads_the_verdict_from_a_200(compare_prom, compare_api):
    params = {"baseline": V1, "candidate": V2, "at": str(data.END)}
    answer = requests.get(f"{compare_api.url}/api/compare/", params=params, timeout=60)
    assert answer.status_code == 200 and answer.json()["verdict"] == "slower"
    frame = p95kit.compare(prometheus_url=compare_prom.url, baseline=V1, candidate=V2, at=data.END)
    assert answer.content == dumps(to_compare_payload(frame))


def test_flagger_webhooks_get_409_only_when_a_model_is_slower(compare_api):
    url = f"{compare_api.url}/api/compare/"
    hook = {"name": "podinfo", "namespace": "test", "phase": "Progressing", "metadata": {}}
    params = {"baseline": V1, "candidate": V2, "at": str(data.END), "fail_status": "true"}
    failed = requests.post(url, params=params, json=hook, timeout=60)
    assert failed.status_code == 409 and failed.json()["slower"] == ["llama"]
    fine = requests.post(
        url, params={**params, "models": ["mistral", "qwen"]}, json=hook, timeout=60
    )
    assert fine.status_code == 200 and fine.json()["verdict"] == "no_change"
    bad = requests.get(url, params={**params, "fail_status": "sometimes"}, timeout=60)
    assert bad.status_code == 400 and bad.json()["details"]["parameter"] == "fail_status"


def test_a_flagger_webhook_may_give_the_parameters_in_its_metadata(compare_api):
    """The query string wins over the metadata; the metadata fills what it lacks."""
    url = f"{compare_api.url}/api/compare/?fail_status=true&models=mistral"
    metadata = {"baseline": V1, "candidate": V2, "at": str(data.END), "models": "llama,qwen"}
    hook = {"name": "podinfo", "namespace": "test", "phase": "Progressing", "metadata": metadata}
    answer = requests.post(url, json=hook, timeout=60)
    assert answer.status_code == 200 and [row["model"] for row in answer.json()["data"]] == [
        "mistral"
    ]
    slower = requests.post(url.replace("models=mistral", "models=llama"), json=hook, timeout=60)
    assert slower.status_code == 409
    too_long = {**hook, "metadata": {**metadata, "baseline": "x" * 5000}}
    refused = requests.post(url, json=too_long, timeout=60)
    assert refused.status_code == 400 and refused.json()["details"]["parameter"] == "baseline"


# -- the report's section: a label's two busiest values per model -----------------------------


def test_the_report_compares_the_two_busiest_versions(compare_prom, jupyter_kernel, cli, tmp_path):
    result = cli.report(compare_prom.url, tmp_path, "--compare-label", "version", duration="1h")
    assert result.exit_code == 0, result.stderr
    summary = json.loads((tmp_path / "latest" / "summary.json").read_text(encoding="utf-8"))
    compared = summary["meta"]["compare"]
    rows = {row["model"]: row for row in compared["rows"]}
    assert compared["label"] == "version" and set(rows) == set(data.MODELS)
    assert rows["llama"]["verdict"] == "slower"  # v1 and v2 equally busy: v1 first by name
    assert rows["llama"]["baseline_value"] == "v1" and rows["llama"]["candidate_value"] == "v2"
    assert rows["mistral"]["verdict"] == "no_change"
    assert (
        rows["deployed"]["candidate_value"] == ""
        and "only one version" in rows["deployed"]["reason"]
    )
    assert rows[HOSTILE_MODEL]["verdict"] == "slower"
    assert "versions compared" in summary["meta"]["queries"]
    html = (tmp_path / "latest" / "report.html").read_text(encoding="utf-8")
    assert "Versions compared (by version)" in html
    assert HOSTILE_MODEL not in html and "&lt;b&gt;" in html  # the hostile version, escaped


def test_the_report_refuses_a_compare_label_it_cannot_use(cli, tmp_path):
    result = cli.report("http://127.0.0.1:9", tmp_path, "--compare-label", "model")
    assert result.exit_code == 2 and "compare_label" in result.stderr
    result = cli.report("http://127.0.0.1:9", tmp_path, "--compare-label", "le")
    assert result.exit_code == 2


def test_the_cli_offers_the_alternatives_the_rule_knows():
    from p95kit.cli import compare_command
    from p95kit.compare.verdicts import ALTERNATIVES

    assert compare_command.ALTERNATIVES == ALTERNATIVES


@pytest.mark.parametrize(
    ("keywords", "parameter"),
    [
        ({"baseline": 'version="v1"'}, "candidate"),
        ({"baseline": 'version="v1"', "candidate": ' version="v1" '}, "candidate"),
        ({"baseline": 'version="v1', "candidate": 'version="v2"'}, "baseline"),
        ({"candidate": 'version="v2"', "baseline_at": "30m"}, "baseline_at"),
        ({"candidate": 'version="v2"', "baseline_at": "next week"}, "baseline_at"),
        ({"baseline": "a='1'", "candidate": "a='2'", "max_slowdown_pct": 0}, "max_slowdown_pct"),
        ({"baseline": "a='1'", "candidate": "a='2'", "confidence": 100}, "confidence"),
        ({"baseline": "a='1'", "candidate": "a='2'", "confidence": 0.95}, "confidence"),
        ({"baseline": "a='1'", "candidate": "a='2'", "alternative": "less"}, "alternative"),
        ({"baseline": "a='1'", "candidate": "a='2'", "looks": 0}, "looks"),
        ({"baseline": "a='1'", "candidate": "a='2'", "scrape_interval": "1h"}, "scrape_interval"),
        ({"baseline": "a='1'", "candidate": "a='2'", "histogram": "native"}, "histogram"),
    ],
)
def test_invalid_parameters_are_refused_before_anything_is_sent(keywords, parameter):
    with pytest.raises(InvalidParameterError) as raised:
        p95kit.compare(prometheus_url="http://127.0.0.1:9", at=1795219200, **keywords)
    assert raised.value.parameter == parameter


def test_baseline_at_is_a_time_or_a_duration_before_at():
    at = 1795219200
    by_duration = parameters.plan(
        "m", None, 'version="v2"', "1h", "model", at, baseline_at="1d"
    ).baseline
    assert by_duration.when == at - 86400 and by_duration.selector == 'version="v2"'
    by_time = parameters.plan("m", None, None, "1h", "model", at, baseline_at=at - 7200)
    assert by_time.baseline.when == at - 7200 and by_time.candidate.target.selector == ""


def test_each_side_is_the_shared_selector_and_its_own():
    plan = parameters.plan(
        "m", 'version="v1"', 'version="v2"', "1h", "model", 1795219200, selector='env="prod"'
    )
    assert plan.baseline.target.selector == 'env="prod", version="v1"'
    assert plan.candidate.target.selector == 'env="prod", version="v2"'
    assert plan.rules.alpha_per_direction == pytest.approx(0.025)


def test_compare_keeps_the_contracts_signature():
    """CONTRACT section 12: these parameters, in this order, before the keyword-only ones."""
    parameters = list(inspect.signature(p95kit.compare).parameters.values())
    before = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert before == [
        "metric_name",
        "baseline",
        "candidate",
        "time_range",
        "model_label",
        "prometheus_url",
        "at",
        "client",
    ]
    defaults = {p.name: p.default for p in parameters}
    assert defaults["time_range"] == "1h" and defaults["model_label"] == "model"
    assert defaults["baseline_at"] is None and defaults["max_slowdown_pct"] == 10.0
    assert {p.name for p in parameters if p.kind is p.KEYWORD_ONLY} >= {"baseline_at"}
