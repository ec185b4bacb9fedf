"""Latency SLOs on the histogram core: "is each model keeping its promise?".

An SLO is "``objective`` % of requests take at most ``threshold_ms``, over a rolling
``window``" (the SRE workbook's latency SLI: good requests / all requests, counted from the
histogram's buckets). Holds the SLO's definition and the burn-rate policy that guards it
(:mod:`.policy`).

May import: :mod:`p95kit.query`, :mod:`p95kit.prometheus` and the base modules. Never
compare, display, report, serve, cli or demo.
"""
