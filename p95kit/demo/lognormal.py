"""The demo's latencies: log-normal shapes on histogram buckets that drift from day to day.

Both demo data sets (:mod:`p95kit.demo.synthetic`, :mod:`p95kit.demo.llm_data`) build their
histograms from these helpers, so neither imports the other:

- :func:`bucket_shares`: the share of requests in each bucket of a log-normal latency;
- :func:`day_before` and :func:`wobble`: which day before "now" a sample belongs to, and a
  model's repeatable day-to-day variation of a few percent. Without it every day would
  repeat exactly, and the report's comparison with the previous window (and the trend
  across daily snapshots) would show +0.00 for every model.
"""

from __future__ import annotations

import math
import random

DAY = 86400
#: Standard deviation of the day-to-day variation of a model's median (log scale).
DAILY_SPREAD = 0.05


def bucket_shares(bounds: tuple[float, ...], median: float, sigma: float) -> list[float]:
    """Probability of each bucket of ``bounds`` (and the +Inf overflow) for a log-normal
    latency with ``median`` and ``sigma`` (the same unit as ``bounds``)."""

    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2))))

    cumulative = [cdf(bound) for bound in bounds] + [1.0]
    return [b - a for a, b in zip([0.0, *cumulative[:-1]], cumulative)]


def day_before(t: int, now: int) -> int:
    """0 for a sample in the 24 h up to ``now`` (or after it), 1 for the day before, ...:
    a report window of 24 h ending ``k`` days before ``now`` holds day ``k``."""
    return max(0, (now - t) // DAY)


def wobble(name: str, day: int, seed: int = 7, spread: float = DAILY_SPREAD) -> float:
    """A median multiplier near 1 for model (or series) ``name`` on ``day`` (0 = the last
    24 h): log-normal with ``spread``, the same for the same arguments on every run."""
    return math.exp(random.Random(f"{seed}:{name}:{day}").gauss(0.0, spread))
