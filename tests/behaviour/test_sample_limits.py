"""A question too large for the backend's sample limit is split, answers the same numbers and
says so (CONTRACT.md section 13).

Each engine's own words for its limit are recognised (texts from the engines' sources; the
Prometheus and VictoriaMetrics ones as the real servers wrote them, the VictoriaMetrics
ones again against the real server in test_victoriametrics_parity.py). The splitting is checked
against a real Prometheus started with ``--query.max-samples=1000``: a 24 h window has
1,441 samples per series, so every window question over 24 h is refused in one piece and
answered from two 12 h sub-windows, and a range from shorter ranges; the numbers equal
those of ``prom`` (no limit) and the dataset's own.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

import p95kit
from p95kit.demo.local_prometheus import LocalPrometheus
from p95kit.errors import PrometheusQueryError, PrometheusSampleLimitError
from p95kit.prometheus import range_split, sample_limits
from p95kit.prometheus.answers import Result
from p95kit.query import window_split
from p95kit.report.collect import collect
from p95kit.report.parameters import ReportSettings
from p95kit.report.plan import plan
from tests.support import dataset
from tests.support.faultserver import FaultServer, Reply
from tests.support.same_answers import assert_same_frame

END = dataset.END
MAX_SAMPLES = 1000
PROMETHEUS_TEXT = "query processing would load too many samples into memory in query execution"
VM_QUERY_TEXT = (
    'error when executing query="sum by (le, model) (increase(request_duration_seconds_bucket'
    '[24h]))" for (time=1795219200000, step=300000): cannot select more than '
    "-search.maxSamplesPerQuery=100000 samples; possible solutions: to increase the "
    "-search.maxSamplesPerQuery; to reduce time range for the query; to use more specific "
    "label filters in order to select lower number of series"
)
LIMIT_TEXTS = {
    "prometheus": (PROMETHEUS_TEXT, "--query.max-samples"),
    "mimir-chunks": (
        "the query exceeded the maximum number of chunks (limit: 2 chunks) "
        "(err-mimir-max-chunks-per-query). Consider reducing the time range and/or number "
        "of series selected by the query. One way to reduce the number of selected series "
        "is to add more label matchers to the query. Otherwise, to adjust the related "
        "per-tenant limit, configure -querier.max-fetched-chunks-per-query, or contact your "
        "service administrator.",
        "Mimir -querier.max-fetched-chunks-per-query",
    ),
    "mimir-chunk-bytes": (
        "the query exceeded the aggregated chunks size limit (limit: 100 bytes) "
        "(err-mimir-max-chunks-bytes-per-query). Consider reducing the time range and/or "
        "number of series selected by the query.",
        "Mimir -querier.max-fetched-chunk-bytes-per-query",
    ),
    "mimir-memory": (
        "the query exceeded the maximum allowed estimated amount of memory consumed by a "
        "single query (limit: 11 bytes) (err-mimir-max-estimated-memory-consumption-per-query)",
        "Mimir -querier.max-estimated-memory-consumption-per-query",
    ),
    "cortex-chunks": (
        "the query hit the max number of chunks limit (limit: 2000000 chunks)",
        "Cortex -querier.max-fetched-chunks-per-query",
    ),
    "cortex-chunk-bytes": (
        "the query hit the aggregated chunks size limit (limit: 100 bytes)",
        "Cortex -querier.max-fetched-chunk-bytes-per-query",
    ),
    "victoriametrics-1.79": (VM_QUERY_TEXT, "VictoriaMetrics -search.maxSamplesPerQuery"),
    "victoriametrics-newer": (
        "cannot select more than -search.maxSamplesPerQuery=1000 samples; possible solutions: "
        "increase the -search.maxSamplesPerQuery; reduce time range for the query; use more "
        "specific label filters in order to select fewer series",
        "VictoriaMetrics -search.maxSamplesPerQuery",
    ),
    "victoriametrics-per-series": (
        'error when executing query="sum by (le, model) (increase(request_duration_seconds_'
        'bucket[24h]))" for (time=1795219200000, step=300000): error during time series '
        "unpacking: cannot process more than 1000 samples per series; either increase "
        "-search.maxSamplesPerSeries or reduce time range for the query",
        "VictoriaMetrics -search.maxSamplesPerSeries",
    ),
    "victoriametrics-points": (
        'error when executing query="sum(rate(request_duration_seconds_count[5m]))" on the '
        "time range (start=1795132800000, end=1795219200000, step=60000): too many points "
        "for the given step=60000, start=1795132800000 and end=1795219200000: 1441; cannot "
        "exceed -search.maxPointsPerTimeseries=500",
        "VictoriaMetrics -search.maxPointsPerTimeseries",
    ),
}
NOT_LIMITS = [
    "the query exceeded the maximum number of series (limit: 1 series) "
    "(err-mimir-max-series-per-query)",  # more series, not more time: splitting cannot help
    "the query hit the max number of series limit (limit: 10 series)",
    "parse error: unexpected end of input",
    "query timed out in expression evaluation",
]


def refusal(text: str, error_type: str = "execution", status: int = 422) -> Reply:
    return Reply(status, {"status": "error", "errorType": error_type, "error": text})


@pytest.mark.parametrize("engine", list(LIMIT_TEXTS))
def test_each_engines_words_for_its_limit_are_recognised(engine):
    text, setting = LIMIT_TEXTS[engine]
    with (
        FaultServer([refusal(text)]) as server,
        p95kit.Prometheus(server.url) as client,
        pytest.raises(PrometheusSampleLimitError) as caught,
    ):
        client.query("sum(x)", END)
    error = caught.value
    assert isinstance(error, PrometheusQueryError)  # exit 4, HTTP 400, as before
    assert error.error == text and error.error_type == "execution"  # the server's words kept
    assert setting in error.limit and error.exit_code == 4
    assert len(server.seen) == 1  # refused, not retried


@pytest.mark.parametrize("text", NOT_LIMITS)
def test_other_refusals_are_not_sample_limits(text):
    error = sample_limits.query_error("execution", text, "sum(x)")
    assert type(error) is PrometheusQueryError


def test_counts_of_sub_windows_are_added_and_rates_weighted():
    def vector(*pairs):
        return Result("vector", [{"metric": {"le": le}, "value": [0, v]} for le, v in pairs])

    parts = [((100.0, 60), vector(("1", "3"), ("+Inf", "4"))), ((40.0, 20), vector(("1", "1")))]
    first = sample_limits.query_error("execution", PROMETHEUS_TEXT, "q")
    counts = window_split.added(parts, 80, "increase", first)
    assert {i["metric"]["le"]: float(i["value"][1]) for i in counts.result} == {
        "1": 4.0,
        "+Inf": 4.0,
    }
    rates = window_split.added(parts, 80, "rate", first)
    assert {i["metric"]["le"]: float(i["value"][1]) for i in rates.result} == {
        "1": 3 * 60 / 80 + 1 * 20 / 80,
        "+Inf": 4 * 60 / 80,
    }
    assert "2 consecutive sub-windows of up to 1m" in counts.warnings[-1]
    native = [((100.0, 60), Result("vector", [{"metric": {}, "histogram": [0, {}]}]))]
    with pytest.raises(PrometheusSampleLimitError):  # native histograms are not added here
        window_split.added(native, 60, "increase", first)


def test_a_refused_range_is_asked_in_halves_with_no_point_lost_or_repeated():
    first = sample_limits.query_error("execution", PROMETHEUS_TEXT, "q")
    asked = []

    def ask(lo: float, hi: float) -> Result:
        asked.append((lo, hi))
        if hi - lo > 7 * 60:  # more than 8 points: refused
            raise first
        points = [[t, str(t / 60)] for t in np.arange(lo, hi + 1, 60.0).tolist()]
        return Result("matrix", [{"metric": {"model": "a"}, "values": points}])

    answer = range_split.fetch(ask, 0.0, 100 * 60.0, 60.0, workers=2)
    assert answer.columns.stamps.tolist() == [60.0 * k for k in range(101)]
    assert answer.columns.values.tolist() == [float(k) for k in range(101)]
    assert "16 shorter ranges, joined" in answer.warnings[-1]

    def refuse(lo: float, hi: float) -> Result:
        raise first

    with pytest.raises(PrometheusSampleLimitError, match=r"split it into \d+ parts"):
        range_split.fetch(refuse, 0.0, 3 * 60.0, 60.0, workers=2)


def test_vmauths_answer_to_an_unknown_token_is_an_auth_error_without_the_token():
    text = 'cannot find the provided auth token "Bearer canary-123" in config\n'
    reply = Reply(400, text, headers={"Content-Type": "text/plain; charset=utf-8"})
    with FaultServer([reply]) as server, pytest.raises(p95kit.PrometheusAuthError) as caught:
        p95kit.p95(prometheus_url=server.url, at=END)
    assert "authentication failed" in str(caught.value)
    assert "canary-123" not in str(caught.value) and "canary-123" not in repr(caught.value.details)


def test_cli_exits_4_when_even_the_smallest_part_is_refused(cli):
    with FaultServer([refusal(PROMETHEUS_TEXT)]) as server:
        result = cli(
            "query", "p95", "--prometheus-url", server.url, "--at", END, "--time-range", "4s"
        )
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "too many samples" in result.stderr
    assert re.search(r"split it into \d+ parts, still refused", result.stderr)


# -- a real Prometheus with --query.max-samples ------------------------------------------


@pytest.fixture(scope="module")
def limited(prometheus_binaries, tmp_path_factory):
    """The dataset on a Prometheus that refuses any question over 1,000 samples at once."""
    workdir = tmp_path_factory.mktemp("limited")
    path = dataset.build(workdir / "dataset.om")
    flags = [f"--query.max-samples={MAX_SAMPLES}"]
    with LocalPrometheus(path, workdir, extra_args=flags) as server:
        path.unlink()
        yield server


def test_the_real_refusal_is_recognised(limited):
    query = 'sum by (le) (increase(request_duration_seconds_bucket{model="gpt-4"}[24h]))'
    with p95kit.Prometheus(limited.url) as client:
        with pytest.raises(PrometheusSampleLimitError) as caught:
            client.query(query, END)
        assert client.query(query.replace("24h", "12h"), END).result  # half of it is answered
    assert (caught.value.error_type, caught.value.error) == ("execution", PROMETHEUS_TEXT)


WINDOW_QUESTIONS = {
    "p95": lambda url: p95kit.p95(prometheus_url=url, at=END, time_range="24h"),
    "percentiles": lambda url: p95kit.percentiles(
        prometheus_url=url, at=END, time_range="24h", percentiles="50,95,99.9"
    ),
    "increase": lambda url: p95kit.percentiles(
        prometheus_url=url, at=END, time_range="1d", models=["drifting-model", "idle-model"]
    ),
    "buckets": lambda url: p95kit.buckets(prometheus_url=url, at=END, time_range="24h"),
    "smooth": lambda url: p95kit.percentiles(
        prometheus_url=url, at=END, time_range="24h", estimator="smooth"
    ),
    "range": lambda url: p95kit.p95_range(prometheus_url=url, end=END, duration="6h", step="5m"),
}


@pytest.mark.parametrize("question", list(WINDOW_QUESTIONS))
def test_a_split_question_answers_the_same_numbers_and_says_so(limited, prom, question):
    ask = WINDOW_QUESTIONS[question]
    split, whole = ask(limited.url), ask(prom.url)
    assert_same_frame(split, whole)
    assert not any("sample limit" in w for w in whole.attrs["warnings"])
    notes = [w for w in split.attrs["warnings"] if "sample limit" in w]
    assert notes and all("--query.max-samples" in w for w in notes)
    how = "shorter ranges" if question == "range" else "2 consecutive sub-windows of up to 12h"
    assert how in notes[0]


def test_the_split_window_percentiles_are_the_datasets(limited):
    frame = p95kit.p95(prometheus_url=limited.url, at=END, time_range="24h")
    assert frame["model"].tolist() == dataset.REQUEST_MODELS  # the idle model too
    for model, value in zip(frame["model"], frame["p95_latency_ms"]):
        counts = dataset.counts_between(END - 86400, END, model=model)
        expected = 1000 * dataset.expected_quantile(0.95, dataset.SECONDS_BOUNDS, counts)
        if math.isnan(expected):
            assert math.isnan(value) and model == "idle-model"
        else:
            assert value == pytest.approx(expected, rel=1e-12)


def test_report_data_over_the_limit_is_the_same_and_warns(limited, prom):
    settings = ReportSettings(duration="24h", end=END, slo_ms=500, time_range="5m", step="1h")
    with p95kit.Prometheus(limited.url) as client:
        split = collect(client, plan(settings))
    with p95kit.Prometheus(prom.url) as client:
        whole = collect(client, plan(settings))
    for name in ("summary", "window", "current", "range"):
        assert_same_frame(getattr(split, name), getattr(whole, name))
    notes = [w for w in split.meta["warnings"] if "sample limit" in w]
    assert len(notes) >= 2 and not [w for w in whole.meta["warnings"] if "sample limit" in w]


def test_a_question_refused_even_in_single_points_exits_4(limited, cli):
    """A range of 24 h windows: each point alone reads 1,441 samples per series."""
    args = ["--prometheus-url", limited.url, "--end", END, "--duration", "1h", "--step", "30m"]
    result = cli("query", "range", *args, "--time-range", "24h")
    assert result.exit_code == 4
    assert result.stderr.count("\n") == 1
    assert "too many samples" in result.stderr
    assert re.search(r"split it into \d+ parts, still refused", result.stderr)


def test_serve_passes_the_split_warning_on(limited, prom):
    from tests.support.serving import ServeProcess, require_serve

    require_serve()
    params = {"at": END, "time_range": "24h", "percentiles": "50,95"}
    bodies = {}
    for name, server in (("split", limited), ("whole", prom)):
        with ServeProcess("--prometheus-url", server.url) as process:
            url = process.url + "/api/metrics/percentiles/"
            bodies[name] = json.loads(p95kit_get(url, params))
    split, whole = bodies["split"], bodies["whole"]
    assert split["data"] == whole["data"] and "warnings" not in whole
    assert any("sample limit" in w for w in split["warnings"])


def p95kit_get(url: str, params: dict) -> bytes:
    import requests

    answer = requests.get(url, params=params, timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.content


@pytest.mark.slow
def test_the_long_window_report_is_published_with_the_warning(
    limited, jupyter_kernel, cli, tmp_path
):
    result = cli.report(limited.url, tmp_path, "--duration", "24h", "--slo-ms", "500")
    assert result.exit_code == 0, result.stderr
    latest = Path(tmp_path) / "latest"
    summary = json.loads((latest / "summary.json").read_text(encoding="utf-8"))
    assert any("sample limit" in w for w in summary["meta"]["warnings"])
    idle = next(m for m in summary["models"] if m["model"] == "idle-model")
    assert idle["no_traffic"] is True and idle["p95"] is None
    page = (latest / "report.html").read_text(encoding="utf-8")
    assert "sample limit" in page and "⚠ Warnings" in page
