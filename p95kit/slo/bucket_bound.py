"""The bucket bound an SLO threshold stands on, and every way an exporter spells it.

Alerting rules can only count requests "at or under a bucket bound": the threshold must be one
of the metric's ``le`` bounds. :func:`resolve_bound` reads the bounds the metric really has
(``le`` label values of its ``_bucket`` series), matches the threshold as a number (so
``le="2"``, ``"2.0"`` and ``"2e+00"`` are one bound, as in :mod:`p95kit.query.histogram`) and
refuses a threshold between two bounds, naming them; ``nearest=True`` moves it to the nearest
bound instead, and :attr:`BucketBound.note` says so.

The rules then match the bound with an anchored regex of every spelling (:func:`spellings`):
the ones Prometheus has seen for this metric, and the ones the common exporters write (Go's text
format ``2``, OpenMetrics and Prometheus 3's normalisation ``2.0``, Python's client, Go's
exponent form ``2e+00``), so a rule keeps working when Prometheus 3 or a new client version
spells the bound differently (pyrra #1611).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from p95kit.durations import format_duration
from p95kit.errors import InvalidParameterError
from p95kit.prometheus.client import Prometheus
from p95kit.query import promql
from p95kit.query.histogram import Histogram
from p95kit.query.target import Target


@dataclass(frozen=True)
class BucketBound:
    """The threshold as a bucket bound: ``threshold_ms`` asked, ``bound`` (the metric's unit)
    and ``bound_ms`` used, the ``spellings`` matched (the server's first), and ``note``: what
    moving the threshold changed ("" when it was a bound already)."""

    threshold_ms: float
    bound: float
    bound_ms: float
    spellings: tuple[str, ...]
    note: str = ""

    @property
    def regex(self) -> str:
        """An anchored RE2 alternation of every spelling (``2|2[.]0|2e[+]00``): ``[.]`` and
        ``[+]`` need no backslash, so the text survives YAML and PromQL quoting unchanged."""
        return "|".join(_regex_literal(s) for s in self.spellings)

    @property
    def matcher(self) -> str:
        """``le=~"2|2[.]0|2e[+]00"``."""
        return f"le=~{promql.string_literal(self.regex)}"


def spellings(bound: float, seen: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Every spelling of ``bound``: those in ``seen`` (the server's), then Go's text format,
    OpenMetrics / Prometheus 3, Python's client and ``repr``, and Go's exponent form."""
    found = [*seen, _go_text(bound), _openmetrics(bound), _python_client(bound), repr(bound)]
    found.append(_exponent(bound))
    return tuple(dict.fromkeys(found))


def resolve_bound(
    target: Target,
    threshold_ms: float,
    *,
    nearest: bool = False,
    prom: Prometheus | None = None,
    start: float = 0.0,
    end: float = 0.0,
    bounds_ms: tuple[float, ...] | None = None,
) -> BucketBound:
    """The :class:`BucketBound` of ``threshold_ms``: from the ``le`` values Prometheus has for
    the metric's buckets in ``[start, end]``, or from ``bounds_ms`` (no request) when given.
    A threshold that is not a bound raises InvalidParameterError naming the bounds on either
    side, unless ``nearest`` moves it to the nearest one."""
    if bounds_ms is not None:
        seen: dict[float, list[str]] = {b / target.scale: [] for b in bounds_ms}
    elif prom is None:
        raise InvalidParameterError("bounds_ms", "give bounds_ms or a Prometheus to read them")
    else:
        selector = promql.series_selector(target, "_bucket")
        labels = prom.label_values("le", [selector], start, end)
        seen = {}
        for text in labels:
            try:
                value = float(text)
            except ValueError:
                continue
            if math.isfinite(value):
                seen.setdefault(value, []).append(text)
        if not seen:
            window = format_duration(max(end - start, 1.0))
            raise InvalidParameterError(
                "metric_name",
                f"no {target.metric_name}_bucket series with finite le bounds in the "
                f"{window} before the end; check --metric-name, --model-label and --selector",
            )
    bounds = np.array(sorted(seen))
    hist = Histogram.of(np.append(bounds, np.inf), np.zeros(len(bounds) + 1), scale=target.scale)
    note = ""
    chosen_ms = threshold_ms
    if not hist.is_bound(threshold_ms):
        under, over = hist.nearest_bounds(threshold_ms)
        if not nearest:
            raise InvalidParameterError(
                "threshold_ms",
                f"{threshold_ms:g} ms is not a bucket bound of {target.metric_name} "
                f"(nearest: {_bound_text(under)} and {_bound_text(over)}); rules can only "
                "count requests at or under a bound: use one of them, or --nearest-bucket",
            )
        chosen_ms = _nearest(threshold_ms, under, over)
        looser = chosen_ms > threshold_ms
        note = (
            f"threshold moved from {threshold_ms:g} ms to the bucket bound {chosen_ms:g} ms: "
            f"requests between {min(threshold_ms, chosen_ms):g} and "
            f"{max(threshold_ms, chosen_ms):g} ms now count as "
            f"{'good (a looser SLO)' if looser else 'bad (a stricter SLO)'}"
        )
    index = int(np.argmin(np.abs(bounds * target.scale - chosen_ms)))
    bound = float(bounds[index])
    return BucketBound(
        threshold_ms,
        bound,
        bound * target.scale,
        spellings(bound, tuple(seen[bound])),
        note,
    )


def _nearest(threshold: float, under: float, over: float) -> float:
    """The bound nearer to ``threshold``; the lower one (stricter) on a tie or at the top."""
    if math.isnan(over):
        return under
    if math.isnan(under):
        return over
    return over if over - threshold < threshold - under else under


def _bound_text(value: float) -> str:
    return "none" if math.isnan(value) else f"{value:g} ms"


def _regex_literal(text: str) -> str:
    return "".join(f"[{c}]" if c in ".+" else promql.regex_literal(c) for c in text)


def _shortest(value: float) -> tuple[str, int]:
    """Shortest round-trip digits of ``value`` (no sign) and its decimal exponent."""
    digits, exponent = Decimal(repr(abs(value))).normalize().as_tuple()[1:]
    text = "".join(map(str, digits))
    return text, len(text) + int(exponent) - 1


def _go_g(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'g', -1, 64)``."""
    if value == 0:
        return "0"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    digits, exp = _shortest(value)
    sign = "-" if value < 0 else ""
    if exp < -4 or exp >= 6:  # Go's shortest 'g' switches to the exponent form here
        return sign + _exponent(abs(value))
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    if exp + 1 >= len(digits):
        return sign + digits + "0" * (exp + 1 - len(digits))
    return f"{sign}{digits[: exp + 1]}.{digits[exp + 1 :]}"


def _go_text(value: float) -> str:
    """client_golang's text format (``1`` for 1.0)."""
    return _go_g(value)


def _openmetrics(value: float) -> str:
    """OpenMetrics and Prometheus 3's ``le`` normalisation: Go's, with ``.0`` on integers."""
    text = _go_g(value)
    return text if any(c in text for c in ".eI") else text + ".0"


def _python_client(value: float) -> str:
    """prometheus_client's ``floatToGoString``."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    dot = text.find(".")
    if value > 0 and dot > 6:
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+0{dot - 1}"
    return text


def _exponent(value: float) -> str:
    """Go's ``%e`` with the shortest digits: ``2e+00``, ``2.5e-01``, ``1e+06``."""
    if value == 0 or not math.isfinite(value):
        return _go_g(value)
    digits, exp = _shortest(value)
    mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
    return f"{'-' if value < 0 else ''}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
