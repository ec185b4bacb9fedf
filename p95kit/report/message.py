"""What a published report tells people: one :class:`Message`, drawn for chat and for mail.

:func:`report_message` builds it from the report's :class:`~p95kit.report.headline.Headline`
(the same facts as the HTML headline and ``run.json``), its metrics' data and the
published folder; :func:`failure_message` from a failed run's ``run.json``. Then:

- :func:`chat_text`: the webhook's ``text`` (Slack, Mattermost and Teams incoming
  webhooks all read it): ``&``, ``<`` and ``>`` escaped as Slack requires, model names
  in code spans (no mentions or formatting from a label value), the link bare, which
  every chat client links;
- :func:`mail_message`: an HTML mail with a plain-text part and every metric's chart as an
  inline ``cid:`` image (mail clients block ``data:`` images), model names escaped.

Links point at ``base_url`` (where ``--out`` is served); without one the message names
the local path. No secret is ever part of a message: it is built from the published files.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import quote

from p95kit.display.formatting import delta, fmt_count, fmt_ms, utc
from p95kit.report.chart import report_description
from p95kit.report.data import CHART_FILE, METRICS_DIR, ReportData, folder_name
from p95kit.report.headline import Headline, Name, Part

#: Models per metric in the mail's tables (slowest window P95 first).
MAIL_ROWS = 15


@dataclass
class Message:
    """One notification: ``subject``, ``lines`` (sentences whose :class:`Name` parts are
    untrusted text), the report's ``link`` (None without a base URL: ``where`` names the
    local path), ``index`` (the index page's URL, or None), ``tables`` (per metric: a
    title and rows of model, requests, window P95, ΔP95) and ``images`` (PNG bytes with
    their alternative text)."""

    subject: str
    lines: list[list[Part]]
    link: str | None
    where: str
    index: str | None = None
    tables: list[tuple[str, list[tuple[str, str, str, str]]]] = field(default_factory=list)
    images: list[tuple[bytes, str]] = field(default_factory=list)


def report_message(
    facts: Headline, datas: list[ReportData], folder: Path, base_url: str | None
) -> Message:
    """The message of a published report (``folder``: its snapshot folder)."""
    if facts.regressions:
        worst = facts.regressions[0]
        news = f"{_flat(worst.model)} {worst.delta_p95_pct:+.1f} % slower"
    else:
        news = "no model got slower" if facts.compared else "nothing to compare"
    if facts.breaches:
        news += f", {len(facts.breaches)} over the SLO"
    subject = f"p95kit: {news} ({facts.duration} up to {utc(facts.window_end)})"
    tables, images = [], []
    for index, data in enumerate(datas):
        title = str(data.meta.get("metric_name", ""))
        if data.meta.get("title"):
            title = f"{data.meta['title']} ({title})"
        tables.append((title, _rows(data)))
        chart = _chart_path(folder, data, index)
        if chart.is_file():
            images.append((chart.read_bytes(), report_description(data)))
    link, where, index_url = _links(folder, "report.html", base_url)
    return Message(subject, facts.lines(), link, where, index_url, tables, images)


def failure_message(run: dict, folder: Path, base_url: str | None) -> Message:
    """The message of a failed run: its error and where its ``run.json`` is kept."""
    window = run.get("window") or {}
    error = str((run.get("error") or {}).get("message") or "unknown error")
    when = f"{window.get('duration', '?')} up to {window.get('end', '?')}"
    lines: list[list[Part]] = [[f"p95kit report failed ({when}): {error}"]]
    lines.append(["The last good report is still the latest one."])
    link, where, index_url = _links(folder, "run.json", base_url)
    return Message(f"p95kit: report failed ({when})", lines, link, where, index_url)


def plain_text(message: Message) -> str:
    """The message as plain text (the mail's text part): names on one line each."""
    lines = [
        "".join(_flat(p.text) if isinstance(p, Name) else p for p in line) for line in message.lines
    ]
    return "\n".join([*lines, "", _where(message)]) + "\n"


def chat_text(message: Message) -> str:
    """The webhook's ``text``: Slack's escaping of ``&``, ``<``, ``>`` everywhere, names in
    code spans (a backtick in a name becomes ``ˋ``), line breaks in names removed."""
    lines = ["".join(_chat(p) for p in line) for line in message.lines]
    return "\n".join([*lines, _slack(_where(message))])


def webhook_payload(message: Message) -> dict[str, str]:
    """The JSON body posted to an incoming webhook: ``{"text": ...}``."""
    return {"text": chat_text(message)}


def mail_message(message: Message, sender: str, recipients: list[str]) -> EmailMessage:
    """An HTML mail (plain-text alternative, charts as related ``cid:`` images)."""
    mail = EmailMessage()
    mail["Subject"] = _flat(message.subject)
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail.set_content(plain_text(message))
    ids = [make_msgid(domain="p95kit.invalid") for _ in message.images]
    mail.add_alternative(_mail_html(message, [i[1:-1] for i in ids]), subtype="html")
    body = mail.get_payload()[1]
    for (png, _), cid in zip(message.images, ids):
        body.add_related(png, maintype="image", subtype="png", cid=cid)
    return mail


def _mail_html(message: Message, cids: list[str]) -> str:
    esc = html.escape
    lines = "".join(
        "<p>"
        + "".join(f"<code>{esc(p.text)}</code>" if isinstance(p, Name) else esc(p) for p in line)
        + "</p>"
        for line in message.lines
    )
    if message.link:
        lines += f'<p><a href="{esc(message.link, quote=True)}">Open the report</a>'
        if message.index:
            lines += f' · <a href="{esc(message.index, quote=True)}">all reports and trends</a>'
        lines += "</p>"
    else:
        lines += f"<p>{esc(_where(message))}</p>"
    sections = []
    for n, (title, rows) in enumerate(message.tables):
        image = ""
        if n < len(cids):
            alt = esc(message.images[n][1], quote=True)
            image = f'<p><img src="cid:{cids[n]}" alt="{alt}" style="max-width:100%"></p>'
        body = "".join(
            "<tr>" + "".join(f'<td style="padding:2px 8px">{esc(c)}</td>' for c in row) + "</tr>"
            for row in rows
        )
        head = "".join(
            f'<th style="padding:2px 8px;text-align:left">{h}</th>'
            for h in ("Model", "Requests", "Window P95", "ΔP95 vs previous")
        )
        sections.append(
            f"<h3>{esc(title)}</h3>{image}<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )
    style = "font-family:system-ui,sans-serif;color:#222"
    return f'<!DOCTYPE html><html><body style="{style}">{lines}{"".join(sections)}</body></html>'


def _rows(data: ReportData) -> list[tuple[str, str, str, str]]:
    summary = data.summary.sort_values("p95", ascending=False, na_position="last", kind="stable")
    rows = []
    for row in summary.head(MAIL_ROWS).itertuples(index=False):
        p95 = fmt_ms(row.p95, no_traffic=bool(row.no_traffic), top_bucket_ms=row.top_bucket_ms)
        rows.append(
            (
                str(row.model),
                fmt_count(row.requests),
                p95,
                delta(row.delta_p95_ms, row.delta_p95_pct),
            )
        )
    return rows


def _chart_path(folder: Path, data: ReportData, index: int) -> Path:
    if index == 0:
        return folder / CHART_FILE
    return folder / METRICS_DIR / folder_name(str(data.meta.get("metric_name", ""))) / CHART_FILE


def _links(folder: Path, file: str, base_url: str | None) -> tuple[str | None, str, str | None]:
    if not base_url:
        return None, str((folder / file).resolve()), None
    base = base_url.rstrip("/")
    return f"{base}/{quote(folder.name)}/{file}", "", f"{base}/index.html"


def _where(message: Message) -> str:
    if message.link:
        more = f"\nAll reports and trends: {message.index}" if message.index else ""
        return f"Report: {message.link}{more}"
    return f"Report: {message.where}"


def _chat(part: Part) -> str:
    if isinstance(part, Name):
        return f"`{_slack(_flat(part.text).replace('`', 'ˋ'))}`"
    return _slack(part)


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _flat(text: str) -> str:
    """One line of printable text: control characters (line breaks) shown escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
