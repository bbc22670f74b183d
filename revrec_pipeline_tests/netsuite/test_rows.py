"""SuiteQL text → store values: the fast paths give exactly what the general rule gives."""

from __future__ import annotations

import random
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from revrec_pipeline.netsuite.literals import PY_DATETIME
from revrec_pipeline.netsuite.rows import to_cents, to_utc

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
