"""How p95kit shows numbers: one milliseconds vocabulary, tables, charts and fonts.

Holds report text formatting (:mod:`.formatting`), Jupyter styling (:mod:`.styling`),
the P95-over-time chart (:mod:`.plotting`), its one-pass layout (:mod:`.chart_layout`)
and which models it draws (:mod:`.chart_selection`), the bucket distribution chart
(:mod:`.distribution`), two versions' distributions compared (:mod:`.compare_chart`) and a
comparison on the terminal (:mod:`.compare_text`), CJK fonts (:mod:`.fonts`) and terminal
output (:mod:`.terminal`); for SLOs the error budget burning down (:mod:`.budget_chart`) and
the terminal's SLO table, ``--explain`` and alert lines (:mod:`.slo_text`).

May import: :mod:`p95kit.compare`, :mod:`p95kit.slo`, :mod:`p95kit.query` and the base
modules. Never report, serve, cli or demo.
"""
