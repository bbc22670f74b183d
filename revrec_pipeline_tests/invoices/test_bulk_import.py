"""`revrec import-bulk` (SPEC §6, §10): a reviewed conversion workbook is validated completely
(every problem with its sheet, row and column) and loaded all or nothing, only before go-live."""

from __future__ import annotations

import argparse
import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy.exc import IntegrityError

from revrec_pipeline import cli
from revrec_pipeline.cli import main
from revrec_pipeline.invoices.billing import BILLING_COLUMNS
from revrec_pipeline.invoices.bulk_import import WorkbookError, read_billing_schedule
from revrec_pipeline.invoices.recon import recon_details
from revrec_pipeline.invoices.workbook import write_workbook
from revrec_pipeline.store.invoices import import_bulk, list_jobs, read_loaded_billing
from revrec_pipeline.store.periods import PeriodError, periods, set_go_live
from revrec_pipeline_tests.invoices.sample import classify, exclude, workbook_frames

TAB_PROBLEM = (
    "tab 'Billing Schedule' is not one of BillingSchedule, Product, PendingData, "
    "ReconDetails_Invoice, ReconSummary_Invoice (or their _2, _3 continuations)."
)


def result():
    # HW-1 excluded; Globex pending: 6 billing lines for C1 and C3.
    return classify(exclude("Name", "HW-1"))


def write(path: Path, row_limit: int | None = None) -> Path:
    frames = workbook_frames(result())
    if row_limit is None:
        write_workbook(path, frames)
    else:
        write_workbook(path, frames, row_limit=row_limit)
    return path


def edit(path: Path, change) -> Path:
    workbook = openpyxl.load_workbook(path)
    change(workbook)
    workbook.save(path)
    return path


def cell(ws, row: int, header: str):
    headers = [c.value for c in ws[1]]
    return ws.cell(row=row, column=headers.index(header) + 1)


def problems(path: Path) -> list[str]:
    with pytest.raises(WorkbookError) as caught:
        read_billing_schedule(path)
    return caught.value.problems


# -- reading ---------------------------------------------------------------------------------


def test_round_trip_gives_the_same_billing_rows(tmp_path):
    billing = result().billing_schedule
    read = read_billing_schedule(write(tmp_path / "w.xlsx"))
    assert list(read.columns) == BILLING_COLUMNS
    assert read.to_dict("records") == billing.to_dict("records")
    assert read["amount_cents"].tolist() == [10000, -1000, 30000, -2500, -1200]
    assert read["amount_cents"].dtype == "int64"
    assert read["quantity"].tolist()[:3] == [Decimal("2"), None, Decimal("1")]
    assert read["document_date"].tolist()[0] == dt.date(2026, 1, 15)


def test_round_trip_of_a_split_workbook(tmp_path):
    billing = classify().billing_schedule  # 6 lines, nothing excluded
    path = tmp_path / "split.xlsx"
    names = write_workbook(path, workbook_frames(classify()), row_limit=3)
    assert names[:3] == ["BillingSchedule", "BillingSchedule_2", "BillingSchedule_3"]
    read = read_billing_schedule(path)
    assert read.to_dict("records") == billing.to_dict("records")


def test_round_trip_of_amounts_to_the_cent(tmp_path):
    billing = classify().billing_schedule.copy()
    billing["amount_cents"] = [1, -1, 123456789012, -99999, 10, 29]
    path = tmp_path / "w.xlsx"
    write_workbook(path, {"BillingSchedule": billing})
    assert read_billing_schedule(path)["amount_cents"].tolist() == [
        1,
        -1,
        123456789012,
        -99999,
        10,
        29,
    ]


def test_wrong_tab_name(tmp_path):
    path = edit(
        write(tmp_path / "w.xlsx"),
        lambda wb: setattr(wb["BillingSchedule"], "title", "Billing Schedule"),
    )
    assert problems(path) == [TAB_PROBLEM, "tab 'BillingSchedule' is missing."]


def test_missing_column(tmp_path):
    path = edit(
        write(tmp_path / "w.xlsx"),
        lambda wb: setattr(cell(wb["BillingSchedule"], 1, "Currency"), "value", None),
    )
    assert problems(path) == ["sheet BillingSchedule: missing column(s) Currency."]


def test_text_in_an_amount_cell(tmp_path):
    path = edit(
        write(tmp_path / "w.xlsx"),
        lambda wb: setattr(cell(wb["BillingSchedule"], 3, "Amount"), "value", "12,00 EUR"),
    )
    assert problems(path) == [
        "sheet BillingSchedule row 3, column Amount: '12,00 EUR' is not a number."
    ]


def test_every_problem_is_listed_with_sheet_row_and_column(tmp_path):
    path = tmp_path / "w.xlsx"
    write_workbook(path, workbook_frames(result()), row_limit=3)  # 2 billing rows per sheet

    def change(wb):
        cell(wb["BillingSchedule"], 2, "Amount").value = "12,00 EUR"
        cell(wb["BillingSchedule_2"], 1, "Currency").value = None
        cell(wb["BillingSchedule"], 3, "Period").value = "2026-13"
        cell(wb["BillingSchedule_3"], 2, "Amount").value = 12.345
        wb.create_sheet("Billing Schedule")

    edit(path, change)
    with pytest.raises(WorkbookError) as caught:
        read_billing_schedule(path)
    assert caught.value.problems == [
        TAB_PROBLEM,
        "sheet BillingSchedule row 2, column Amount: '12,00 EUR' is not a number.",
        "sheet BillingSchedule row 3, column Period: '2026-13' is not YYYY-MM.",
        "sheet BillingSchedule_2: missing column(s) Currency.",
        "sheet BillingSchedule_3 row 2, column Amount: 12.345 has more than 2 decimal places.",
    ]
    assert str(caught.value).startswith("5 problem(s) in w.xlsx, nothing loaded:\n  - tab ")


def test_missing_column_does_not_hide_other_problems_in_the_sheet(tmp_path):
    def change(wb):
        cell(wb["BillingSchedule"], 3, "Amount").value = "12,00 EUR"
        cell(wb["BillingSchedule"], 1, "Currency").value = None

    path = edit(write(tmp_path / "w.xlsx"), change)
    assert sorted(problems(path)) == [
        "sheet BillingSchedule row 3, column Amount: '12,00 EUR' is not a number.",
        "sheet BillingSchedule: missing column(s) Currency.",
    ]


def test_cell_problems_name_sheet_row_and_column(tmp_path):
    def change(wb):
        ws = wb["BillingSchedule"]
        cell(ws, 2, "Document Date").value = "15/01/2026"
        cell(ws, 3, "Customer ID").value = None
        cell(ws, 3, "Line ID").value = 2.5
        cell(ws, 4, "Document Type").value = "Debit Memo"
        cell(ws, 4, "NetSuite ID").value = 100
        cell(ws, 4, "Line ID").value = 1

    path = edit(write(tmp_path / "w.xlsx"), change)
    assert problems(path) == [
        "sheet BillingSchedule row 2, column Document Date: '15/01/2026' is not a date "
        "(expected a date cell or YYYY-MM-DD).",
        "sheet BillingSchedule row 3, column Customer ID: is empty.",
        "sheet BillingSchedule row 3, column Line ID: 2.5 is not a whole number.",
        "sheet BillingSchedule row 4, column Document Type: 'Debit Memo' is not Invoice or "
        "Credit Memo.",
        "sheet BillingSchedule row 4: NetSuite ID 100 line 1 repeats sheet BillingSchedule row 2.",
    ]


def test_emptied_row_keeps_later_row_numbers(tmp_path):
    def change(wb):
        ws = wb["BillingSchedule"]
        for c in ws[3]:
            c.value = None
        cell(ws, 5, "Amount").value = "n/a"

    path = edit(write(tmp_path / "w.xlsx"), change)
    assert problems(path) == ["sheet BillingSchedule row 5, column Amount: 'n/a' is not a number."]


def test_not_a_workbook(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello", encoding="utf-8")
    assert problems(path) == [
        "notes.xlsx is not a readable .xlsx workbook (File is not a zip file)."
    ]


# -- loading into the store (SQLite and PostgreSQL) -----------------------------------------


def test_import_bulk_loads_all_rows_and_records_the_job(store, tmp_path):
    path = write(tmp_path / "w.xlsx")
    billing = read_billing_schedule(path)
    loaded, job_id = import_bulk(store, billing, str(path))
    assert (loaded.upserted, loaded.deleted) == (5, 0)
    assert store.count("billing_schedule_line") == 5
    rows = store.snapshot("billing_schedule_line")
    assert [(r[0], r[1], r[13]) for r in rows] == [
        (100, 1, 10000),
        (100, 2, -1000),
        (102, 1, 30000),
        (200, 1, -2500),
        (201, 1, -1200),
    ]
    assert all(r[-2] == "import-bulk" for r in rows)  # source, then loaded_at: the last two
    with store.read() as conn:
        stored = read_loaded_billing(conn)
    assert sorted(stored["amount_cents"].tolist()) == [-2500, -1200, -1000, 10000, 30000]
    # What was loaded reconciles exactly with NetSuite.
    details = recon_details(result().all_lines, stored)
    assert details["difference_cents"].tolist() == [0, 0, 0, 0]
    [job] = list_jobs(store)
    assert job["id"] == job_id
    assert (job["kind"], job["billing_lines"], job["recon_status"], job["file"]) == (
        "import-bulk",
        5,
        "n/a",
        str(path),
    )


def test_import_bulk_again_replaces_the_conversion_data(store, tmp_path):
    billing = read_billing_schedule(write(tmp_path / "w.xlsx"))
    import_bulk(store, billing, "first.xlsx")
    fewer = billing[billing["netsuite_id"] != 100].reset_index(drop=True)
    loaded, _ = import_bulk(store, fewer, "second.xlsx")
    assert (loaded.upserted, loaded.deleted) == (3, 2)
    assert [(r[0], r[1]) for r in store.snapshot("billing_schedule_line")] == [
        (102, 1),
        (200, 1),
        (201, 1),
    ]
    assert [j["file"] for j in list_jobs(store)] == ["second.xlsx", "first.xlsx"]


def test_import_bulk_is_all_or_nothing(store, tmp_path):
    billing = read_billing_schedule(write(tmp_path / "w.xlsx"))
    billing.loc[4, "customer_id"] = None  # NOT NULL in the store
    with pytest.raises(IntegrityError):
        import_bulk(store, billing, "bad.xlsx")
    assert store.count("billing_schedule_line") == 0
    assert store.count("invoice_job") == 0


def test_import_bulk_refused_after_go_live(store, tmp_path):
    billing = read_billing_schedule(write(tmp_path / "w.xlsx"))
    set_go_live(store, "2026-10")
    with pytest.raises(PeriodError) as caught:
        import_bulk(store, billing, "late.xlsx")
    assert str(caught.value) == (
        "import-bulk loads conversion data before go-live, but period 2026-10 is set: sync jobs "
        "now load the billing schedule automatically."
    )
    assert store.count("billing_schedule_line") == 0
    assert store.count("invoice_job") == 0


def test_set_go_live_once_and_only_with_a_valid_period(store):
    for bad in ("2026-13", "2026-00", "2026-1", "26-10", "2026/10", ""):
        with pytest.raises(PeriodError) as caught:
            set_go_live(store, bad)
        assert str(caught.value) == (
            f"{bad!r} is not an accounting period; expected YYYY-MM, e.g. 2026-10."
        )
    assert periods(store) == []
    set_go_live(store, "2026-10")
    with pytest.raises(PeriodError) as caught:
        set_go_live(store, "2026-11")
    assert str(caught.value).startswith("The first accounting period is already set (2026-10)")
    assert [(p["period"], p["status"]) for p in periods(store)] == [("2026-10", "open")]


# -- the command bodies, called without the argument parser ---------------------------------


@pytest.fixture
def env(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("REVREC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REVREC_DATABASE_URL", store.database_url)
    return store


def test_cmd_import_bulk_loads_a_good_workbook(env, tmp_path, capsys):
    path = write(tmp_path / "w.xlsx")
    assert cli.cmd_import_bulk(argparse.Namespace(file=path)) == 0
    assert env.count("billing_schedule_line") == 5
    out = capsys.readouterr().out
    assert "Loaded 5 billing lines from w.xlsx (job 1)" in out


def test_cmd_import_bulk_loads_nothing_from_a_bad_workbook(env, tmp_path):
    path = edit(
        write(tmp_path / "w.xlsx"),
        lambda wb: setattr(cell(wb["BillingSchedule"], 3, "Amount"), "value", "12,00 EUR"),
    )
    with pytest.raises(WorkbookError):
        cli.cmd_import_bulk(argparse.Namespace(file=path))
    assert env.count("billing_schedule_line") == 0


# -- the `revrec` command --------------------------------------------------------------------


def revrec(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse: unknown command or bad arguments
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_import_bulk_bad_workbook_loads_nothing(env, tmp_path, capsys):
    def change(wb):
        cell(wb["BillingSchedule"], 3, "Amount").value = "12,00 EUR"
        cell(wb["BillingSchedule_2"], 1, "Currency").value = None
        wb.create_sheet("Billing Schedule")

    path = tmp_path / "w.xlsx"
    write_workbook(path, workbook_frames(result()), row_limit=4)
    edit(path, change)
    code, _, err = revrec(capsys, "import-bulk", str(path))
    assert code == 1
    assert "3 problem(s) in w.xlsx, nothing loaded" in err
    assert TAB_PROBLEM in err
    assert "sheet BillingSchedule row 3, column Amount: '12,00 EUR' is not a number." in err
    assert "sheet BillingSchedule_2: missing column(s) Currency." in err
    assert env.count("billing_schedule_line") == 0
    assert env.count("invoice_job") == 0


def test_cli_import_bulk_good_workbook_loads_the_rows(env, tmp_path, capsys):
    path = tmp_path / "w.xlsx"
    write_workbook(path, workbook_frames(result()), row_limit=3)
    code, out, _ = revrec(capsys, "import-bulk", str(path))
    assert code == 0
    assert "Loaded 5 billing lines from w.xlsx" in out
    assert [(r[0], r[1], r[13]) for r in env.snapshot("billing_schedule_line")] == [
        (100, 1, 10000),
        (100, 2, -1000),
        (102, 1, 30000),
        (200, 1, -2500),
        (201, 1, -1200),
    ]


def test_cli_import_bulk_refused_after_period_set(env, tmp_path, capsys):
    path = write(tmp_path / "w.xlsx")
    code, out, _ = revrec(capsys, "period", "set", "2026-10")
    assert code == 0
    assert "2026-10" in out
    code, _, err = revrec(capsys, "import-bulk", str(path))
    assert code == 1
    assert (
        "revrec: import-bulk loads conversion data before go-live, but period 2026-10 is set" in err
    )
    assert env.count("billing_schedule_line") == 0


def test_cli_period_set_twice_refused(env, capsys):
    assert revrec(capsys, "period", "set", "2026-10")[0] == 0
    code, _, err = revrec(capsys, "period", "set", "2026-11")
    assert code == 1
    assert "The first accounting period is already set (2026-10)" in err
    assert [p["period"] for p in periods(env)] == ["2026-10"]


def test_cli_period_set_invalid_month_refused(env, capsys):
    code, _, err = revrec(capsys, "period", "set", "2026-13")
    assert code == 1
    assert "'2026-13' is not an accounting period; expected YYYY-MM" in err
    assert periods(env) == []


def test_cli_jobs_lists_the_import_bulk_job(env, tmp_path, capsys):
    path = write(tmp_path / "w.xlsx")
    import_bulk(env, read_billing_schedule(path), str(path))
    code, out, _ = revrec(capsys, "jobs")
    assert code == 0
    [line] = [line for line in out.splitlines() if "import-bulk" in line]
    assert str(path) in line
    assert " 5 " in line and "n/a" in line


def test_import_bulk_reads_dataframe_types_the_store_accepts(tmp_path):
    # Dates stay dates, quantities Decimals, ids ints: what load_billing_schedule expects.
    read = read_billing_schedule(write(tmp_path / "w.xlsx"))
    row = read.iloc[0].to_dict()
    assert isinstance(row["document_date"], dt.date)
    assert isinstance(row["quantity"], Decimal)
    assert read["netsuite_id"].dtype == "int64"
    assert pd.isna(read.iloc[1]["quantity"])


def test_the_subsidiary_round_trips_and_a_workbook_without_it_still_loads(tmp_path):
    """OneWorld (SPEC §12): the BillingSchedule's subsidiary columns are read back; a workbook
    written before they existed (no such columns) loads with the subsidiary empty."""
    headers = sample_headers().assign(subsidiary=[1, 3, 1, 3, 1])
    subsidiaries = pd.DataFrame({"id": [1, 3], "name": ["Parent Inc", "UK Ltd"]})
    oneworld = classify(exclude("Name", "HW-1"), headers=headers, subsidiaries=subsidiaries)
    path = tmp_path / "oneworld.xlsx"
    write_workbook(path, workbook_frames(oneworld))
    read = read_billing_schedule(path)
    expected = oneworld.billing_schedule
    assert list(
        zip(read["netsuite_id"], read["subsidiary_id"], read["subsidiary_name"], strict=True)
    ) == list(
        zip(
            expected["netsuite_id"],
            expected["subsidiary_id"],
            expected["subsidiary_name"],
            strict=True,
        )
    )
    assert set(read["subsidiary_name"]) == {"Parent Inc", "UK Ltd"}

    def drop_subsidiary_columns(workbook):
        ws = workbook["BillingSchedule"]
        ws.delete_cols(cell(ws, 1, "Subsidiary ID").column, 2)

    older = edit(write(tmp_path / "older.xlsx"), drop_subsidiary_columns)
    assert "Subsidiary ID" not in [
        c.value for c in openpyxl.load_workbook(older)["BillingSchedule"][1]
    ]
    loaded = read_billing_schedule(older)
    assert len(loaded) == len(result().billing_schedule)
    assert loaded["subsidiary_id"].isna().all()


def sample_headers() -> pd.DataFrame:
    from revrec_pipeline_tests.invoices import sample

    return sample.headers()
