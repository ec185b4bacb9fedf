"""Latency SLOs on the histogram core: "is each model keeping its promise?".

    p95kit.slo(threshold_ms=2000, objective=99.5, window="30d")   # budget, burn, status

An SLO is "``objective`` % of requests take at most ``threshold_ms``, over a rolling
``window``" (the SRE workbook's latency SLI: good requests / all requests, counted from the
histogram's buckets). ``p95kit.slo`` is the function :func:`p95kit.slo.latency_slo.slo`
(the package facade keeps it so whichever is imported first), whose docstring gives the
frame's columns.

Holds the SLO's definition and the burn-rate policy that guards it (:mod:`.policy`), the
parameters every SLO question validates the same way (:mod:`.parameters`); the budget and
burn-rate arithmetic (:mod:`.budget`); the burn windows' counts from one query
(:mod:`.burn_windows`); one SLO judged at one time (:mod:`.evaluate`); the public questions
``slo`` and ``burn_rates`` (:mod:`.latency_slo`), one SLO per metric and goodput's bounds
(:mod:`.several_metrics`), the advice on thresholds between bucket bounds
(:mod:`.thresholds`), the budget burning down over the window (:mod:`.burndown`) and the
JSON bodies (:mod:`.payload`).

The alerting rules that enforce it: the threshold as a bucket bound in every ``le``
spelling (:mod:`.bucket_bound`), the rules' PromQL (:mod:`.rule_set`), the YAML people
deploy (:mod:`.rules`: ``p95kit.slo_rules``; Sloth, Pyrra and OpenSLO specs in
:mod:`.rule_formats`), and their backtest (:mod:`.backtest`: ``p95kit.slo_backtest``): raw
counter samples (:mod:`.raw_samples`) replayed through Prometheus's rate arithmetic
(:mod:`.extrapolated_rate`, :mod:`.replay`) into alert episodes (:mod:`.episodes`).

May import: :mod:`p95kit.query`, :mod:`p95kit.prometheus` and the base modules. Never
compare, display, report, serve, cli or demo.
"""
