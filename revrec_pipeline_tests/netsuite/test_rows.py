"""SuiteQL text → store values: the fast paths give exactly what the general rule gives."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from revrec_pipeline.netsuite.literals import PY_DATETIME
from revrec_pipeline.netsuite.rows import (
    header_fields,
    line_fields,
    to_cents,
    to_columns,
    to_row,
    to_utc,
)

UTC = ZoneInfo("UTC")


def cents_by_decimal(value: str) -> int:
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_cents_equal_the_decimal_rule_for_every_form_netsuite_may_send():
    rng = random.Random(11)
    values = ["0", "-0", "1", "-1", "1.5", "-1.5", "0.05", "-0.05", ".5", "-.5", "12.345"]
    values += ["-12.345", "0.005", "-0.005", "1e3", "1.2E-1", "+5", "007.10", "99999999999.99"]
    for _ in range(5000):
        sign = rng.choice(["", "-"])
        digits = rng.choice([1, 2, 3, 4])
        values.append(f"{sign}{rng.randint(0, 10**10)}.{rng.randint(0, 10**digits - 1):0{digits}d}")
        values.append(f"{sign}{rng.randint(0, 10**6)}")
    assert [to_cents(v) for v in values] == [cents_by_decimal(v) for v in values]
    assert to_cents(None) is None and to_cents("") is None


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata"])
def test_account_local_stamps_become_the_same_utc_as_strptime_gives(zone):
    tz = ZoneInfo(zone)
    rng = random.Random(5)
    # Across both DST changes of 2026, to the second.
    stamps = [
        f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} "
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        for _ in range(3000)
    ] + ["2026-03-08 02:30:00", "2026-11-01 01:30:00", "2026-03-29 02:30:00"]
    for stamp in stamps:
        expected = (
            datetime.strptime(stamp, PY_DATETIME)
            .replace(tzinfo=tz)
            .astimezone(UTC)
            .replace(tzinfo=None)
        )
        assert to_utc(stamp, tz) == expected, stamp


def _line(i: int) -> dict:
    """A SuiteQL line row as NetSuite sends it: text values, null columns absent."""
    row = {
        "links": [],
        "transaction": str(100 + i // 3),
        "id": str(i),
        "uniquekey": str(1000 + i),
        "item": str(i % 4 + 1),
        "quantity": ["1", "1.0", "-2.5", "0.00000001"][i % 4],
        "rate": "12.34",
        "foreignamount": ["-12.34", "12.345", "0", "99999999999.99"][i % 4],
        "netamount": "-12.34",
        "memo": "Pro – annual",
        "revrecstartdate": "2026-01-01",
        "revrecenddate": "2026-12-31",
        "itemtype": "Service",
        "iscogs": "F",
        "donotdisplayline": "F",
        "isbillingline": "T" if i % 5 else "F",
        "linelastmodifieddate": f"2026-03-08 0{i % 4}:30:00",  # across the DST change
    }
    for key in ("memo", "netamount", "revrecstartdate", "item", "linelastmodifieddate")[: i % 6]:
        del row[key]  # null columns are absent, a different set on different rows
    if i % 7 == 0:
        row["department"] = "3"
    return row


@pytest.mark.parametrize("fields", [line_fields, header_fields])
def test_a_page_column_by_column_equals_its_rows_one_by_one(fields):
    zone = ZoneInfo("America/Los_Angeles")
    if fields is line_fields:
        page = [_line(i) for i in range(40)]
    else:
        page = [
            {
                "id": str(i),
                "type": "CustInvc",
                "trandate": "2026-01-15",
                "entity": str(i % 3),
                "lastmodifieddate": f"2026-11-01 0{i % 3}:15:00",
                **({"currency": "2", "exchangerate": "1.1"} if i % 2 else {}),
            }
            for i in range(30)
        ]
    columns = to_columns(page, fields(zone))
    rows = [to_row(row, fields(zone)) for row in page]
    assert list(columns) == list(rows[0])
    assert columns == {name: [row[name] for row in rows] for name in columns}
    # The same types, not only equal values (Decimal('1.0') is not Decimal('1')).
    assert [[repr(v) for v in values] for values in columns.values()] == [
        [repr(row[name]) for row in rows] for name in columns
    ]
    assert to_columns([], fields(zone)) == {name: [] for name in columns}


def test_a_missing_required_column_is_an_error_column_by_column_too():
    page = [_line(1), {k: v for k, v in _line(2).items() if k != "transaction"}]
    with pytest.raises(KeyError, match="transaction"):
        to_columns(page, line_fields(ZoneInfo("UTC")))


@pytest.mark.parametrize(
    "zone", ["America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "America/St_Johns"]
)
def test_stamps_through_a_whole_dst_change_day_convert_as_astimezone_does(zone):
    """One offset serves each local hour unless it changes within it: every 13 seconds of the
    days 2026 changes its clocks (Lord Howe's by half an hour) against astimezone itself."""
    from datetime import timedelta

    tz = ZoneInfo(zone)
    for day in ("2026-03-08", "2026-03-29", "2026-04-05", "2026-10-04", "2026-10-25", "2026-11-01"):
        midnight = datetime.fromisoformat(f"{day} 00:00:00")
        for seconds in range(0, 86_400, 13):
            stamp = (midnight + timedelta(seconds=seconds)).strftime(PY_DATETIME)
            expected = datetime.fromisoformat(stamp).replace(tzinfo=tz).astimezone(UTC)
            assert to_utc(stamp, tz) == expected.replace(tzinfo=None), stamp
