"""The headline of a report covers every metric: one set of facts for the HTML headline,
run.json and the messages (hand-made reports; no Prometheus, no kernel)."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import numpy as np

from p95kit.report import sections
from p95kit.report.headline import headline_facts
from p95kit.report.message import chat_text, plain_text, report_message
from tests.support.report_data import HOSTILE, SATURATED, make_data

METRICS = (
    ("vllm:e2e_request_latency_seconds", "end-to-end"),
    ("vllm:time_to_first_token_seconds", "time to first token"),
    ("vllm:inter_token_latency_seconds", "inter-token"),
)


def three_metrics(regressed: str | None = HOSTILE, on: int = 1, slo_ms: float | None = None):
    """A 3-metric report where no model changed, but ``regressed`` got 186.9 % slower on
    metric number ``on`` (0-based)."""
    datas = []
    for index, (metric, title) in enumerate(METRICS):
        data = make_data(slo_ms=slo_ms)
        summary = data.summary.copy()
        summary["p95_previous_ms"] = summary["p95"]
        summary["delta_p95_ms"] = np.where(summary["p95"].notna(), 0.0, np.nan)
        summary["delta_p95_pct"] = summary["delta_p95_ms"]
        if index == on and regressed is not None:
            row = summary["model"] == regressed
            previous = summary.loc[row, "p95"] / 2.869
            summary.loc[row, "p95_previous_ms"] = previous
            summary.loc[row, "delta_p95_ms"] = summary.loc[row, "p95"] - previous
            summary.loc[row, "delta_p95_pct"] = 186.9
        meta = {**data.meta, "metric_name": metric, "title": title, "warnings": []}
        datas.append(dataclasses.replace(data, summary=summary, meta=meta))
    return datas


def text_of(page: str) -> str:
    parts: list[str] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(page)
    return "".join(parts)


def test_a_regression_only_the_second_metric_shows_is_the_headline():
    datas = three_metrics()
    facts = headline_facts(datas)
    (worst,) = facts.regressions
    assert (worst.model, worst.metric) == (HOSTILE, METRICS[1][0])
    page = sections.headline(datas)
    shown = text_of(page)
    assert (
        f"Biggest regression: {HOSTILE} on time to first token (vllm:time_to_first_token_seconds)"
        in shown
    )
    assert "+186.9 %" in shown and "No model got more than 1 % slower" not in shown
    assert "<img src=x" not in page  # the name is text
    assert "metrics vllm:e2e_request_latency_seconds, vllm:time_to_first_token_seconds" in shown
    # the first metric alone (what the notebook used to show) sees nothing
    assert "No model got more than 1 % slower" in text_of(sections.headline(datas[0]))


def test_the_worst_regression_and_breach_across_metrics_are_named_with_their_metric():
    datas = three_metrics(regressed="fast", on=2, slo_ms=500.0)
    facts = headline_facts(datas)
    assert [(c.model, c.metric) for c in facts.regressions] == [("fast", METRICS[2][0])]
    assert {b.metric for b in facts.breaches} == {m for m, _ in METRICS}  # on every metric
    assert all(b.model == SATURATED and b.at_least for b in facts.breaches)
    shown = text_of(sections.headline(datas))
    assert "SLO breach: saturated on end-to-end (vllm:e2e_request_latency_seconds)" in shown
    assert "window P95 ≥ 10000 ms > 500 ms (2 more over the SLO)" in shown
    record = facts.record()
    assert record["regressions"][0]["metric"] == METRICS[2][0]
    assert record["regressions"][0]["delta_p95_pct"] == 186.9
    assert record["metrics"] == [m for m, _ in METRICS] and record["models"] == 5


def test_the_messages_say_what_the_html_headline_says(tmp_path):
    datas = three_metrics(regressed="fast", on=1)
    message = report_message(headline_facts(datas), datas, tmp_path, None)
    text = plain_text(message)
    assert "Worst regression: fast on time to first token (vllm:time_to_first_token_seconds)" in (
        text
    )
    assert "+186.9 %" in text and message.subject.startswith("p95kit: fast +186.9 % slower")
    assert "`fast` on `time to first token (vllm:time_to_first_token_seconds)`" in chat_text(
        message
    )
    assert [title for title, _ in message.tables] == [f"{t} ({m})" for m, t in METRICS]


def test_one_metric_reads_as_before():
    shown = text_of(sections.headline(make_data()))
    assert "Biggest regression: fast, P95 +20.0 ms (+25.0 %) vs the previous window" in shown
    assert "SLO breach: saturated, window P95 ≥ 10000 ms > 500 ms" in shown
    assert " on " not in shown.split("Biggest regression:")[1].split("vs")[0]


def test_nothing_slower_says_so_in_every_channel(tmp_path):
    datas = three_metrics(regressed=None)
    facts = headline_facts(datas)
    assert facts.regressions == () and facts.compared and not facts.crossed(0)
    message = report_message(facts, datas, tmp_path, "https://r.example")
    assert "No model got more than 1 % slower" in plain_text(message)
    assert message.subject.startswith("p95kit: no model got slower")
