"""The ``p95kit`` command: thin click commands over the library.

Holds the command group (:mod:`.main`), the one place that turns p95kit errors into
exit codes (:mod:`.errors`), shared options (:mod:`.options`), and one module per
command family: ``query`` and ``models`` (:mod:`.query_commands`), ``report``
(:mod:`.report_command`), ``compare`` (:mod:`.compare_command`), ``presets``
(:mod:`.presets_command`), ``serve`` (:mod:`.serve_command`), ``demo`` (:mod:`.demo_command`),
``doctor`` (:mod:`.doctor_command`), ``slo`` (:mod:`.slo_commands`; its ``rules`` and
``backtest``: :mod:`.slo_rule_commands`).

May import every layer below (demo, serve, report, display, compare, slo, query, prometheus,
base).
Nothing imports it.
"""
