"""The SLO's definition and the workbook's burn-rate policy (p95kit.slo.policy), by hand."""

from __future__ import annotations

import pytest

from p95kit.errors import InvalidParameterError
from p95kit.slo.policy import WORKBOOK, make_objective, policy_for

THIRTY_DAYS = 30 * 86400


def test_the_workbook_tiers_spend_2_5_10_and_10_percent_of_a_30_day_budget():
    spent = [round(t.budget_spent(THIRTY_DAYS) * 100, 6) for t in WORKBOOK.tiers]
    assert spent == [2, 5, 10, 10]
    assert [(t.severity, t.long_window, t.short_window) for t in WORKBOOK.tiers] == [
        ("page", "1h", "5m"),
        ("page", "6h", "30m"),
        ("ticket", "1d", "2h"),
        ("ticket", "3d", "6h"),
    ]
    assert WORKBOOK.windows() == ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def test_another_window_keeps_the_workbooks_burn_rates():
    """A burn rate is a pace relative to the objective: 1 stays "on pace to spend exactly the
    budget" for a 7-day SLO, so no tier of a shorter window fires below the objective's pace;
    what changes is the share of the budget a tier has spent when it fires."""
    week = policy_for(make_objective(500, 99.9, "7d"))
    assert [t.burn_rate for t in week.tiers] == [14.4, 6.0, 3.0, 1.0]
    assert min(t.burn_rate for t in week.tiers) >= 1
    spent = [round(t.budget_spent(7 * 86400) * 100, 2) for t in week.tiers]
    assert spent == [8.57, 21.43, 42.86, 42.86]
    assert policy_for(make_objective(500, 99.9, "30d")) is WORKBOOK


def test_tiers_a_low_objective_can_never_reach_are_named():
    assert policy_for(make_objective(500, 99.9)).unreachable(make_objective(500, 99.9)) == []
    low = make_objective(500, 90)  # 14.4 x 10 % > 100 %: a full outage is not fast enough
    assert [t.burn_rate for t in WORKBOOK.unreachable(low)] == [14.4]


def test_only_pages_and_the_guard():
    assert {t.severity for t in WORKBOOK.only("page").tiers} == {"page"}
    assert WORKBOOK.guard_threshold() == 2.5
    assert WORKBOOK.with_guard(0).guard_threshold() == 0
    with pytest.raises(InvalidParameterError, match="tiers"):
        WORKBOOK.only("pager")
    with pytest.raises(InvalidParameterError, match="min_bad_requests"):
        WORKBOOK.with_guard(-1)


@pytest.mark.parametrize(
    ("threshold", "objective", "window", "parameter"),
    [
        (0, 99, "30d", "threshold_ms"),
        (500, 100, "30d", "objective"),
        (500, "x", "30d", "objective"),
        (500, 0, "30d", "objective"),
        (500, 99, "30x", "window"),
    ],
)
def test_an_invalid_objective_names_its_parameter(threshold, objective, window, parameter):
    with pytest.raises(InvalidParameterError) as raised:
        make_objective(threshold, objective, window)
    assert raised.value.parameter == parameter
    assert make_objective(2000, 99.5, "30d").budget == pytest.approx(0.005)
