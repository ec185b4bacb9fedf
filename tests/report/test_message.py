"""What a published report tells people (p95kit.report.message): the chat text, escaped as
Slack requires, that no model name can use to mention, format or add a line."""

from __future__ import annotations

from p95kit.report.headline import headline_facts
from p95kit.report.message import chat_text, report_message, webhook_payload
from tests.support.report_data import make_data


def test_the_chat_text_escapes_as_slack_requires_and_links_the_report(message):
    text = chat_text(message)
    assert "Worst regression: `fast`: P95 80.0 ms → 100.0 ms (+20.0 ms (+25.0 %))" in text
    assert "`&lt;img src=x onerror=alert(1)&gt;`" not in text  # it got faster: not listed
    assert "<" not in text.replace("&lt;", "") and ">" not in text.replace("&gt;", "")
    assert "https://reports.example/p95/20261201T000000Z_24h/report.html" in text
    assert "https://reports.example/p95/index.html" in text
    assert webhook_payload(message) == {"text": text}


def test_names_cannot_mention_format_or_add_lines_in_chat(tmp_path):
    hostile = "@channel <!here> *bold* `tick`\nFAKE LINE"
    data = make_data(names=(hostile, "fast"))
    data.summary.loc[data.summary["model"] == hostile, ["delta_p95_ms", "delta_p95_pct"]] = 90.0
    message = report_message(headline_facts([data]), [data], tmp_path, None)
    text = chat_text(message)
    shown = "`@channel &lt;!here&gt; *bold* ˋtickˋ\\nFAKE LINE`"
    assert shown in text and "\nFAKE LINE" not in text and "<!here>" not in text
    assert f"Report: {(tmp_path / 'report.html').resolve()}" in text  # no base URL: the path
