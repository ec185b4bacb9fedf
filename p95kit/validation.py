"""Validation of names, percentiles, model lists and label selectors before they enter PromQL,
and of the numbers (timeouts, thresholds, counts) the library and reports take.

Each function returns the cleaned value or raises
:class:`~p95kit.errors.InvalidParameterError` naming the parameter and showing a
valid example. Nothing here does I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from p95kit.errors import InvalidParameterError

# \Z, not $: "$" also matches before a trailing newline, which would reach the PromQL.
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
# One matcher of a selector: name op "string" (double- or single-quoted, escapes allowed).
_MATCHER = re.compile(
    r"""\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*"""
)
# The escapes PromQL's lexer accepts in a string (plus the string's own quote character).
_ESCAPE = re.compile(
    r"\\(?:[abfnrtv\\]|[0-3][0-7]{2}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})"
)
HISTOGRAM_KINDS = ("auto", "classic", "native", "summary")
UNITS = ("auto", "s", "ms")


def metric_name(value: object, parameter: str = "metric_name") -> str:
    """A Prometheus metric name such as ``request_duration_seconds``."""
    if not isinstance(value, str) or not _METRIC_NAME.match(value):
        raise InvalidParameterError(
            parameter,
            f"{parameter} must be a Prometheus metric name such as request_duration_seconds "
            f"(letters, digits, _ and :, not starting with a digit), got {value!r}",
        )
    return value


def label_name(value: object, parameter: str = "model_label") -> str:
    """A Prometheus label name such as ``model``; ``le`` and ``__*`` are reserved here."""
    if (
        not isinstance(value, str)
        or not _LABEL_NAME.match(value)
        or value.startswith("__")
        or value in ("le", "quantile")
    ):
        raise InvalidParameterError(
            parameter,
            f"{parameter} must be a Prometheus label name such as model "
            f"(letters, digits and _, not le, quantile or __*), got {value!r}",
        )
    return value


def percentiles(value: object, parameter: str = "percentiles") -> tuple[float, ...]:
    """Percentiles in (0, 100) from ``(50, 95, 99)`` or ``"50,95,99"``; sorted, unique."""
    items: Iterable[object]
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        items = [value]
    elif isinstance(value, Iterable):
        items = list(value)
    else:
        raise _bad_percentiles(parameter, value)
    result = set()
    for item in items:
        try:
            number = float(item) if not isinstance(item, bool) else math.nan  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            raise _bad_percentiles(parameter, value) from None
        if not 0 < number < 100 or float(f"{number:g}") != number:
            # The second test: the column name (p95kit.query.columns) must show the
            # percentile exactly (99.99999999 would be "p100", and two such would collide).
            raise _bad_percentiles(parameter, value)
        result.add(number)
    if not result:
        raise _bad_percentiles(parameter, value)
    return tuple(sorted(result))


def models(value: object, parameter: str = "models") -> tuple[str, ...]:
    """An optional list of exact model names; ``None`` or empty means all models."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        raise _bad_models(parameter, value)
    value = list(value)
    if not all(isinstance(v, str) and v and _is_utf8(v) for v in value):
        raise _bad_models(parameter, value)
    return tuple(sorted(set(value)))


def selector(value: object, parameter: str = "selector") -> str:
    """Extra label matchers such as ``env="prod", cluster=~"eu-.*"``, returned normalised."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or not _is_utf8(value):
        raise _bad_selector(parameter, value)
    text = value.strip().removeprefix("{").removesuffix("}")
    matchers, position = [], 0
    while position < len(text):
        match = _MATCHER.match(text, position)
        if match is None or not _valid_escapes(match.group(3)):
            raise _bad_selector(parameter, value)
        if match.group(1) == "__name__":  # PromQL: "metric name must not be set twice"
            raise InvalidParameterError(
                parameter, f"{parameter} cannot match __name__; set metric_name instead"
            )
        matchers.append(f"{match.group(1)}{match.group(2)}{match.group(3)}")
        position = match.end()
        if position < len(text):
            if text[position] != ",":
                raise _bad_selector(parameter, value)
            position += 1
    return ", ".join(matchers)


def choice(value: object, allowed: tuple[str, ...], parameter: str) -> str:
    """One of ``allowed``."""
    if value not in allowed:
        raise InvalidParameterError(
            parameter, f"{parameter} must be one of {', '.join(allowed)}, got {value!r}"
        )
    return value  # type: ignore[return-value]


def positive(
    value: object, parameter: str, unit: str, example: str, *, zero: bool = False
) -> float:
    """A finite number of ``unit`` > 0 (``>= 0`` with ``zero``); never a bool."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        bound = ">= 0" if zero else "> 0"
        raise InvalidParameterError(
            parameter, f"{parameter} must be {unit} {bound} such as {example}, got {value!r}"
        )
    return float(value)


def count(value: object, parameter: str, example: int) -> int:
    """An int >= 1; never a bool."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(
            parameter, f"{parameter} must be an int >= 1 such as {example}, got {value!r}"
        )
    return value


def _is_utf8(text: str) -> bool:
    """False for text with lone surrogates, which cannot be sent (nor be a label value)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _valid_escapes(quoted: str) -> bool:
    """True when every backslash escape in a quoted PromQL string is one PromQL accepts."""
    quote, body = quoted[0], quoted[1:-1]
    position = body.find("\\")
    while position >= 0:
        if body[position + 1 : position + 2] == quote:
            end = position + 2
        else:
            match = _ESCAPE.match(body, position)
            if match is None or (match.group()[1] in "uU" and not _code_point(match.group()[2:])):
                return False
            end = match.end()
        position = body.find("\\", end)
    return True


def _code_point(digits: str) -> bool:
    number = int(digits, 16)
    return number <= 0x10FFFF and not 0xD800 <= number < 0xE000


def _bad_models(parameter: str, value: object) -> InvalidParameterError:
    return InvalidParameterError(
        parameter, f"{parameter} must be a list of model names such as ['gpt-4'], got {value!r}"
    )


def _bad_percentiles(parameter: str, value: object) -> InvalidParameterError:
    return InvalidParameterError(
        parameter,
        f"{parameter} must be numbers strictly between 0 and 100 such as 50,95,99 "
        f"(at most 6 significant digits), got {value!r}",
    )


def _bad_selector(parameter: str, value: object) -> InvalidParameterError:
    return InvalidParameterError(
        parameter,
        f'{parameter} must be label matchers such as env="prod", cluster=~"eu-.*", got {value!r}',
    )
