"""The demo's reports: one per day for the last few days, so ``index.html`` has a trend at once.

The demo data drifts from day to day (:mod:`p95kit.demo.lognormal`), so reports of the
windows ending 2 days ago, yesterday and now differ: the comparison with the previous
window shows changes, and ``index.html`` draws each model's P95 across the three. They
are published oldest first, exactly as a daily cron job would have published them.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from p95kit.durations import parse_duration
from p95kit.prometheus.client import Prometheus
from p95kit.report.parameters import ReportSettings
from p95kit.report.pipeline import ReportRun, run_report
from p95kit.report.snapshots import SnapshotStore
from p95kit.times import to_rfc3339

#: Daily reports the demo publishes into an empty folder (the data holds one day more).
DAYS = 3
DAY = 86400


def publish_daily(
    client: Prometheus, settings: ReportSettings, out: Path | str, days: int = DAYS
) -> ReportRun:
    """Publish the report of each of the last ``days`` days into ``out``, oldest first,
    and return the last one (``settings``' window, "now" by default). Into a folder that
    already has a report, or for a window longer than a day, only that last one."""
    window = parse_duration(settings.duration)
    if SnapshotStore(out).latest() is not None or window > DAY:
        days = 1
    now = time.time()
    for back in range(days - 1, 0, -1):
        end = to_rfc3339(now - back * DAY)
        run_report(client, dataclasses.replace(settings, end=end), out)
    return run_report(client, settings, out)
