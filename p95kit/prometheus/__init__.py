"""The Prometheus HTTP API client: the one place where HTTP failures become p95kit errors.

Holds the client (:mod:`.client`: sessions, auth, retries, timeouts), the decoding of
its answers (:mod:`.answers`, :mod:`.range_answers`), each engine's words for its sample
limit (:mod:`.sample_limits`), range chunking (:mod:`.chunks`) and a refused range asked
in shorter parts (:mod:`.range_split`),
the small thread pool for concurrent calls (:mod:`.fanout`), base URLs (:mod:`.urls`)
and the client built from CLI options and environment variables (:mod:`.config`).

May import: :mod:`p95kit.errors`, :mod:`p95kit.validation`, :mod:`p95kit.durations`,
:mod:`p95kit.times`, :mod:`p95kit.progress`. Never the layers above (query, display,
report, serve, cli, demo).
"""
