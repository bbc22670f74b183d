"""Accounting periods on the real store (SPEC §7): go-live, closing in order, the posting
notice and the close feed of the period-close sensor; the same rules through `revrec period`."""

from __future__ import annotations

import pytest

from revrec_pipeline.cli import main
from revrec_pipeline.journals.periods import (
    next_period,
    period_end,
    period_of,
    period_start,
    periods_between,
    previous_period,
)
from revrec_pipeline.store.periods import (
    PeriodError,
    close_period,
    closes_after,
    notices,
    periods,
    set_go_live,
)

NOT_SET = (
    "Cannot close 2026-10: no accounting period is set yet; set the first one with "
    "`revrec period set YYYY-MM`."
)
OUT_OF_ORDER = (
    "Period 2026-11 cannot be closed: the oldest open period is 2026-10; periods close in order."
)
TWICE = "Period 2026-10 is already closed."
BEFORE_GO_LIVE = "Period 2026-09 is before go-live (2026-10); it was never open."


def test_period_arithmetic_across_year_ends_and_leap_years():
    assert next_period("2026-12") == "2027-01"
    assert previous_period("2027-01") == "2026-12"
    assert previous_period("2026-10") == "2026-09"
    assert str(period_end("2024-02")) == "2024-02-29"
    assert str(period_end("2026-02")) == "2026-02-28"
    assert str(period_start("2026-10")) == "2026-10-01"
    assert period_of(period_end("2026-10")) == "2026-10"
    assert periods_between("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]


def nothing_written(store) -> bool:
    return closes_after(store, 0) == [] and notices(store) == []


def test_close_before_go_live_is_refused(store):
    with pytest.raises(PeriodError) as caught:
        close_period(store, "2026-10")
    assert str(caught.value) == NOT_SET
    assert nothing_written(store)
    assert periods(store) == []


def test_out_of_order_close_names_the_oldest_open_period(store):
    set_go_live(store, "2026-10")
    with pytest.raises(PeriodError) as caught:
        close_period(store, "2026-11")
    assert str(caught.value) == OUT_OF_ORDER
    assert nothing_written(store)
    assert [(p["period"], p["status"]) for p in periods(store)] == [("2026-10", "open")]


def test_close_in_order_writes_the_notice_and_opens_the_next(store):
    set_go_live(store, "2026-10")
    close_id = close_period(store, "2026-10")

    rows = periods(store)
    assert [(p["period"], p["status"]) for p in rows] == [
        ("2026-10", "closed"),
        ("2026-11", "open"),
    ]
    assert rows[0]["closed_at"] is not None and rows[1]["closed_at"] is None
    assert [(n["period"], n["message"]) for n in notices(store)] == [
        ("2026-10", "Journal posting started for 2026-10")
    ]
    assert closes_after(store, 0) == [(close_id, "2026-10")]
    assert closes_after(store, close_id) == []

    # The next one closes in turn, and the sensor's feed only shows what is new.
    second = close_period(store, "2026-11")
    assert second > close_id
    assert closes_after(store, close_id) == [(second, "2026-11")]
    assert [n["message"] for n in notices(store)] == [
        "Journal posting started for 2026-11",
        "Journal posting started for 2026-10",
    ]
    assert [(p["period"], p["status"]) for p in periods(store)] == [
        ("2026-10", "closed"),
        ("2026-11", "closed"),
        ("2026-12", "open"),
    ]


def test_closing_twice_or_before_go_live_is_refused(store):
    set_go_live(store, "2026-10")
    # Before go-live while go-live is still open.
    with pytest.raises(PeriodError) as caught:
        close_period(store, "2026-09")
    assert str(caught.value) == BEFORE_GO_LIVE

    close_id = close_period(store, "2026-10")
    with pytest.raises(PeriodError) as caught:
        close_period(store, "2026-10")
    assert str(caught.value) == TWICE
    with pytest.raises(PeriodError) as caught:
        close_period(store, "2026-09")
    assert str(caught.value) == BEFORE_GO_LIVE
    # Skipping ahead names the oldest open period, now 2026-11.
    with pytest.raises(PeriodError) as caught:
        close_period(store, "2027-01")
    assert str(caught.value) == (
        "Period 2027-01 cannot be closed: the oldest open period is 2026-11; periods close in "
        "order."
    )
    # None of the refusals wrote a close or a notice.
    assert closes_after(store, 0) == [(close_id, "2026-10")]
    assert len(notices(store)) == 1


def test_malformed_period_is_refused(store):
    set_go_live(store, "2026-10")
    with pytest.raises(PeriodError) as caught:
        close_period(store, "2026-13")
    assert (
        str(caught.value)
        == "'2026-13' is not an accounting period; expected YYYY-MM, e.g. 2026-10."
    )


def test_go_live_is_set_once(store):
    set_go_live(store, "2026-10")
    with pytest.raises(PeriodError) as caught:
        set_go_live(store, "2026-11")
    assert str(caught.value) == (
        "The first accounting period is already set (2026-10); periods after it open as earlier "
        "ones close."
    )


# -- `revrec period` ------------------------------------------------------------------------------


@pytest.fixture
def cli(monkeypatch, tmp_path, database_url, capsys):
    """Runs `revrec ...` on the test store; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("REVREC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REVREC_DATABASE_URL", database_url)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def refused(result: tuple[int, str, str], sentence: str) -> None:
    code, out, err = result
    assert (code, out, err) == (1, "", f"revrec: {sentence}\n")


def test_cli_close_before_go_live(cli, store):
    refused(cli("period", "close", "2026-10"), NOT_SET)
    assert nothing_written(store)


def test_cli_set_close_and_refusals(cli, store):
    code, out, err = cli("period", "set", "2026-10")
    assert (code, err) == (0, "")
    assert out.startswith("First accounting period set to 2026-10")

    refused(cli("period", "close", "2026-11"), OUT_OF_ORDER)
    refused(cli("period", "close", "2026-09"), BEFORE_GO_LIVE)
    assert nothing_written(store)

    code, out, err = cli("period", "close", "2026-10")
    assert (code, err) == (0, "")
    assert out == (
        "Closed 2026-10. Journal posting started for 2026-10: the period-close sensor (or "
        "`revrec journals post 2026-10`) posts its journal entries.\n"
    )
    assert [c[1] for c in closes_after(store, 0)] == ["2026-10"]
    assert [n["message"] for n in notices(store)] == ["Journal posting started for 2026-10"]

    refused(cli("period", "close", "2026-10"), TWICE)
    refused(cli("period", "close", "2026-09"), BEFORE_GO_LIVE)
    assert [c[1] for c in closes_after(store, 0)] == ["2026-10"]

    # `revrec status` shows the periods and the notice.
    code, out, _ = cli("status")
    assert code == 0
    assert "Accounting periods: 2026-10 closed, 2026-11 open" in out
    assert "UTC: Journal posting started for 2026-10" in out
