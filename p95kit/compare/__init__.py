"""Comparing versions on the histogram core: "is the new model version slower?".

A canary or an A/B test (two label selectors over one window) or a deploy (one selector,
before and after): per model, both sides' requests and P50/P95/P99, the P95 change, a p-value
and a verdict (``slower``, ``faster``, ``no_change``, ``inconclusive``) with its reason. The
statistics run on the bucket counts as the per-request sample they are (requests in one
bucket are ties; extrapolated, non-integer counts are weights), never on a time series of
percentiles or averages; docs/COMPARE.md says which tests and why.

Modules, lowest first: the two-sample tests on bucket counts (:mod:`.statistics`: Brunner-
Munzel for a shift, a pooled two-proportion test for the tail beyond P95), their power and
the requests a verdict needs (:mod:`.power`), the words of a reason (:mod:`.reasons`), the
decision rule (:mod:`.verdicts`), validated parameters (:mod:`.parameters`), both sides of
each model on shared bounds and the frame of verdicts (:mod:`.pairs`), one query per side
(:mod:`.fetch`), the public :func:`p95kit.compare` (:mod:`.versions`), its JSON body for the
CLI and ``GET /api/compare/`` (:mod:`.payload`), and the report's comparison of a label's two
busiest values per model (:mod:`.busiest`).

May import: :mod:`p95kit.query`, :mod:`p95kit.prometheus` and the base modules. Never
slo, display, report, serve, cli or demo.
"""
