"""Prometheus API results -> pandas DataFrames with fixed schemas (pvlib-style ``parse_*``).

Parsing is separate from fetching, so it is tested without HTTP. Sample values
arrive as JSON strings (``"0.375"``, ``"NaN"``, ``"+Inf"``); they are converted
per series with numpy, never with a Python loop per sample. Every frame has the
same columns and dtypes when empty. Latencies are multiplied by ``scale``
(1000 for seconds -> milliseconds). An answer that does not parse is an error
decided in the Prometheus layer, like every malformed answer
(:func:`~p95kit.prometheus.answers.malformed_is_an_error`).

Rows are keyed by model. Summaries cannot be aggregated across instances, so their
frames are keyed by model *and* instance: pass ``instance_label`` (normally
``"instance"``) and an ``instance`` (str) column follows ``model``; see
:func:`instance_names`.

A series labelled ``p95kit_idle`` (:func:`p95kit.query.promql.with_idle_models`) is not
a value but says "this model had no traffic": the model is a row with NaN (for a range,
a NaN point at each of the series' times) unless the answer already has one, as
Prometheus's does; backends that drop NaN samples (VictoriaMetrics) leave it out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from p95kit.prometheus.answers import malformed_is_an_error
from p95kit.prometheus.range_answers import Columns, from_lists
from p95kit.query.columns import percentile_column
from p95kit.query.promql import IDLE_LABEL, string_literal

TIMESTAMP = "datetime64[ns, UTC]"
INSTANCE = "instance"  # the column that keys summary rows next to ``model``


def to_timestamps(seconds: Any) -> pd.DatetimeIndex:
    """Unix seconds (scalar or array) -> tz-aware UTC timestamps at millisecond precision."""
    millis = np.rint(np.asarray(seconds, dtype=np.float64) * 1000).astype(np.int64)
    return pd.DatetimeIndex(pd.to_datetime(millis, unit="ms", utc=True)).astype(TIMESTAMP)


def _models(values: list[str] | np.ndarray) -> pd.Series:
    return pd.Series(values, dtype="str")


def row_keys(
    metrics: list[dict[str, str]], model_label: str, instance_label: str | None = None
) -> list[tuple[str, ...]]:
    """``(model,)`` per series, or ``(model, instance)`` when ``instance_label`` is given."""
    models = [m.get(model_label, "") for m in metrics]
    if instance_label is None:
        return [(m,) for m in models]
    return list(zip(models, instance_names(metrics, model_label, instance_label)))


def instance_names(
    metrics: list[dict[str, str]], model_label: str, instance_label: str = "instance"
) -> list[str]:
    """The ``instance`` column of summary series: the value of ``instance_label``.

    When several series of one model share that value (they differ in other labels,
    e.g. two jobs on one host), the labels that tell them apart are appended, as in
    ``api-1:9090 {job="b"}``, so one row is always one series (never a mix).
    ``__name__`` and ``quantile`` are not part of a series' identity here.
    """
    ignored = {"__name__", "quantile", model_label, instance_label}
    idents = [frozenset((k, v) for k, v in m.items() if k not in ignored) for m in metrics]
    keys = [(m.get(model_label, ""), m.get(instance_label, "")) for m in metrics]
    groups: dict[tuple[str, str], set[frozenset]] = {}
    for key, ident in zip(keys, idents):
        groups.setdefault(key, set()).add(ident)
    names = []
    for key, ident in zip(keys, idents):
        group = groups[key]
        name = key[1]
        if len(group) > 1:
            varying = sorted({k for k, _ in set().union(*group) - frozenset.intersection(*group)})
            labels = dict(ident)
            extra = ", ".join(f"{k}={string_literal(labels.get(k, ''))}" for k in varying)
            name = f"{name} {{{extra}}}".lstrip()
        names.append(name)
    return names


def _key_columns(
    keys: list[tuple[str, ...]], by_instance: bool, repeats: np.ndarray | None = None
) -> dict[str, pd.Series]:
    """``model`` (and ``instance``) columns, each key repeated ``repeats[i]`` times."""
    names = ["model", INSTANCE] if by_instance else ["model"]
    columns = {}
    for position, name in enumerate(names):
        values = np.array([k[position] for k in keys], dtype=object)
        columns[name] = _models(values if repeats is None else np.repeat(values, repeats))
    return columns


def _idle_models(result: list[dict[str, Any]], model_label: str) -> tuple[list, list[str]]:
    """The answer's value series, and the models its ``p95kit_idle`` series name."""
    values = [item for item in result if IDLE_LABEL not in item["metric"]]
    idle = [item["metric"].get(model_label, "") for item in result if IDLE_LABEL in item["metric"]]
    return values, idle


@malformed_is_an_error
def parse_instant(
    result: list[dict[str, Any]],
    model_label: str,
    column: str,
    scale: float,
    at: float,
    instance_label: str | None = None,
) -> pd.DataFrame:
    """An instant vector -> ``model`` (str), ``<column>`` (float64), ``timestamp`` (UTC).

    One row per model, sorted by model; ``timestamp`` is the evaluation time ``at``; a
    model named only by a ``p95kit_idle`` series is a NaN row.
    With ``instance_label`` (summaries): one row per series, an ``instance`` column
    after ``model``, sorted by model, then instance.
    """
    result, idle = _idle_models(result, model_label)
    keys = row_keys([item["metric"] for item in result], model_label, instance_label)
    texts = [item["value"][1] for item in result]
    if idle and instance_label is None:
        extra = sorted(set(idle) - {key[0] for key in keys})
        keys += [(model,) for model in extra]
        texts += ["NaN"] * len(extra)
    order = sorted(range(len(keys)), key=keys.__getitem__)
    values = np.array([texts[i] for i in order], dtype=np.float64)
    frame = pd.DataFrame(_key_columns([keys[i] for i in order], instance_label is not None))
    frame[column] = values * scale
    frame["timestamp"] = to_timestamps(np.full(len(frame), at))
    return frame


@malformed_is_an_error
def parse_matrix(
    result: list[dict[str, Any]],
    model_label: str,
    column: str,
    scale: float,
    instance_label: str | None = None,
    columns: Columns | None = None,
) -> pd.DataFrame:
    """A range matrix -> ``model`` (str), ``timestamp`` (UTC), ``<column>`` (float64).

    Sorted by model, then time (with ``instance_label``, as for summaries: an
    ``instance`` column after ``model``, sorted by model, instance, time). The
    samples come as :class:`~p95kit.prometheus.range_answers.Columns` (the client reads
    them straight from the bytes) or from the series' ``values`` lists; no Python loop per
    sample. A ``p95kit_idle`` series' times without a point of that model become NaN points.
    """
    columns = columns or from_lists(result)
    idle = [i for i, item in enumerate(result) if IDLE_LABEL in item["metric"]]
    chosen = [i for i, item in enumerate(result) if IDLE_LABEL not in item["metric"]]
    keys = row_keys([result[i]["metric"] for i in chosen], model_label, instance_label)
    order = sorted(range(len(keys)), key=keys.__getitem__)
    samples = columns.reordered([chosen[i] for i in order])
    by_instance = instance_label is not None
    frame = pd.DataFrame(_key_columns([keys[i] for i in order], by_instance, samples.lengths))
    frame["timestamp"] = to_timestamps(samples.stamps)
    frame[column] = samples.values * scale
    if idle and not by_instance:
        frame = _with_idle_points(frame, result, idle, columns, model_label, column)
    return frame


def _with_idle_points(
    frame: pd.DataFrame,
    result: list[dict[str, Any]],
    idle: list[int],
    columns: Columns,
    model_label: str,
    column: str,
) -> pd.DataFrame:
    """``frame`` plus a NaN point per ``p95kit_idle`` sample where the model has no point."""
    marks = columns.reordered(idle)
    models = [result[i]["metric"].get(model_label, "") for i in idle]
    marked = pd.DataFrame(_key_columns([(m,) for m in models], False, marks.lengths))
    marked["timestamp"] = to_timestamps(marks.stamps)
    known = pd.MultiIndex.from_frame(frame[["model", "timestamp"]])
    missing = ~pd.MultiIndex.from_frame(marked[["model", "timestamp"]]).isin(known)
    if not missing.any():
        return frame
    marked = marked[missing]
    marked[column] = np.nan
    joined = pd.concat([frame, marked], ignore_index=True)
    joined["model"] = joined["model"].astype("str")
    return joined.sort_values(["model", "timestamp"], kind="stable", ignore_index=True)


@malformed_is_an_error
def parse_quantiles(
    result: list[dict[str, Any]],
    model_label: str,
    percentiles: tuple[float, ...],
    scale: float,
    at: float,
    instance_label: str | None = None,
) -> pd.DataFrame:
    """An instant vector labelled by ``quantile`` -> one column per percentile.

    Columns: ``model`` (str), ``p50``/``p95``/... (float64, NaN when missing),
    ``timestamp`` (UTC). One row per model, sorted by model (a model named only by a
    ``p95kit_idle`` series: all NaN). With ``instance_label``
    (summaries): one row per series, an ``instance`` column after ``model``, sorted
    by model, then instance.
    """
    columns = [percentile_column(p) for p in percentiles]
    by_quantile = {round(p / 100, 9): c for p, c in zip(percentiles, columns)}
    result, idle = _idle_models(result, model_label)
    keys = row_keys([item["metric"] for item in result], model_label, instance_label)
    table: dict[tuple[str, ...], dict[str, float]] = {}
    for key, item in zip(keys, result):
        column = by_quantile.get(quantile_of(item["metric"]))
        if column is not None:
            table.setdefault(key, {})[column] = float(item["value"][1]) * scale
    if instance_label is None:
        for model in idle:
            table.setdefault((model,), {})
    rows = sorted(table)
    frame = pd.DataFrame(_key_columns(rows, instance_label is not None))
    for column in columns:
        frame[column] = np.array([table[k].get(column, np.nan) for k in rows], dtype=np.float64)
    frame["timestamp"] = to_timestamps(np.full(len(frame), at))
    return frame


def quantile_of(labels: dict[str, str]) -> float:
    """The ``quantile`` label as a number rounded to 9 digits (NaN when absent or invalid)."""
    try:
        return round(float(labels.get("quantile", "nan")), 9)
    except ValueError:
        return np.nan


@malformed_is_an_error
def parse_labelled_values(
    result: list[dict[str, Any]], labels: tuple[str, ...], column: str, scale: float = 1.0
) -> pd.DataFrame:
    """An instant vector -> one column per label in ``labels`` (str) plus ``<column>``.

    Used for auxiliary series such as request counts or bucket counts per ``le``.
    """
    data: dict[str, Any] = {
        label: _models([item["metric"].get(label, "") for item in result]) for label in labels
    }
    data[column] = np.array([float(item["value"][1]) for item in result], dtype=np.float64) * scale
    frame = pd.DataFrame(data)
    return frame.sort_values(list(labels), kind="stable", ignore_index=True)
