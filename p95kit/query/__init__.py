"""Questions about latency, answered as pandas frames: the library's public query layer.

What a question is about: the validated target and its unit (:mod:`.target`, :mod:`.units`),
PromQL built from it (:mod:`.promql`), column names (:mod:`.columns`).

The histogram core, which every number computed from buckets stands on: a model's bucket
counts and what they prove (:mod:`.histogram`), the estimators that read inside a bucket
(:mod:`.estimators`, the registry; :mod:`.linear`, ``histogram_quantile``'s arithmetic;
:mod:`.smooth`), each model's histogram over a window from one query
(:mod:`.window_histograms`), and percentiles computed from buckets for estimators PromQL
cannot ask (:mod:`.bucket_estimates`).

The answers: Prometheus's answers into frames (:mod:`.frames`) and the warnings attached to
them (:mod:`.frame_warnings`), the public query functions (:mod:`.latency`: ``p95``,
``p95_range``, ``percentiles``, ``list_models``) and their frames for parameters already
validated (:mod:`.fetch`: what the report calls directly), a window's percentiles, requests
and buckets fetched once (:mod:`.window`), the bucket-count frame (:mod:`.buckets`) and the
bucket each percentile lies in (:mod:`.percentile_buckets`), serving-stack presets and
empty-answer shape checks (:mod:`.presets`, :mod:`.shapes`), the original API's JSON
payloads (:mod:`.payloads`), and the answers to questions too large for the backend's sample
limit: a window's counts added over sub-windows (:mod:`.window_split`) and
``histogram_quantile`` computed from them (:mod:`.quantile_split`).

May import: :mod:`p95kit.prometheus` and the base modules (errors, validation,
durations, times, version). Never slo, compare, display, report, serve, cli or demo.
"""
