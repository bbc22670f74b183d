"""Inlined SuiteQL date literals: formatted and validated by the client, never raw input."""

from datetime import date, datetime

import pytest

from revrec_pipeline.netsuite.literals import date_sql, timestamp_sql


def test_datetimes_and_dates_render_in_netsuites_formats():
    assert (
        timestamp_sql(datetime(2026, 1, 2, 3, 4, 5))
        == "TO_TIMESTAMP('2026-01-02 03:04:05', 'YYYY-MM-DD HH24:MI:SS')"
    )
    assert timestamp_sql("2026-12-31 23:59:59").startswith("TO_TIMESTAMP('2026-12-31 23:59:59'")
    assert date_sql(date(2026, 10, 31)) == "TO_DATE('2026-10-31', 'YYYY-MM-DD')"


@pytest.mark.parametrize(
    "bad",
    ["2026-01-01 00:00:00') OR 1=1 --", "2026-02-30 00:00:00", "2026-1-1 0:0:0", "", "yesterday"],
)
def test_anything_else_is_refused_before_it_reaches_a_query(bad):
    with pytest.raises(ValueError, match="is not a 'YYYY-MM-DD HH:MM:SS' datetime"):
        timestamp_sql(bad)


@pytest.mark.parametrize("bad", ["2026-10-31' --", "2026-13-01", "31/10/2026"])
def test_bad_dates_are_refused(bad):
    with pytest.raises(ValueError, match="is not a 'YYYY-MM-DD' date"):
        date_sql(bad)
