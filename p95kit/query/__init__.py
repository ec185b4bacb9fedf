"""Questions about latency, answered as pandas frames: the library's public query layer.

Holds the validated target of a query and its units (:mod:`.target`, :mod:`.units`),
PromQL (:mod:`.promql`), answers into frames (:mod:`.frames`), the warnings attached
to frames (:mod:`.frame_warnings`), the public query functions (:mod:`.latency`),
bucket arithmetic (:mod:`.bucket_math`), the bucket-count frame and the bucket each
percentile lies in (:mod:`.buckets`, :mod:`.percentile_buckets`), serving-stack presets and
empty-answer shape checks (:mod:`.presets`, :mod:`.shapes`), the original API's JSON
payloads (:mod:`.payloads`), and the answers to questions too large for the backend's
sample limit: a window's counts added over sub-windows (:mod:`.window_split`) and
``histogram_quantile`` computed from them (:mod:`.quantile_split`).

May import: :mod:`p95kit.prometheus` and the base modules (errors, validation,
durations, times). Never display, report, serve, cli or demo.
"""
