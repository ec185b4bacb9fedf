"""Push native histograms into a real Prometheus through the remote-write receiver.

A hand-written encoder for the few prompb messages needed (``prometheus/prompb/types.proto``
and ``remote.proto``), so the tests need no generated code::

    WriteRequest { repeated TimeSeries timeseries = 1; }
    TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
                   repeated Histogram histograms = 4; }
    Label        { string name = 1; string value = 2; }
    Histogram    { uint64 count_int = 1; double sum = 3; sint32 schema = 4;
                   double zero_threshold = 5; uint64 zero_count_int = 6;
                   repeated BucketSpan positive_spans = 11;
                   repeated sint64 positive_deltas = 12; int64 timestamp = 15; }
    BucketSpan   { sint32 offset = 1; uint32 length = 2; }

The body is snappy-compressed in the *block* format (not the framed one), as
remote write 0.1.0 requires. Prometheus must run with
``--enable-feature=native-histograms --web.enable-remote-write-receiver``.

Bucket ``i`` of schema ``s`` covers ``(2**((i - 1) / 2**s), 2**(i / 2**s)]``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

import cramjam
import requests

_VARINT, _FIXED64, _BYTES = 0, 1, 2


def varint(value: int) -> bytes:
    """Base-128 varint; negative values as their 64-bit two's complement (int64 fields)."""
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def zigzag(value: int) -> int:
    """The sint32/sint64 mapping: 0, -1, 1, -2 -> 0, 1, 2, 3."""
    return (value << 1) ^ (value >> 63)


def _key(field: int, wire: int) -> bytes:
    return varint(field << 3 | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, _VARINT) + varint(value)


def _double(field: int, value: float) -> bytes:
    return _key(field, _FIXED64) + struct.pack("<d", value)


def _bytes(field: int, value: bytes) -> bytes:
    return _key(field, _BYTES) + varint(len(value)) + value


def bucket_bound(index: int, schema: int) -> float:
    """Upper bound of bucket ``index`` in ``schema`` (lower bound: that of ``index - 1``)."""
    return 2.0 ** (index / 2**schema)


@dataclass(frozen=True)
class NativeHistogram:
    """One integer native histogram sample: cumulative-over-time counts per bucket index."""

    timestamp_ms: int
    schema: int
    buckets: Mapping[int, int]  # bucket index -> observations so far (zero counts allowed)
    total: float  # sum of observations so far
    zero_threshold: float = 2.0**-128
    zero_count: int = 0

    def encode(self) -> bytes:
        spans, deltas = spans_and_deltas(self.buckets)
        count = self.zero_count + sum(self.buckets.values())
        out = [
            _int(1, count),
            _double(3, self.total),
            _int(4, zigzag(self.schema)),
            _double(5, self.zero_threshold),
            _int(6, self.zero_count),
        ]
        out += [_bytes(11, _int(1, zigzag(offset)) + _int(2, length)) for offset, length in spans]
        if deltas:
            out.append(_bytes(12, b"".join(varint(zigzag(d)) for d in deltas)))  # packed
        out.append(_int(15, self.timestamp_ms))
        return b"".join(out)


def spans_and_deltas(buckets: Mapping[int, int]) -> tuple[list[tuple[int, int]], list[int]]:
    """Spans ``(offset, length)`` over the given indexes (a gap starts a new span; the first
    offset is the first index, later ones count from the end of the previous span) and the
    bucket counts as deltas (the first absolute)."""
    spans: list[tuple[int, int]] = []
    previous_end = None
    for index in sorted(buckets):
        if previous_end is not None and index == previous_end:
            spans[-1] = (spans[-1][0], spans[-1][1] + 1)
        else:
            spans.append((index if previous_end is None else index - previous_end, 1))
        previous_end = index + 1
    counts = [buckets[i] for i in sorted(buckets)]
    return spans, [b - a for a, b in zip([0, *counts], counts)]


def encode_series(
    labels: Mapping[str, str],
    histograms: Sequence[NativeHistogram] = (),
    samples: Sequence[tuple[int, float]] = (),
) -> bytes:
    """One TimeSeries: labels sorted by name (``__name__`` included by the caller), float
    ``samples`` as ``(timestamp_ms, value)`` and/or native ``histograms``."""
    out = [
        _bytes(1, _bytes(1, k.encode()) + _bytes(2, v.encode())) for k, v in sorted(labels.items())
    ]
    out += [_bytes(2, _double(1, value) + _int(2, t)) for t, value in samples]
    out += [_bytes(4, h.encode()) for h in histograms]
    return b"".join(out)


def write_request(series: Iterable[bytes]) -> bytes:
    """A WriteRequest of encoded TimeSeries, snappy block-compressed (``POST /api/v1/write``)."""
    raw = b"".join(_bytes(1, one) for one in series)
    return bytes(cramjam.snappy.compress_raw(raw))


def push(url: str, body: bytes, timeout: float = 60) -> None:
    """POST a compressed WriteRequest; raise with Prometheus's text unless it answers 2xx."""
    response = requests.post(
        url.rstrip("/") + "/api/v1/write",
        data=body,
        headers={
            "Content-Encoding": "snappy",
            "Content-Type": "application/x-protobuf",
            "X-Prometheus-Remote-Write-Version": "0.1.0",
        },
        timeout=timeout,
    )
    if not response.ok:
        raise RuntimeError(f"remote write: {response.status_code} {response.text.strip()}")


# -- the pushed dataset --------------------------------------------------------------------

STEP = 15  # seconds between pushed samples
SPAN = 30 * 60  # seconds of data, ending at the push's ``end``: well inside the head block
METRIC = "request_duration_seconds"  # native histograms (and one classic twin)
SUMMARY_METRIC = "rpc_latency_seconds"  # a summary pushed as float samples


@dataclass(frozen=True)
class NativeSeries:
    """A native histogram series growing by ``per_step`` observations per bucket each STEP."""

    labels: dict[str, str]
    schema: int
    per_step: dict[int, int]

    def samples(self, end: int) -> list[NativeHistogram]:
        out = []
        for k, t in enumerate(range(end - SPAN, end + 1, STEP)):
            counts = {i: 7 + c * k for i, c in self.per_step.items()}  # 7: not starting at 0
            total = sum(n * bucket_bound(i, self.schema) for i, n in counts.items())
            out.append(NativeHistogram(t * 1000, self.schema, counts, total))
        return out


# Every tested quantile's rank falls exactly on the edge between two populated, adjacent
# buckets, so the answer is that edge whatever the interpolation inside a bucket (linear in
# 2.x, exponential in 3.x) and whichever way Prometheus walks the buckets.
def _native(model: str, schema: int, per_step: dict[int, int], instance: str = "api-1:9090"):
    return NativeSeries({"model": model, "instance": instance}, schema, per_step)


NATIVE: list[NativeSeries] = [
    # gpt-4 is split over two instances with different spans; summed per step:
    # 50 in (1/16, 1/8], 45 in (1/8, 1/4], 4 in (1/4, 1/2], 1 in (1/2, 1].
    _native("gpt-4", 0, {-3: 30, -2: 25, -1: 4, 0: 1}),
    _native("gpt-4", 0, {-3: 20, -2: 20}, instance="api-2:9090"),
    # schema 3 (8 buckets per power of two), two spans: 100/90/8/1 in buckets 2-5, 1 in 9.
    _native("claude-3", 3, {2: 100, 3: 90, 4: 8, 5: 1, 9: 1}),
    _native("idle-model", 0, {-1: 0}),  # series exist, no traffic
    # Both kinds for one model (as with scrape_classic_histograms); the classic twin differs.
    _native("both-kinds", 0, {-3: 50, -2: 45, -1: 4, 0: 1}),
]
CLASSIC_TWIN_BOUNDS = (0.125, 0.5, 1.0)
CLASSIC_TWIN_COUNTS = (50, 49, 1, 0)  # per step, non-cumulative, last: +Inf overflow

# Summary series: (labels, {quantile: value in seconds}, observations per STEP). llama has
# two series on one instance that only the job label tells apart.
SUMMARIES: list[tuple[dict[str, str], dict[float, float], int]] = [
    (
        {"model": "gpt-4", "instance": "api-1:9090", "job": "serving"},
        {0.5: 0.1, 0.95: 0.4, 0.99: 0.9},
        10,
    ),
    (
        {"model": "gpt-4", "instance": "api-2:9090", "job": "serving"},
        {0.5: 0.2, 0.95: 0.6, 0.99: 1.5},
        30,
    ),
    (
        {"model": "llama", "instance": "api-1:9090", "job": "serving"},
        {0.5: 0.3, 0.95: 0.7, 0.99: 1.1},
        5,
    ),
    (
        {"model": "llama", "instance": "api-1:9090", "job": "canary"},
        {0.5: 0.35, 0.95: 0.9, 0.99: 2.0},
        1,
    ),
]


def _floats(labels: Mapping[str, str], values: Sequence[float], end: int) -> bytes:
    times = range((end - SPAN) * 1000, end * 1000 + 1, STEP * 1000)
    return encode_series(labels, samples=list(zip(times, values)))


def dataset_request(end: int) -> bytes:
    """The whole pushed dataset as one compressed WriteRequest, samples up to ``end``."""
    steps = range(SPAN // STEP + 1)
    series = [encode_series({"__name__": METRIC, **s.labels}, s.samples(end)) for s in NATIVE]
    twin = {"__name__": METRIC, "model": "both-kinds", "instance": "api-1:9090"}
    cumulative = list(accumulate(CLASSIC_TWIN_COUNTS))
    for le, per_step in zip([*map(str, CLASSIC_TWIN_BOUNDS), "+Inf"], cumulative):
        labels = {**twin, "__name__": f"{METRIC}_bucket", "le": le}
        series.append(_floats(labels, [7 + per_step * k for k in steps], end))
    twin_count = [7 + cumulative[-1] * k for k in steps]
    series.append(_floats({**twin, "__name__": f"{METRIC}_count"}, twin_count, end))
    for labels, quantiles, per_step in SUMMARIES:
        for q, value in quantiles.items():
            named = {"__name__": SUMMARY_METRIC, **labels, "quantile": str(q)}
            series.append(_floats(named, [value] * len(steps), end))
        counts = [per_step * (100 + k) for k in steps]
        sums = [c * quantiles[0.5] for c in counts]
        series.append(_floats({"__name__": f"{SUMMARY_METRIC}_count", **labels}, counts, end))
        series.append(_floats({"__name__": f"{SUMMARY_METRIC}_sum", **labels}, sums, end))
    return write_request(series)


@dataclass(frozen=True)
class Pushed:
    """A running Prometheus (``url``) holding the pushed dataset, its last sample at ``end``."""

    url: str
    end: int
