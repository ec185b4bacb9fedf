"""Try p95kit without a Prometheus of your own: a throw-away local Prometheus and its data.

Holds the local Prometheus with backfilled data (:mod:`.local_prometheus`), the demo's
synthetic LLM latencies (:mod:`.synthetic`; vLLM-shaped: :mod:`.llm_data`), and JupyterLab
on the exploration notebook for ``p95kit demo --jupyter`` (:mod:`.jupyter_lab`).

May import: :mod:`p95kit.report` and every layer below it. Only :mod:`p95kit.cli` imports it.
"""
