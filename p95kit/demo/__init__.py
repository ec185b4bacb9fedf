"""Try p95kit without a Prometheus of your own: a throw-away local Prometheus and its data.

Holds the local Prometheus with backfilled data (:mod:`.local_prometheus`), the demo's
synthetic LLM latencies (:mod:`.synthetic`; vLLM-shaped: :mod:`.llm_data`; both drawn from
log-normal buckets that drift from day to day: :mod:`.lognormal`), the few daily reports a
demo publishes so its index has a trend (:mod:`.daily_reports`), and JupyterLab on the
exploration notebook for ``p95kit demo --jupyter`` (:mod:`.jupyter_lab`).

May import: :mod:`p95kit.report` and every layer below it. Only :mod:`p95kit.cli` imports it.
"""
