"""Latency SLOs on the histogram core: "is each model keeping its promise?".

    p95kit.slo(threshold_ms=2000, objective=99.5, window="30d")   # budget, burn, status

An SLO is "``objective`` % of requests take at most ``threshold_ms``, over a rolling
``window``" (the SRE workbook's latency SLI: good requests / all requests, counted from the
histogram's buckets). This package is also the function ``p95kit.slo(...)``: calling it calls
:func:`p95kit.slo.latency_slo.slo` (the contract's name is both the question and the room
that holds its code), whose docstring gives the frame's columns.

Holds the SLO's definition and the burn-rate policy that guards it (:mod:`.policy`); the
budget and burn-rate arithmetic (:mod:`.budget`); the burn windows' counts from one query
(:mod:`.burn_windows`); one SLO judged at one time (:mod:`.evaluate`); the public questions
``slo`` and ``burn_rates`` (:mod:`.latency_slo`), one SLO per metric and goodput's bounds
(:mod:`.several_metrics`), the advice on thresholds between bucket bounds
(:mod:`.thresholds`), the budget burning down over the window (:mod:`.burndown`) and the
JSON bodies (:mod:`.payload`).

May import: :mod:`p95kit.query`, :mod:`p95kit.prometheus` and the base modules. Never
compare, display, report, serve, cli or demo.
"""

from __future__ import annotations

import sys
import types
from typing import Any


def _function() -> Any:
    from p95kit.slo.latency_slo import slo

    return slo


class _CallablePackage(types.ModuleType):
    """``p95kit.slo`` the package, callable as ``p95kit.slo(...)`` the function (imported on
    the first call, so ``import p95kit.slo.policy`` stays light)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _function()(*args, **kwargs)

    @property
    def __signature__(self) -> Any:  # inspect.signature(p95kit.slo), Jupyter's p95kit.slo?
        import inspect

        return inspect.signature(_function())


sys.modules[__name__].__class__ = _CallablePackage
