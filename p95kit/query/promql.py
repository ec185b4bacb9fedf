"""Build PromQL from validated parameters. Pure functions, no I/O.

Default query for a percentile ``q`` over a window ``W`` (the original API's)::

    histogram_quantile(q, sum by (le, <model_label>) (rate(<metric_name>_bucket[W])))

:class:`~p95kit.query.target.Target` says what to measure: the metric, the label that
names the model, the histogram kind, an optional list of models and extra label
matchers. Names must already be validated (:mod:`p95kit.validation`); label *values* (model
names) are escaped here, so any text is safe inside a selector.

A model with no requests in the window is a row with NaN on every backend. Prometheus (and
Thanos, Mimir, Cortex, which run its engine) answer ``histogram_quantile`` of zero rates
with a NaN sample; VictoriaMetrics drops NaN samples from every answer, so the model
would vanish. :func:`with_idle_models` adds, in the same request, one series per model
whose ``_count`` did not grow in the window, labelled ``p95kit_idle="1"``;
:mod:`p95kit.query.frames` turns such a series into a NaN row (a NaN point, for a range)
where the answer has no value for that model. On Prometheus those rows are already
there, so the frames are the same as without it.

The other differences of VictoriaMetrics (1.79, Debian's; every answer test runs on it):

- ``increase``/``rate`` use the last sample before the window and do not extrapolate;
  Prometheus extrapolates to the window's edges. Equal wherever the window's edges fall
  on samples inside the data (the test data's, and most report windows); otherwise the
  counts differ by at most about one scrape interval's worth at each edge, percentiles
  (ratios of counts) barely. The queries keep each backend's own ``increase``: MetricsQL's
  ``increase_prometheus`` does not extrapolate either, and Prometheus has no such function.
- ``histogram_quantile`` interpolates with the operations in another order: the same
  numbers but for the last bits.
- Its ``histogram_quantile`` merges one bound spelled two ways across a model's series
  (``le="1"`` from a C++ or Go client, ``le="1.0"`` from a Python one, as Ray Serve's
  replicas export) from 1.79.5 and 1.83.0 on (VictoriaMetrics#3225); before 1.79.5 and in
  1.80-1.82 it answers wrong numbers for such a model. 1.79.5 (Debian's, the test suite's)
  answers them as Prometheus does. Renaming ``le`` with ``label_replace`` before ``sum``
  would merge the spellings on every backend, but costs Prometheus 1.2x-1.8x on a range
  query (measured), for old versions of one backend: not done. What p95kit computes from
  bucket counts (the buckets, the report's window percentiles, ``estimator="smooth"``)
  adds the spellings itself, on any version.
- No ``histogram_count`` (no Prometheus native histograms): see :func:`request_count`.
"""

from __future__ import annotations

from p95kit.query.target import Target

# RE2 metacharacters; everything else is literal inside a Prometheus regex.
_REGEX_SPECIAL = set(r"\.+*?()|[]{}^$")


def string_literal(text: str) -> str:
    """``text`` as a double-quoted PromQL string, with every special character escaped."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def regex_literal(text: str) -> str:
    """Escape ``text`` so a Prometheus (RE2) regex matches it exactly."""
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def series_selector(target: Target, suffix: str = "", extra: str = "") -> str:
    """``<metric><suffix>{model=~"a|b", <selector>, <extra>}``."""
    matchers = []
    if target.models:
        pattern = "|".join(regex_literal(m) for m in target.models)
        matchers.append(f"{target.model_label}=~{string_literal(pattern)}")
    else:
        # Series without the model label cannot be attributed to a model.
        matchers.append(f'{target.model_label}!=""')
    if target.selector:
        matchers.append(target.selector)
    if extra:
        matchers.append(extra)
    return f"{target.metric_name}{suffix}{{{', '.join(matchers)}}}"


def format_quantile(q: float) -> str:
    """``0.95 -> '0.95'``, ``0.999 -> '0.999'`` (no float noise)."""
    return f"{q:.12g}"


def quantile(target: Target, q: float, window: str, func: str = "rate") -> str:
    """One quantile per model. ``func`` is ``rate`` (a current value) or ``increase``
    (a window-wide value); histogram_quantile gives the same answer for both.

    For a summary it is the bare ``quantile`` series, one per instance: the clients
    computed them, they cannot be aggregated, and ``window``/``func`` do not apply."""
    label = target.model_label
    if target.histogram == "summary":
        return series_selector(target, extra=f"quantile={string_literal(format_quantile(q))}")
    classic = (
        f"histogram_quantile({format_quantile(q)}, sum by (le, {label}) "
        f"({func}({series_selector(target, '_bucket')}[{window}])))"
    )
    native = (
        f"histogram_quantile({format_quantile(q)}, sum by ({label}) "
        f"({func}({series_selector(target)}[{window}])))"
    )
    return _by_kind(target, classic, native)


def quantiles(target: Target, qs: tuple[float, ...], window: str, func: str = "rate") -> str:
    """Several quantiles in one query; each result series carries a ``quantile`` label."""
    if target.histogram == "summary":
        pattern = "|".join(regex_literal(format_quantile(q)) for q in qs)
        return series_selector(target, extra=f"quantile=~{string_literal(pattern)}")
    parts = [
        f'label_replace({quantile(target, q, window, func)}, "quantile", '
        f'"{format_quantile(q)}", "", "")'
        for q in qs
    ]
    return " or ".join(parts)


#: The label of :func:`idle_models`' series (frames read them as "no traffic" rows).
IDLE_LABEL = "p95kit_idle"


def idle_models(target: Target, window: str, func: str = "rate") -> str:
    """One series per model whose classic histogram has series but no requests in
    ``window`` (the ``_count``'s ``func`` summed per model is 0), labelled
    ``p95kit_idle="1"``: what a backend that drops NaN samples leaves out of a
    ``histogram_quantile`` answer. Cheap: one ``_count`` series per bucket set."""
    label = target.model_label
    counts = f"sum by ({label}) ({func}({series_selector(target, '_count')}[{window}]))"
    return f'label_replace({counts} == 0, "{IDLE_LABEL}", "1", "", "")'


def with_idle_models(query: str, target: Target, window: str, func: str = "rate") -> str:
    """``query`` (a :func:`quantile` or :func:`quantiles` query over ``window``) ``or``
    :func:`idle_models`, so that a model without traffic is a NaN row on every backend.

    Classic histograms only (and ``auto``'s classic side): native histograms and summaries
    are left as they are. The backends that drop NaN samples (VictoriaMetrics) have no
    Prometheus native histograms, and a summary whose quantile is NaN is stored by them
    as a staleness marker: its series is gone, and nothing tells "no traffic" from "not
    exported"."""
    if target.histogram not in ("classic", "auto"):
        return query
    return f"{query} or {idle_models(target, window, func)}"


def request_count(target: Target, window: str) -> str:
    """Requests per model over ``window`` (an ``increase`` of the count).

    The native side (``histogram="native"``, and ``auto``'s) needs ``histogram_count``,
    which MetricsQL (VictoriaMetrics 1.79) does not have: p95kit sends it only where a
    native histogram was found (:func:`p95kit.query.window_histograms.fetch` answered None);
    classic histograms' requests come from their ``+Inf`` bucket."""
    label = target.model_label
    classic = f"sum by ({label}) (increase({series_selector(target, '_count')}[{window}]))"
    native = f"histogram_count(sum by ({label}) (increase({series_selector(target)}[{window}])))"
    if target.histogram == "summary":
        return classic
    return _by_kind(target, classic, native)


def bucket_counts(target: Target, window: str, func: str = "increase") -> str:
    """Bucket counts per model (and ``le`` for classic histograms) over ``window``:
    ``increase`` gives requests, ``rate`` requests per second. ``auto`` asks for both
    kinds; their answers differ in labels, so :func:`p95kit.query.buckets.parse_buckets`
    keeps the classic one where a model has both."""
    label = target.model_label
    classic = f"sum by (le, {label}) ({func}({series_selector(target, '_bucket')}[{window}]))"
    native = f"sum by ({label}) ({func}({series_selector(target)}[{window}]))"
    return _by_kind(target, classic, native)


def family_selector(metric_name: str) -> str:
    """Every series of a histogram or summary family (``name`` and its ``_bucket``,
    ``_count``, ``_sum``)."""
    return f'{{__name__=~"{regex_literal(metric_name)}(_bucket|_count|_sum)?"}}'


def discovery_selectors(target: Target) -> list[str]:
    """Series selectors that identify the models having the metric (for ``match[]``)."""
    if target.histogram == "summary":
        return [series_selector(target, "_count")]
    classic, native = series_selector(target, "_bucket"), series_selector(target)
    return {"classic": [classic], "native": [native]}.get(target.histogram, [classic, native])


def _by_kind(target: Target, classic: str, native: str) -> str:
    if target.histogram == "classic":
        return classic
    if target.histogram == "native":
        return native
    # auto: a classic histogram has no series under the bare name, a native one has
    # no _bucket series, so "or" answers from whichever exists, in one request. Where
    # both exist (scrape_classic_histograms), both sides carry the same {model} labels
    # and "or" keeps the classic answer: one row per model, never two.
    return f"{classic} or {native}"
