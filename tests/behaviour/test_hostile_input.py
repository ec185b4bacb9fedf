"""Hostile and wrong input: any text for any parameter, and label values that are HTML.

Properties (hypothesis): every parameter of the library and the CLI, given any text,
gives a valid answer or InvalidParameterError / exit 2, never another exception, and
nothing reaches Prometheus for invalid input. Model names with HTML, quotes,
backslashes, newlines, 500 characters or non-ASCII text, served by a real Prometheus,
show as text everywhere in a report and round-trip exactly through the JSON payloads.
"""

from __future__ import annotations

import contextlib
import html
import json
import string
from datetime import datetime, timezone
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import p95kit
from p95kit import InvalidParameterError, Prometheus, PrometheusQueryError
from p95kit.display.plotting import _label, figure_png, plot_p95
from p95kit.report import sections
from p95kit.report.data import ReportData
from p95kit.report.parameters import ReportSettings
from p95kit.report.plan import plan
from p95kit.report.snapshots import SnapshotStore, read_run
from tests.support import dataset, smallprom
from tests.support.faultserver import FaultServer, success
from tests.support.proxy import Proxy
from tests.support.report_data import make_data

END = dataset.END
BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies: random text, and text close enough to valid to pass sometimes -------------

ANY = st.text(max_size=40)
DURATIONS = st.one_of(
    ANY,
    st.from_regex(r"\A[0-9]{1,3}(ms|[smhdwy])([0-9]{1,2}[smh])?\Z"),
    st.text(alphabet="0123456789smhdwy .+-\n", max_size=10),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
)
PERCENTILES = st.one_of(
    ANY,
    st.text(alphabet="0123456789.,e+- naif", max_size=16),
    st.lists(st.one_of(st.floats(), st.integers(), st.text(max_size=6)), max_size=4),
)
NAMES = st.one_of(
    ANY, st.text(alphabet=string.ascii_letters + string.digits + "_:-. \n", max_size=16)
)
TIMES = st.one_of(
    ANY,
    st.datetimes(timezones=st.sampled_from([None, timezone.utc])),
    st.datetimes(timezones=st.just(timezone.utc)).map(datetime.isoformat),
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?\Z"
    ),
    st.floats(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(min_value=0, max_value=3e11).map(str),
)
# Escapes PromQL accepts, and some it refuses (\400, \ud800, \U00110000, \q, a lone \).
ESCAPES = (
    "\\n",
    "\\\\",
    '\\"',
    "\\'",
    "\\x41",
    "\\101",
    "\\400",
    "\\u00e9",
    "\\ud800",
    "\\U0001F600",
    "\\U00110000",
    "\\q",
    "\\",
)
QUOTED = st.builds(
    lambda quote, body: quote + body + quote,
    st.sampled_from(['"', "'"]),
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(blacklist_characters="\"'\\\n"), max_size=5),
            st.sampled_from(ESCAPES),
        ),
        max_size=4,
    ).map("".join),
)
MATCHER = st.builds(
    lambda name, op, value: f"{name}{op}{value}",
    st.one_of(st.sampled_from(["env", "by", "offset", "nan", "__name__", "le"]), NAMES),
    st.sampled_from(["=", "!=", "=~", "!~", "==", "~"]),
    QUOTED,
)
SELECTORS = st.one_of(
    ANY,
    st.lists(MATCHER, min_size=1, max_size=3).map(", ".join),
    st.lists(MATCHER, min_size=1, max_size=2).map(lambda m: "{" + ",".join(m) + "}"),
)
URLS = st.one_of(
    ANY,
    st.builds(
        lambda s, rest: s + rest,
        st.sampled_from(["http://", "https://", "ftp://", ""]),
        st.text(max_size=30),
    ),
    st.from_regex(r"\Ahttps?://[a-z0-9.\[\]:@%-]{0,20}(:[0-9]{0,6})?(/[ -~]{0,10})?\Z"),
)


@pytest.fixture(scope="module")
def vector_server():
    with FaultServer([success()]) as server:
        yield server


@pytest.fixture(scope="module")
def matrix_server():
    with FaultServer([success(result_type="matrix")]) as server:
        yield server


def answer_or_invalid(server: FaultServer, call) -> None:
    """``call()`` answers, or raises InvalidParameterError having sent nothing."""
    before = len(server.seen)
    try:
        call()
    except InvalidParameterError as exc:
        assert len(server.seen) == before, "a request was sent for invalid input"
        assert exc.parameter and exc.message and "\n" not in exc.message
    else:
        assert len(server.seen) > before


PARAMETERS = [
    ("p95", "time_range", DURATIONS),
    ("p95", "metric_name", NAMES),
    ("p95", "model_label", NAMES),
    ("p95", "at", TIMES),
    ("p95", "histogram", NAMES),
    ("p95", "unit", NAMES),
    ("p95_range", "duration", DURATIONS),
    ("p95_range", "step", DURATIONS),
    ("p95_range", "end", TIMES),
    ("percentiles", "percentiles", PERCENTILES),
]


@pytest.mark.parametrize(("function", "parameter", "strategy"), PARAMETERS)
def test_any_value_is_an_answer_or_invalid_and_nothing_sent(
    vector_server, matrix_server, function, parameter, strategy
):
    server = matrix_server if function == "p95_range" else vector_server
    # Few points per range: fuzzed steps over 1h, fuzzed durations with a 1h step.
    fixed = {"duration": "1h" if parameter == "step" else "1m"}
    fixed["step"] = "1h" if parameter == "duration" else "15s"
    fixed = fixed if function == "p95_range" else {}

    # Long valid ranges are fetched in chunks (many requests): fewer examples there.
    @settings(BOUNDED, max_examples=100 if function == "p95_range" else 200)
    @given(value=strategy)
    def check(value):
        kwargs = {**fixed, parameter: value}
        call = getattr(p95kit, function)
        answer_or_invalid(server, lambda: call(client=Prometheus(server.url), **kwargs))

    check()


@BOUNDED
@given(url=URLS)
def test_any_url_is_a_client_or_invalid(url):
    try:
        client = Prometheus(url)
    except InvalidParameterError as exc:
        assert exc.parameter == "prometheus_url" and "\n" not in exc.message
        return
    assert "@" not in urlsplit(client.safe_url).netloc  # no user-info in what is shown
    # What the first request would do with the URL, without sending it: RequestExceptions
    # are fine (the client turns them into PrometheusUnavailableError), nothing else is.
    with contextlib.suppress(requests.RequestException):
        client.session.prepare_request(requests.Request("GET", client._endpoint("/api/v1/query")))


@BOUNDED
@given(
    duration=DURATIONS,
    step=st.one_of(st.none(), DURATIONS),
    percentiles=PERCENTILES,
    slo=st.one_of(st.none(), st.floats(), st.integers()),
    end=TIMES,
)
def test_any_report_setting_is_a_plan_or_invalid(duration, step, percentiles, slo, end):
    settings_ = ReportSettings(
        duration=duration, step=step, percentiles=percentiles, slo_ms=slo, end=end
    )
    try:
        plan(settings_)
    except InvalidParameterError as exc:
        assert "\n" not in exc.message


# -- the CLI -----------------------------------------------------------------------------

CLI_OPTIONS = [
    ("range", "--duration"),
    ("range", "--step"),
    ("range", "--time-range"),
    ("range", "--end"),
    ("range", "--metric-name"),
    ("percentiles", "--percentiles"),
]


CLI_TEXT = st.one_of(DURATIONS, PERCENTILES, TIMES).filter(lambda v: isinstance(v, str))


@pytest.mark.parametrize(("command", "option"), CLI_OPTIONS)
def test_any_option_text_exits_0_or_2_never_a_traceback(
    matrix_server, vector_server, command, option, cli
):
    server = matrix_server if command == "range" else vector_server
    # As in the library test: few points per range, whatever is fuzzed.
    step = "1h" if option == "--duration" else "15s"
    fixed = [f"--duration={'1h' if option == '--step' else '1m'}", f"--step={step}"]
    fixed = [f for f in fixed if not f.startswith(option + "=")] if command == "range" else []

    @settings(FEW, max_examples=60)
    @given(value=CLI_TEXT)
    def check(value):
        before = len(server.seen)
        args = ["query", command, f"--prometheus-url={server.url}", *fixed, f"{option}={value}"]
        result = cli(*args, catch_exceptions=True)
        assert result.exit_code in (0, 2), (result.exit_code, result.stderr, result.exception)
        assert "Traceback" not in result.stderr
        if result.exit_code == 2:
            assert len(server.seen) == before
            assert result.stdout == "" and result.stderr.count("\n") == 1

    check()


# -- a real Prometheus whose model names are hostile -------------------------------------

SCRIPT = '<script>alert("p95")</script>'
QUOTES = "q\"uo'te \\ back\\\\slash"
NEWLINE = "two\nlines\tand a tab"
LONG = "long-" + "x" * 484 + "-<b>end</b>"
UNICODE = "모델-ü-😀"
MARKUP = "$x^2$ \\textbf{t} &amp; {{ jinja }} ${var}"
REGEX = ".*"
HOSTILE = [SCRIPT, QUOTES, NEWLINE, LONG, UNICODE, MARKUP, REGEX]


def counts(bucket: int, n: int = 10) -> list[int]:
    """``n`` observations per step, all in bucket ``bucket`` of smallprom.BOUNDS (+Inf last)."""
    return [n if i == bucket else 0 for i in range(len(smallprom.BOUNDS) + 1)]


@pytest.fixture(scope="module")
def hostile_prom(prometheus_binaries, tmp_path_factory):
    """SCRIPT is the slowest model, LONG the one that got slower (the headline names both)."""
    models = {name: counts(2 + i % 4) for i, name in enumerate(HOSTILE)}
    models[SCRIPT] = counts(9)
    models[LONG] = (counts(1), counts(7))
    server = smallprom.start(tmp_path_factory.mktemp("hostile"), models)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def hostile_report(hostile_prom, jupyter_kernel, tmp_path_factory, cli):
    out = tmp_path_factory.mktemp("hostile-reports")
    result = cli.report(hostile_prom.url, out, "--max-chart-models", "3", duration="1h")
    assert result.exit_code == 0, result.stderr
    return out


def visible_text_and_tags(page: str) -> tuple[str, set[str]]:
    """The text a browser shows (entities decoded, tags dropped) and the tag names used."""
    parts, tags = [], set()
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.handle_starttag = lambda tag, attrs: tags.add(tag)  # type: ignore[method-assign]
    parser.feed(page)
    return "".join(parts), tags


def test_names_round_trip_exactly_through_every_payload(hostile_report):
    snapshot = SnapshotStore(hostile_report).latest()
    for name in ("p95.json", "p95_range.json", "percentiles.json"):
        payload = json.loads((snapshot / name).read_text(encoding="utf-8"))
        assert sorted(item["model"] for item in payload["data"]) == sorted(HOSTILE), name
    summary = json.loads((snapshot / "summary.json").read_text(encoding="utf-8"))
    assert sorted(m["model"] for m in summary["models"]) == sorted(HOSTILE)
    run = read_run(snapshot)
    assert run["headline"]["slowest_model"] == SCRIPT


def test_names_show_as_text_in_the_report_and_the_index(hostile_report):
    snapshot = SnapshotStore(hostile_report).latest()
    page = (snapshot / "report.html").read_text(encoding="utf-8")
    text, _ = visible_text_and_tags(page)
    for name in HOSTILE:
        # tables (summary, comparison, models not charted) and the headline
        assert text.count(name) >= 2 + (name in (SCRIPT, LONG)), name
    assert "<script>alert" not in page and "<b>end</b>" not in page
    assert html.escape(SCRIPT, quote=False) in page
    assert f"Slowest: {SCRIPT}" in text and f"Biggest regression: {LONG}" in text
    index = (hostile_report / "index.html").read_text(encoding="utf-8")
    index_text, index_tags = visible_text_and_tags(index)
    assert SCRIPT in index_text and "<script>" not in index and "script" not in index_tags


def test_chart_legend_draws_names_literally(hostile_report):
    data = ReportData.load(SnapshotStore(hostile_report).latest())
    figure = plot_p95(data.range, max_models=len(HOSTILE), order=data.summary["model"])
    legend = figure.axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert sorted(labels) == sorted(_label(n) for n in HOSTILE)
    assert _label(LONG).endswith("…") and len(_label(LONG)) == 40
    assert all(not t.get_parse_math() and not t.get_usetex() for t in legend.get_texts())
    assert figure_png(figure).startswith(b"\x89PNG")


def test_cli_json_round_trips_and_table_is_terminal_safe(hostile_prom, cli):
    base = ["query", "p95", "--prometheus-url", hostile_prom.url, "--at", str(END)]
    result = cli(*base, "--format", "json")
    assert result.exit_code == 0
    assert sorted(d["model"] for d in json.loads(result.stdout)["data"]) == sorted(HOSTILE)
    table = cli(*base).stdout
    assert "two\\nlines\\tand a tab" in table and "\t" not in table
    assert len(table.splitlines()) == 1 + len(HOSTILE)


@pytest.mark.parametrize("name", HOSTILE)
def test_models_filter_selects_exactly_that_model(hostile_prom, name):
    frame = p95kit.p95(prometheus_url=hostile_prom.url, at=END, models=[name])
    assert frame["model"].tolist() == [name]


def test_any_models_list_cannot_break_out_of_the_selector(hostile_prom):
    with Proxy(hostile_prom.url) as proxy:
        client = Prometheus(proxy.url)

        @settings(FEW, max_examples=60)
        @given(st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)), max_size=4))
        def check(models):
            before = len(proxy.seen)
            try:
                frame = p95kit.p95(client=client, at=END, models=models)
            except InvalidParameterError:
                assert len(proxy.seen) == before
                return
            wanted = set(models) & set(HOSTILE) if models else set(HOSTILE)
            assert set(frame["model"]) == wanted

        check()


def test_any_selector_is_invalid_or_accepted_by_prometheus(hostile_prom):
    with Proxy(hostile_prom.url) as proxy:
        client = Prometheus(proxy.url)

        @BOUNDED
        @given(SELECTORS)
        def check(selector):
            before = len(proxy.seen)
            try:
                p95kit.p95(client=client, at=END, selector=selector)
            except InvalidParameterError:
                assert len(proxy.seen) == before
            except PrometheusQueryError as exc:
                # Regular expressions are RE2's to judge; everything else must be valid PromQL.
                assert "~" in selector and "regex" in exc.error, exc.error

        check()


# -- the HTML fragments with any name ------------------------------------------------------

ALLOWED_TAGS = {
    *("style", "div", "p", "strong", "code", "pre", "ul", "li", "details", "summary"),
    *("table", "caption", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd"),
}


@FEW
@given(st.text(min_size=1, max_size=60).filter(lambda n: n not in ("fast", "idle-model")))
def test_any_name_is_text_in_every_fragment(name):
    data = make_data(names=(name, "fast"))
    for fragment in (
        sections.headline,
        sections.summary_table,
        sections.comparison_table,
        sections.footer,
        lambda d: sections.models_table(d, exclude_top=0),
    ):
        _, tags = visible_text_and_tags(fragment(data))
        assert tags <= ALLOWED_TAGS
    assert name in visible_text_and_tags(sections.summary_table(data))[0]


@settings(FEW, max_examples=8)
@given(st.text(min_size=1, max_size=60))
def test_any_name_draws_in_the_chart(name):
    data = make_data(names=(name,))
    figure = plot_p95(data.range)
    assert _label(name) in [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    figure_png(figure, dpi=30)
