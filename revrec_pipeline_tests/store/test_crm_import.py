"""`revrec crm import`: validated completely, loaded all or nothing, upsert by id."""

from datetime import date
from decimal import Decimal

import pytest

from revrec_pipeline.cli import main
from revrec_pipeline.crm import CrmFileError, import_crm_files

HEADER_SO = (
    "customer_id,order_number,order_item_number,product_code,service_start_date,"
    "service_end_date,amount,currency,recognition\n"
)


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_import_then_upsert_by_id(store, tmp_path):
    customers = write(tmp_path / "c.csv", "customer_id,customer_name\nC1,Acme Corp\nC2,Zoë Ltd\n")
    orders = write(
        tmp_path / "so.csv",
        HEADER_SO + "C1,SO-1,1,SUB-PRO,2026-01-15,2027-01-14,12000.00,usd,ratable\n"
        "C2,SO-2,1,SETUP,2026-02-01,2026-02-01,500.5,EUR,point_in_time\n",
    )
    assert import_crm_files(store, customers, orders) == (2, 2)
    rows = store.snapshot("crm_sales_order_line")
    assert rows[0] == (
        "SO-1",
        "1",
        "C1",
        "SUB-PRO",
        date(2026, 1, 15),
        date(2027, 1, 14),
        1200000,
        "USD",
        "ratable",
        None,  # no subsidiary column: the matched customer's primary subsidiary applies
    )
    assert rows[1][6] == 50050

    # A second import updates by id and adds, never duplicates.
    write(customers, "customer_id,customer_name\nC1,Acme Corporation\nC3,New Co\n")
    write(orders, HEADER_SO + "C1,SO-1,1,SUB-PRO,2026-01-15,2027-01-14,13000,USD,ratable\n")
    import_crm_files(store, customers, orders)
    assert store.snapshot("crm_customer") == [
        ("C1", "Acme Corporation"),
        ("C2", "Zoë Ltd"),
        ("C3", "New Co"),
    ]
    assert [r[6] for r in store.snapshot("crm_sales_order_line")] == [1300000, 50050]


def test_every_problem_listed_and_nothing_loaded(store, tmp_path):
    customers = write(tmp_path / "c.csv", "customer_id,customer_name\nC1,Acme\nC1,Again\nC2,\n")
    orders = write(
        tmp_path / "so.csv",
        HEADER_SO
        + "C1,SO-1,1,P,2026-13-01,2026-12-31,100,USD,ratable\n"
        + "C1,SO-1,2,P,2026-02-01,2026-01-01,abc,USD,ratable\n"
        + "C9,SO-2,1,P,2026-01-01,2026-01-31,10,DOLLARS,monthly\n",
    )
    with pytest.raises(CrmFileError) as caught:
        import_crm_files(store, customers, orders)
    problems = caught.value.problems
    expected = [
        "c.csv row 3, column customer_id: 'C1' appears twice (first on row 2).",
        "c.csv row 4, column customer_name: is empty.",
        "so.csv row 2, column service_start_date: '2026-13-01' is not a date in the form YYYY-MM-DD.",
        "so.csv row 3: service_end_date 2026-01-01 is before service_start_date 2026-02-01.",
        "so.csv row 3, column amount: 'abc' is not a decimal amount (expected e.g. 1200.50).",
        "so.csv row 4, column customer_id: 'C9' is not a known CRM customer "
        "(import it in the customers file).",
        "so.csv row 4, column currency: 'DOLLARS' is not a 3-letter ISO code.",
        "so.csv row 4, column recognition: 'monthly' is not one of ratable, point_in_time.",
    ]
    assert problems == expected
    assert store.count("crm_customer") == 0
    assert store.count("crm_sales_order_line") == 0


def test_missing_column_is_named(store, tmp_path):
    orders = write(tmp_path / "so.csv", "customer_id,order_number\nC1,SO-1\n")
    with pytest.raises(CrmFileError, match=r"so.csv: missing column\(s\) order_item_number"):
        import_crm_files(store, None, orders)


def test_cli_exit_code_and_one_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("REVREC_HOME", str(tmp_path / "home"))
    customers = write(tmp_path / "c.csv", "customer_id,customer_name\nC1,Acme\n")
    orders = write(
        tmp_path / "so.csv", HEADER_SO + "C1,SO-1,1,P,2026-01-01,2026-01-31,x,USD,ratable\n"
    )
    assert (
        main(["crm", "import", "--customers", str(customers), "--sales-orders", str(orders)]) == 1
    )
    err = capsys.readouterr().err
    assert "1 problem(s) in the CRM files, nothing loaded" in err
    assert "so.csv row 2, column amount: 'x' is not a decimal amount" in err
    assert "Traceback" not in err

    write(orders, HEADER_SO + "C1,SO-1,1,P,2026-01-01,2026-01-31,99.99,USD,ratable\n")
    assert (
        main(["crm", "import", "--customers", str(customers), "--sales-orders", str(orders)]) == 0
    )
    assert "Loaded 1 CRM customers and 1 sales order lines" in capsys.readouterr().out


def test_amount_precision_is_exact(store, tmp_path):
    customers = write(tmp_path / "c.csv", "customer_id,customer_name\nC1,Acme\n")
    orders = write(
        tmp_path / "so.csv", HEADER_SO + "C1,SO-1,1,P,2026-01-01,2026-01-31,0.29,USD,ratable\n"
    )
    import_crm_files(store, customers, orders)
    assert store.snapshot("crm_sales_order_line")[0][6] == int(Decimal("0.29") * 100) == 29


def test_an_optional_subsidiary_column_names_a_known_selling_subsidiary(store, tmp_path):
    """OneWorld (SPEC §12): a sales order line may name its NetSuite subsidiary; an unknown or
    elimination subsidiary is refused with file, row and column, and nothing is loaded."""
    from revrec_pipeline.store import schema

    with store.write() as conn:
        conn.execute(
            schema.netsuite_subsidiary.insert(),
            [
                {"id": 1, "name": "Parent", "currency": 1, "is_elimination": False},
                {"id": 3, "name": "UK Ltd", "currency": 2, "parent": 1, "is_elimination": False},
                {"id": 5, "name": "Elim", "currency": 1, "parent": 1, "is_elimination": True},
            ],
        )
    customers = write(tmp_path / "c.csv", "customer_id,customer_name\nC1,Acme\n")
    header = HEADER_SO.strip() + ",subsidiary\n"
    line = "C1,SO-{n},1,SUB,2026-01-01,2026-12-31,1200.00,GBP,ratable,{subsidiary}\n"
    bad = write(
        tmp_path / "bad.csv",
        header
        + "".join(line.format(n=n, subsidiary=s) for n, s in enumerate(["3", "9", "5", "UK"])),
    )
    with pytest.raises(CrmFileError) as refused:
        import_crm_files(store, customers, bad)
    assert refused.value.problems == [
        "bad.csv row 3, column subsidiary: 9 is not a subsidiary of the NetSuite account "
        "(known: 1, 3, 5).",
        "bad.csv row 4, column subsidiary: 5 is an elimination subsidiary, which takes no "
        "sales; name the selling subsidiary.",
        "bad.csv row 5, column subsidiary: 'UK' is not a NetSuite subsidiary internal id (a "
        "whole number), or leave it empty for the customer's primary subsidiary.",
    ]
    assert store.count("crm_sales_order_line") == 0

    good = write(
        tmp_path / "good.csv",
        header + line.format(n=1, subsidiary="3") + line.format(n=2, subsidiary=""),
    )
    assert import_crm_files(store, customers, good) == (1, 2)
    assert [row[-1] for row in store.snapshot("crm_sales_order_line")] == [3, None]
