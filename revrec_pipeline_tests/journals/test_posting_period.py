"""The NetSuite posting period of a period's entries: found by date range, one calendar month,
refused in one sentence otherwise (SPEC §7)."""

from __future__ import annotations

from datetime import date

import pytest

from revrec_pipeline.journals.posting_period import (
    PostingPeriodError,
    choose_posting_period,
    closed_problem,
    posting_period_query,
)

OCTOBER = {
    "id": "130",
    "periodname": "Oct 2026",
    "startdate": "2026-10-01",
    "enddate": "2026-10-31",
    "closed": "F",
    "alllocked": "F",
}


def test_query_finds_the_period_by_date_range_with_an_inlined_literal():
    query = posting_period_query(date(2026, 10, 31))
    assert "?" not in query
    assert (
        "WHERE isposting = 'T' AND isquarter = 'F' AND isyear = 'F' AND isadjust = 'F' AND "
        "startdate <= TO_DATE('2026-10-31', 'YYYY-MM-DD') AND "
        "enddate >= TO_DATE('2026-10-31', 'YYYY-MM-DD') ORDER BY id" in query
    )
    assert "TO_CHAR(startdate, 'YYYY-MM-DD') AS startdate" in query


def test_one_calendar_month_is_chosen():
    assert choose_posting_period([OCTOBER], "2026-10") is OCTOBER


def test_a_non_calendar_period_is_refused():
    fiscal = {
        **OCTOBER,
        "periodname": "P11 2026",
        "startdate": "2026-10-29",
        "enddate": "2026-11-25",
    }
    with pytest.raises(PostingPeriodError) as refused:
        choose_posting_period([fiscal], "2026-10")
    assert str(refused.value) == (
        "NetSuite's posting period P11 2026 runs from 2026-10-29 to 2026-11-25, not the "
        "calendar month 2026-10: the account uses a non-calendar fiscal calendar (4-4-5 or "
        "similar), which journal posting does not support yet."
    )


def test_no_period_or_several_are_refused():
    with pytest.raises(
        PostingPeriodError,
        match=r"^NetSuite has no posting period containing "
        r"2026-10-31 \(the last day of 2026-10\)",
    ):
        choose_posting_period([], "2026-10")
    with pytest.raises(
        PostingPeriodError,
        match=r"2 posting periods containing 2026-10-31 "
        r"\(Oct 2026, Oct 2026 FY2\); expected exactly one",
    ):
        choose_posting_period([OCTOBER, {**OCTOBER, "periodname": "Oct 2026 FY2"}], "2026-10")


def test_closed_or_locked():
    assert closed_problem(OCTOBER) is None
    for flag in ("closed", "alllocked"):
        assert closed_problem({**OCTOBER, flag: "T"}) == (
            "NetSuite period Oct 2026 is closed or locked; reopen it (or unlock it) in NetSuite "
            "before posting."
        )
