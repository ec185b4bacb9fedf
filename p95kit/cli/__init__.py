"""The ``p95kit`` command: thin click commands over the library.

Holds the command group (:mod:`.main`), the one place that turns p95kit errors into
exit codes (:mod:`.errors`), shared options (:mod:`.options`) and the ``demo`` and
``doctor`` commands (:mod:`.setup_commands`).

May import every layer below (demo, report, display, query, prometheus, base).
Nothing imports it.
"""
