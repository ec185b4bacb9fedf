"""Range answers in columns: every sample of every series in two float64 arrays.

A ``query_range`` answer holds one ``[t, "v"]`` pair per sample; decoding it into
Python lists and strings costs more than the HTTP transfer. :func:`decode_body`
cuts the ``values`` arrays out of the raw bytes and parses them with pandas' C CSV
parser in one call, so only the envelope and the labels become Python objects.
Inside a JSON string every ``"`` is escaped, so ``"values":[[`` can only start a
series' samples; each cut-out section must hold nothing but sample bytes. Any other
layout returns ``None`` and the caller decodes the whole body as usual.
:func:`from_lists` builds the same columns from already decoded series.
"""

from __future__ import annotations

import gc
import io
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np
import orjson
import pandas as pd

_VALUES = b'"values":[['
_SAMPLE_BYTES = b'0123456789.,[]"+-eENaInf'


def starts(lengths: np.ndarray) -> np.ndarray:
    """Where each series begins in the flat sample arrays, given the series' lengths."""
    return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)


@dataclass
class Columns:
    """Samples of a matrix: ``lengths[i]`` samples of series i (answer order), their
    ``stamps`` (unix s) and ``values`` (float64), series after series, in time order."""

    lengths: np.ndarray
    stamps: np.ndarray
    values: np.ndarray

    def reordered(self, order: list[int]) -> Columns:
        """The columns with the series in ``order`` (all of them, or some)."""
        if order == list(range(len(self.lengths))):
            return self
        lengths = self.lengths[order]
        index = np.repeat(starts(self.lengths)[order] - starts(lengths), lengths)
        index += np.arange(int(lengths.sum()))
        return Columns(lengths, self.stamps[index], self.values[index])


def loads(body: bytes) -> Any:
    """``orjson.loads`` with the cyclic garbage collector paused: decoding creates no
    cycles, and on large answers the collector's passes cost more than the decode."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return orjson.loads(body)
    finally:
        if enabled:
            gc.enable()


def decode_body(body: bytes) -> tuple[dict[str, Any], Columns] | None:
    """Decode a ``query_range`` body into its envelope (series with empty ``values``)
    and their :class:`Columns`; ``None`` when the body is not laid out as expected."""
    pieces = body.split(_VALUES)
    if len(pieces) < 2:
        return None
    skeleton, sections = [pieces[0]], []
    for piece in pieces[1:]:
        end = piece.find(b"]]}")
        if end < 0 or piece[:end].translate(None, _SAMPLE_BYTES):
            return None
        sections.append(piece[:end])
        skeleton.append(piece[end + 2 :])
    try:
        envelope = orjson.loads(b'"values":[]'.join(skeleton))
        result = envelope["data"]["result"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if not isinstance(result, list) or len(result) != len(sections):
        return None
    text = b"\n".join(sections).replace(b"],[", b"\n")
    try:
        table = pd.read_csv(io.BytesIO(text), header=None, names=["t", "v"], dtype=np.float64)
    except (ValueError, pd.errors.ParserError):
        return None
    lengths = np.array([section.count(b"],[") + 1 for section in sections], dtype=np.int64)
    if int(lengths.sum()) != len(table):
        return None
    return envelope, Columns(lengths, table["t"].to_numpy(), table["v"].to_numpy())


def from_lists(result: list[dict[str, Any]]) -> Columns:
    """:class:`Columns` from decoded series (``[[t, "v"], ...]`` lists), cast by numpy."""
    lengths = np.fromiter((len(s.get("values") or ()) for s in result), np.int64, len(result))
    flat = list(chain.from_iterable(chain.from_iterable(s.get("values") or () for s in result)))
    return Columns(
        lengths, np.array(flat[0::2], dtype=np.float64), np.array(flat[1::2], dtype=np.float64)
    )


def concat(parts: list[tuple[list[dict[str, Any]], Columns]]) -> tuple[list[dict], Columns]:
    """Join chunks of one range series by series (by label set), chunk after chunk."""
    series: dict[tuple, dict[str, Any]] = {}
    pieces: dict[tuple, list[tuple[Columns, int, int]]] = {}
    for result, columns in parts:
        first = starts(columns.lengths).tolist()
        for item, start, length in zip(result, first, columns.lengths.tolist()):
            key = tuple(sorted(item["metric"].items()))
            series.setdefault(key, {"metric": item["metric"], "values": []})
            pieces.setdefault(key, []).append((columns, start, start + length))
    slices = [piece for key in series for piece in pieces[key]]
    lengths = np.array([sum(b - a for _, a, b in pieces[key]) for key in series], dtype=np.int64)
    if not slices:
        empty = np.empty(0, dtype=np.float64)
        return [], Columns(lengths, empty, empty)
    stamps = np.concatenate([c.stamps[a:b] for c, a, b in slices])
    values = np.concatenate([c.values[a:b] for c, a, b in slices])
    return list(series.values()), Columns(lengths, stamps, values)
