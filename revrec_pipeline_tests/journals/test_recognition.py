"""Revenue recognition (SPEC §7): daily proration over [start, end] inclusive, cumulative
cents rounded half away from zero and differenced, point_in_time in the start month."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from revrec_pipeline.journals.recognition import (
    POINT_IN_TIME,
    RATABLE,
    SCHEDULE_COLUMNS,
    cumulative_recognized,
    recognize_line,
    revenue_schedule,
)

# $12,000.00 ratable 2024-01-15 .. 2025-01-14 inclusive: 17 + 29 (leap Feb) + 31 + 30 + 31 + 30
# + 31 + 31 + 30 + 31 + 30 + 31 + 14 = 366 days. Cumulative cents at each month end =
# round(days × 1,200,000 / 366), 1,200,000 / 366 = 3,278.688524…:
#   Jan  17 d →    20,400,000/366 =    55,737.70 →    55,738
#   Feb  46 d →    55,200,000/366 =   150,819.67 →   150,820
#   Mar  77 d →    92,400,000/366 =   252,459.02 →   252,459
#   Apr 107 d →   128,400,000/366 =   350,819.67 →   350,820
#   May 138 d →   165,600,000/366 =   452,459.02 →   452,459
#   Jun 168 d →   201,600,000/366 =   550,819.67 →   550,820
#   Jul 199 d →   238,800,000/366 =   652,459.02 →   652,459
#   Aug 230 d →   276,000,000/366 =   754,098.36 →   754,098
#   Sep 260 d →   312,000,000/366 =   852,459.02 →   852,459
#   Oct 291 d →   349,200,000/366 =   954,098.36 →   954,098
#   Nov 321 d →   385,200,000/366 = 1,052,459.02 → 1,052,459
#   Dec 352 d →   422,400,000/366 = 1,154,098.36 → 1,154,098
#   Jan 366 d → 1,200,000
# and each month is the difference of consecutive cumulative amounts.
YEAR_LINE = {
    "2024-01": 55_738,  # 55,738 − 0
    "2024-02": 95_082,  # 150,820 − 55,738
    "2024-03": 101_639,  # 252,459 − 150,820
    "2024-04": 98_361,  # 350,820 − 252,459
    "2024-05": 101_639,  # 452,459 − 350,820
    "2024-06": 98_361,  # 550,820 − 452,459
    "2024-07": 101_639,  # 652,459 − 550,820
    "2024-08": 101_639,  # 754,098 − 652,459
    "2024-09": 98_361,  # 852,459 − 754,098
    "2024-10": 101_639,  # 954,098 − 852,459
    "2024-11": 98_361,  # 1,052,459 − 954,098
    "2024-12": 101_639,  # 1,154,098 − 1,052,459
    "2025-01": 45_902,  # 1,200,000 − 1,154,098
}


def test_twelve_thousand_over_a_leap_year_month_by_month():
    got = recognize_line(1_200_000, date(2024, 1, 15), date(2025, 1, 14), RATABLE)
    assert got == YEAR_LINE
    assert sum(got.values()) == 1_200_000


def test_cumulative_through_a_day_inside_the_service_period():
    # Through 2024-02-29: 17 + 29 = 46 days → 150,820 (as above); through the day before the
    # start: nothing; through a day after the end: everything.
    start = np.array([date(2024, 1, 15)], dtype="datetime64[D]")
    end = np.array([date(2025, 1, 14)], dtype="datetime64[D]")
    amount, instant = np.array([1_200_000]), np.array([False])
    assert cumulative_recognized(amount, start, end, instant, date(2024, 2, 29))[0] == 150_820
    assert cumulative_recognized(amount, start, end, instant, date(2024, 1, 14))[0] == 0
    assert cumulative_recognized(amount, start, end, instant, date(2030, 1, 1))[0] == 1_200_000


def test_one_day_line_is_all_in_its_month():
    assert recognize_line(12_345, date(2024, 3, 7), date(2024, 3, 7)) == {"2024-03": 12_345}


def test_line_crossing_the_leap_day():
    # 2024-02-28, 02-29, 03-01: 3 days; February holds 2 → round(2 × 100,000 / 3) =
    # round(66,666.67) = 66,667; March the rest, 100,000 − 66,667 = 33,333.
    got = recognize_line(100_000, date(2024, 2, 28), date(2024, 3, 1))
    assert got == {"2024-02": 66_667, "2024-03": 33_333}


def test_rounding_is_half_away_from_zero_not_to_even():
    # 5 cents over 2024-01-31 .. 2024-02-01: January holds 1 of 2 days → 2.5 → 3 (banker's
    # rounding would give 2), February 5 − 3 = 2. The credit mirrors it: −2.5 → −3.
    assert recognize_line(5, date(2024, 1, 31), date(2024, 2, 1)) == {"2024-01": 3, "2024-02": 2}
    assert recognize_line(-5, date(2024, 1, 31), date(2024, 2, 1)) == {
        "2024-01": -3,
        "2024-02": -2,
    }


def test_point_in_time_is_all_in_the_start_month():
    got = recognize_line(250_050, date(2024, 3, 31), date(2024, 12, 31), POINT_IN_TIME)
    assert got == {"2024-03": 250_050}


def test_credit_line_mirrors_the_positive_one():
    got = recognize_line(-1_200_000, date(2024, 1, 15), date(2025, 1, 14))
    assert got == {period: -cents for period, cents in YEAR_LINE.items()}
    assert recognize_line(-100_000, date(2024, 2, 28), date(2024, 3, 1)) == {
        "2024-02": -66_667,
        "2024-03": -33_333,
    }


ORDER_COLUMNS = [
    "customer_id",
    "order_number",
    "order_item_number",
    "product_code",
    "currency",
    "service_start_date",
    "service_end_date",
    "amount_cents",
    "recognition",
]


def test_revenue_schedule_of_the_year_line_matches_by_hand():
    orders = pd.DataFrame(
        [
            (
                "C1",
                "SO-1",
                "1",
                "SUB",
                "USD",
                date(2024, 1, 15),
                date(2025, 1, 14),
                1_200_000,
                RATABLE,
            ),
        ],
        columns=ORDER_COLUMNS,
    )
    schedule = revenue_schedule(orders)
    assert list(schedule.columns) == SCHEDULE_COLUMNS
    assert dict(zip(schedule["period"], schedule["revenue_cents"], strict=True)) == YEAR_LINE


def random_orders(count: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first, last = date(2023, 1, 1), date(2027, 12, 31)
    span = (last - first).days
    rows = []
    for number in range(count):
        start = first + timedelta(days=int(rng.integers(0, span + 1)))
        length = int(rng.integers(0, (last - start).days + 1))
        if number % 10 == 0:
            length = 0  # some one-day lines
        rows.append(
            (
                f"C{number % 7}",
                f"SO-{number:03d}",
                "1",
                f"P{number % 5}",
                "USD" if number % 3 else "EUR",
                start,
                start + timedelta(days=length),
                int(rng.integers(-10_000_000, 10_000_001)),
                POINT_IN_TIME if number % 4 == 0 else RATABLE,
            )
        )
    return pd.DataFrame(rows, columns=ORDER_COLUMNS)


@pytest.mark.parametrize("seed", [20261031, 7])
def test_vectorized_schedule_equals_the_reference_line_by_line(seed):
    orders = random_orders(200, seed)
    schedule = revenue_schedule(orders)
    got: dict[str, dict[str, int]] = {}
    for order, period, cents in schedule[["order_number", "period", "revenue_cents"]].itertuples(
        index=False
    ):
        assert isinstance(cents, int | np.integer)
        got.setdefault(order, {})[period] = int(cents)
    for line in orders.itertuples(index=False):
        reference = recognize_line(
            line.amount_cents, line.service_start_date, line.service_end_date, line.recognition
        )
        assert sum(reference.values()) == line.amount_cents, line.order_number
        expected = {period: cents for period, cents in reference.items() if cents}
        assert got.get(line.order_number, {}) == expected, line.order_number
        assert sum(got.get(line.order_number, {}).values()) == line.amount_cents
    assert schedule["revenue_cents"].dtype == "int64"
