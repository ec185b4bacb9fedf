"""Episodes from evaluations that fired (p95kit.slo.episodes), by hand: starts, ends, NaT
while firing at the end, peaks, and the per-model "would have paged" summary."""

from __future__ import annotations

import numpy as np
import pandas as pd

from p95kit.query.target import make_target
from p95kit.slo.bucket_bound import BucketBound
from p95kit.slo.episodes import episodes, to_records, would_have_paged
from p95kit.slo.policy import WORKBOOK, make_objective
from p95kit.slo.replay import Firing
from p95kit.slo.rule_set import RuleSet

RULES = RuleSet(
    make_target("request_duration_seconds", "model"),
    make_objective(2000, 99.0),
    WORKBOOK.only("page"),
    BucketBound(2000, 2.0, 2000.0, ("2",)),
)
EVALS = np.arange(1, 9, dtype=np.int64) * 60_000  # 8 evaluations, a minute apart


def _frame() -> pd.DataFrame:
    fast = np.array([[0, 1, 1, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0, 0]], dtype=bool)
    slow = np.array([[0, 0, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]], dtype=bool)
    burns = [np.array([20.0, 30.0, 15.0, 16.0, 17.0]), np.array([7.0, 9.0])]
    frame = episodes(RULES, ["a", "b"], EVALS, Firing([fast, slow], burns))
    frame.attrs.update({"models": ["a", "b"], "last_evaluation": 480.0, "step": "1m"})
    return frame


def test_runs_of_firing_evaluations_are_episodes():
    frame = _frame()
    minute = pd.Timedelta("1min")
    start = pd.Timestamp(0, tz="UTC")
    assert list(frame["long_window"]) == ["1h", "6h", "1h"]
    assert list(frame["started"]) == [start + 2 * minute, start + 3 * minute, start + 6 * minute]
    assert (
        frame["ended"].iloc[0] == start + 4 * minute
        and frame["ended"].iloc[1] == start + 5 * minute
    )
    assert pd.isna(frame["ended"].iloc[2])  # still firing at the last evaluation
    assert list(frame["peak_burn_rate"]) == [30.0, 9.0, 17.0]


def test_overlapping_tiers_are_one_page_and_a_quiet_model_says_so():
    summary = would_have_paged(_frame()).set_index("model")
    assert summary.loc["a", "pages"] == 2  # 2-5 min (two tiers overlapping), 6 min to the end
    assert summary.loc["a", "firing_minutes"] == 3 + 3
    assert summary.loc["a", "text"].startswith(
        "would have paged 2 times, first at 1970-01-01 00:02 UTC"
    )
    assert summary.loc["b", "text"] == "would not have paged" and pd.isna(
        summary.loc["b", "first_page"]
    )


def test_records_are_json_ready():
    records = to_records(_frame())
    assert records[0]["started"] == "1970-01-01T00:02:00Z" and records[2]["ended"] is None
