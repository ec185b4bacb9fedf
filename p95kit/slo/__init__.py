"""Latency SLOs on the histogram core: "is each model keeping its promise?".

An SLO is "``objective`` % of requests take at most ``threshold_ms``, over a rolling
``window``" (the SRE workbook's latency SLI: good requests / all requests, counted from the
histogram's buckets). Holds the SLO's definition and the burn-rate policy that guards it
(:mod:`.policy`), and the alerting rules that enforce it: the threshold as a bucket bound in
every ``le`` spelling (:mod:`.bucket_bound`), the rules' PromQL (:mod:`.rule_set`), the YAML
people deploy (:mod:`.rules`: ``p95kit.slo_rules``; Sloth, Pyrra and OpenSLO specs in
:mod:`.rule_formats`), and their backtest (:mod:`.backtest`: ``p95kit.slo_backtest``): raw
counter samples (:mod:`.raw_samples`) replayed through Prometheus's rate arithmetic
(:mod:`.extrapolated_rate`, :mod:`.replay`) into alert episodes (:mod:`.episodes`).

May import: :mod:`p95kit.query`, :mod:`p95kit.prometheus` and the base modules. Never
compare, display, report, serve, cli or demo.
"""
