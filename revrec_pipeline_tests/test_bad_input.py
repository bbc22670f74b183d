"""The bad-input suite: every bad input SPEC names (§2 configuration, §6 import-bulk, §7 periods
and mapping, §10 CRM files), driven through `revrec` in process.

Each case must end with exit code 1, no traceback, and on stderr one clear sentence starting
with `revrec: ` that names what is wrong and where (for a file: every problem with its file, row
and column); and nothing half-written: every table of the store and every file under the test's
folder are byte-for-byte what they were before the command.
"""

from __future__ import annotations

import datetime as dt
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from revrec_pipeline.cli import main
from revrec_pipeline.invoices.billing import BILLING_COLUMNS
from revrec_pipeline.invoices.workbook import write_workbook
from revrec_pipeline.settings import EXCLUDE_FORM
from revrec_pipeline.store import RevRecStore, schema

# -- running `revrec` -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


class Revrec:
    """`revrec` in process on a fresh store and REVREC_HOME; inputs are written under `tmp`."""

    def __init__(self, tmp: Path, database_url: str, capsys) -> None:
        self.tmp = tmp
        self.database_url = database_url
        self.capsys = capsys

    def __call__(self, *argv: str) -> Outcome:
        self.capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code
        except Exception:
            pytest.fail(
                f"`revrec {' '.join(argv)}` raised instead of exiting with one sentence "
                f"(the console shows this traceback):\n{traceback.format_exc(limit=-3)}"
            )
        out, err = self.capsys.readouterr()
        return Outcome(code, out, err)

    def ok(self, *argv: str) -> None:
        outcome = self(*argv)
        assert outcome.code == 0, f"setup `revrec {' '.join(argv)}` failed: {outcome.err}"

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / "in" / name
        path.parent.mkdir(exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def state(self) -> tuple[dict, dict]:
        """Every table of the store, and every file but the SQLite store and Dagster's own."""
        store = RevRecStore(self.database_url)
        tables = {name: store.snapshot(name) for name in schema.metadata.tables}
        files = {
            str(path.relative_to(self.tmp)): path.read_bytes()
            for path in sorted(self.tmp.rglob("*"))
            if path.is_file()
            and not path.name.startswith("revrec.db")
            and path.relative_to(self.tmp).parts[:2] != ("home", "dagster")
        }
        return tables, files


@pytest.fixture
def revrec(monkeypatch, tmp_path, database_url, capsys) -> Revrec:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("REVREC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REVREC_DATABASE_URL", database_url)
    RevRecStore(database_url).create_all()
    return Revrec(tmp_path, database_url, capsys)


def refused(revrec: Revrec, *argv: str) -> Outcome:
    """Run a command that must be refused; checks exit code, traceback and that nothing
    changed, and returns the outcome for the message checks."""
    before = revrec.state()
    outcome = revrec(*argv)
    assert outcome.code == 1, (
        f"`revrec {' '.join(argv)}` exited {outcome.code}, expected 1\n"
        f"stdout: {outcome.out}\nstderr: {outcome.err}"
    )
    assert "Traceback" not in outcome.err and "Stack Trace" not in outcome.err, outcome.err
    assert outcome.err.startswith("revrec: "), outcome.err
    tables, files = revrec.state()
    changed = [name for name in tables if tables[name] != before[0][name]]
    assert not changed, f"`revrec {' '.join(argv)}` was refused but changed the tables {changed}"
    assert files == before[1], f"`revrec {' '.join(argv)}` was refused but changed files"
    return outcome


def assert_one_sentence(err: str, start: str, *phrases: str) -> None:
    assert err.count("\n") == 1 and err.endswith("\n"), f"not one line: {err!r}"
    assert err.startswith(f"revrec: {start}"), err
    for phrase in phrases:
        assert phrase in err, f"{phrase!r} not in {err!r}"


def assert_problems(err: str, where: str, expected: list[str]) -> None:
    """The header sentence, then one `  - ` line per problem; each expected text is one of them
    (the whole problem, or its key phrase where the text carries a temporary path)."""
    header, *lines = err.rstrip("\n").split("\n")
    problems = [line.removeprefix("  - ") for line in lines]
    assert all(line.startswith("  - ") for line in lines), err
    for want in expected:
        assert any(want in problem for problem in problems), f"not listed: {want!r}\n{err}"
    assert len(problems) == len(expected), f"expected {len(expected)} problems:\n{err}"
    assert header == f"revrec: {len(expected)} problem(s) in {where}, nothing loaded:", err


# -- §2 configuration -----------------------------------------------------------------------------

EXPECTED_EXCLUDE = f"expected JSON in exactly this form: {EXCLUDE_FORM}"
ACCOUNT_ID_FORM = "expected the account id as NetSuite shows it, e.g. 1234567, 1234567_SB1"

CONFIGURATION_CASES = [
    pytest.param(
        {"REVREC_EXCLUDE_PRODUCTS": '{"product": {"name": "Name", "values": ["Widget"]}'},
        "REVREC_EXCLUDE_PRODUCTS is not valid JSON (",
        [EXPECTED_EXCLUDE],
        id="exclude-products-not-JSON",
    ),
    pytest.param(
        {"REVREC_EXCLUDE_PRODUCTS": '{"products": {"name": "Name", "values": ["Widget"]}}'},
        'REVREC_EXCLUDE_PRODUCTS must be an object with the single key "product"',
        [EXPECTED_EXCLUDE],
        id="exclude-products-wrong-top-key",
    ),
    pytest.param(
        {"REVREC_EXCLUDE_PRODUCTS": '{"product": {"field": "Name", "values": ["Widget"]}}'},
        'REVREC_EXCLUDE_PRODUCTS has a "product" that must be an object with exactly the keys '
        '"name" and "values"',
        [EXPECTED_EXCLUDE],
        id="exclude-products-wrong-inner-keys",
    ),
    pytest.param(
        {"REVREC_EXCLUDE_PRODUCTS": '{"product": {"name": "SKU", "values": ["Widget"]}}'},
        "REVREC_EXCLUDE_PRODUCTS names the unsupported field 'SKU'",
        ['(use "Name" or "Display Name")', EXPECTED_EXCLUDE],
        id="exclude-products-unsupported-field",
    ),
    pytest.param(
        {"REVREC_EXCLUDE_PRODUCTS": '{"product": {"name": "Name", "values": "Widget"}}'},
        'REVREC_EXCLUDE_PRODUCTS has "values" that is not a list of strings',
        [EXPECTED_EXCLUDE],
        id="exclude-products-values-a-string",
    ),
    pytest.param(
        {"REVREC_EXCLUDE_PRODUCTS": '{"product": {"name": "Name", "values": ["Widget", 7]}}'},
        'REVREC_EXCLUDE_PRODUCTS has "values" that is not a list of strings',
        [EXPECTED_EXCLUDE],
        id="exclude-products-values-with-a-number",
    ),
    pytest.param(
        {"NETSUITE_TIMEZONE": "Mars/Olympus_Mons"},
        "NETSUITE_TIMEZONE is 'Mars/Olympus_Mons', which is not a known IANA time zone",
        ["expected a name such as America/Los_Angeles or UTC"],
        id="timezone-unknown",
    ),
    pytest.param(
        {"NETSUITE_MAX_CONCURRENCY": "0"},
        "NETSUITE_MAX_CONCURRENCY is '0'; expected a whole number of at least 1.",
        [],
        id="max-concurrency-0",
    ),
    pytest.param(
        {"NETSUITE_MAX_CONCURRENCY": "four"},
        "NETSUITE_MAX_CONCURRENCY is 'four'; expected a whole number of at least 1.",
        [],
        id="max-concurrency-text",
    ),
    pytest.param(
        {"REVREC_USE_CUSTOMER_NAME_MAPPING": "maybe"},
        "REVREC_USE_CUSTOMER_NAME_MAPPING is 'maybe'; expected true or false.",
        [],
        id="name-mapping-maybe",
    ),
    pytest.param(
        {"NETSUITE_AUTH_METHOD": "kerberos"},
        "NETSUITE_AUTH_METHOD is 'kerberos'; expected one of tba, oauth2.",
        [],
        id="auth-method-kerberos",
    ),
    pytest.param(
        {"NETSUITE_ACCOUNT_ID": "1234567 SB1"},
        "NETSUITE_ACCOUNT_ID is '1234567 SB1'; ",
        [ACCOUNT_ID_FORM],
        id="account-id-with-a-space",
    ),
    pytest.param(
        {"NETSUITE_ACCOUNT_ID": "https://1234567.app.netsuite.com"},
        "NETSUITE_ACCOUNT_ID is 'https://1234567.app.netsuite.com'; ",
        [ACCOUNT_ID_FORM],
        id="account-id-a-url",
    ),
]


@pytest.mark.parametrize("command", ["status", "connect", "sync"])
@pytest.mark.parametrize(("env", "start", "phrases"), CONFIGURATION_CASES)
def test_bad_configuration(revrec, monkeypatch, command, env, start, phrases):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    outcome = refused(revrec, command)
    assert_one_sentence(outcome.err, start, *phrases)


TBA = (
    "NETSUITE_CONSUMER_KEY",
    "NETSUITE_CONSUMER_SECRET",
    "NETSUITE_TOKEN_ID",
    "NETSUITE_TOKEN_SECRET",
)
TBA_NEEDS = (
    "NetSuite needs the account id and the four token-based-authentication keys "
    "(in the environment or .env)."
)
OAUTH2_NEEDS = (
    "NetSuite needs the account id and the OAuth 2.0 client id, certificate id and private key "
    "(in the environment or .env)."
)
ACCOUNT = {"NETSUITE_ACCOUNT_ID": "1234567_SB1"}
OAUTH2 = {**ACCOUNT, "NETSUITE_AUTH_METHOD": "oauth2"}
OAUTH2_KEYS = ("NETSUITE_CLIENT_ID", "NETSUITE_CERTIFICATE_ID", "NETSUITE_PRIVATE_KEY")
NOTHING_SET = ("NETSUITE_ACCOUNT_ID", *TBA)

CREDENTIAL_CASES = [
    pytest.param(["connect"], {}, NOTHING_SET, TBA_NEEDS, id="connect-tba-nothing-set"),
    pytest.param(
        ["connect"],
        {**ACCOUNT, **{name: "x" for name in TBA[:3]}},
        ("NETSUITE_TOKEN_SECRET",),
        TBA_NEEDS,
        id="connect-tba-token-secret-missing",
    ),
    pytest.param(
        ["connect"],
        {name: "x" for name in TBA},
        ("NETSUITE_ACCOUNT_ID",),
        TBA_NEEDS,
        id="connect-tba-account-id-missing",
    ),
    pytest.param(["connect"], OAUTH2, OAUTH2_KEYS, OAUTH2_NEEDS, id="connect-oauth2-nothing-set"),
    pytest.param(
        ["connect"],
        {**OAUTH2, "NETSUITE_CLIENT_ID": "x", "NETSUITE_PRIVATE_KEY": "x"},
        ("NETSUITE_CERTIFICATE_ID",),
        OAUTH2_NEEDS,
        id="connect-oauth2-certificate-id-missing",
    ),
    # SPEC §2: a missing credential fails fast "at the start of the run, before any NetSuite
    # call" with one sentence naming the variables, whichever command starts the run.
    pytest.param(["sync"], {}, NOTHING_SET, None, id="sync-tba-nothing-set"),
    pytest.param(["sync"], OAUTH2, OAUTH2_KEYS, None, id="sync-oauth2-nothing-set"),
    pytest.param(
        ["journals", "post", "2026-10"], {}, NOTHING_SET, None, id="journals-post-nothing-set"
    ),
]


@pytest.mark.parametrize(("argv", "env", "missing", "needs"), CREDENTIAL_CASES)
def test_missing_credentials_are_named(revrec, monkeypatch, argv, env, missing, needs):
    # Nowhere to go should a check be missing: a closed local port, never netsuite.com.
    monkeypatch.setenv("NETSUITE_BASE_URL", "http://127.0.0.1:9")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    outcome = refused(revrec, *argv)
    assert_one_sentence(outcome.err, missing[0], *missing, "not set")
    if needs:  # `revrec connect`: literally
        verb = "is" if len(missing) == 1 else "are"
        assert outcome.err == f"revrec: {', '.join(missing)} {verb} not set; {needs}\n"


# -- §10 CRM files --------------------------------------------------------------------------------

CUSTOMERS_HEADER = "customer_id,customer_name"
ORDERS_HEADER = (
    "customer_id,order_number,order_item_number,product_code,service_start_date,"
    "service_end_date,amount,currency,recognition"
)
ORDER_FIELDS = ORDERS_HEADER.split(",")
CUSTOMERS = [CUSTOMERS_HEADER, "C1,Acme Renamed", "C2,Globex"]  # rows 2 and 3
ORDER_2 = "C1,SO-1,1,SUB,2026-01-01,2026-12-31,1200.00,USD,ratable"
ORDER_3 = "C2,SO-2,1,SVC,2026-02-01,2026-02-28,500.50,USD,point_in_time"


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def order(base: str = ORDER_3, **changes: str) -> str:
    values = dict(zip(ORDER_FIELDS, base.split(","), strict=True))
    values.update(changes)
    return ",".join(values[name] for name in ORDER_FIELDS)


def orders(*rows: str) -> str:
    return csv_text(ORDERS_HEADER, *rows)


GOOD_CUSTOMERS = csv_text(*CUSTOMERS)
LATIN_1 = "customer_id,customer_name\nC1,Société Générale\n".encode("latin-1")
SO3 = "sales_orders.csv row 3"
NOT_A_DATE = "is not a date in the form YYYY-MM-DD."


def so_case(rows: list[str], expected: list[str], id: str):
    return pytest.param(GOOD_CUSTOMERS, orders(ORDER_2, *rows), expected, id=id)


CRM_CASES = [
    # The customers file alone.
    pytest.param(
        csv_text("customer_id,name", "C1,Acme Renamed"),
        None,
        [
            "customers.csv: missing column(s) customer_name; expected the header "
            "customer_id,customer_name."
        ],
        id="customers-missing-column",
    ),
    pytest.param(
        csv_text(*CUSTOMERS, "C2,Globex Corp"),
        None,
        ["customers.csv row 4, column customer_id: 'C2' appears twice (first on row 3)."],
        id="customers-duplicate-id",
    ),
    pytest.param(
        csv_text(CUSTOMERS_HEADER, "C1,Acme Renamed", ",Globex"),
        None,
        ["customers.csv row 3, column customer_id: is empty."],
        id="customers-empty-id",
    ),
    pytest.param(
        csv_text(CUSTOMERS_HEADER, "C1,Acme Renamed", "C2,  "),
        None,
        ["customers.csv row 3, column customer_name: is empty."],
        id="customers-empty-name",
    ),
    pytest.param(
        csv_text(CUSTOMERS_HEADER, "C1,Acme Renamed", ","),
        None,
        [
            "customers.csv row 3, column customer_id: is empty.",
            "customers.csv row 3, column customer_name: is empty.",
        ],
        id="customers-row-with-both-fields-empty-lists-both",
    ),
    pytest.param(
        csv_text(CUSTOMERS_HEADER, "C1,Acme Renamed", "C2,", "C2,Globex"),
        None,
        [
            "customers.csv row 3, column customer_name: is empty.",
            "customers.csv row 4, column customer_id: 'C2' appears twice (first on row 3).",
        ],
        id="customers-duplicate-of-an-invalid-row",
    ),
    pytest.param(
        # An unquoted comma in a name: three values under a two-column header.
        csv_text(CUSTOMERS_HEADER, "C1,Acme Renamed", "C2,Globex, Inc"),
        None,
        ["customers.csv row 3"],
        id="customers-row-with-more-values-than-columns",
    ),
    pytest.param(
        LATIN_1, None, ["customers.csv: is not a UTF-8 CSV file ("], id="customers-latin-1"
    ),
    pytest.param(
        "missing",
        None,
        ["missing.csv: cannot be read (No such file or directory)."],
        id="customers-missing-file",
    ),
    # A good customers file with a bad sales-orders file: the customers must not load either.
    pytest.param(
        GOOD_CUSTOMERS,
        csv_text(
            "customer_id,order_number,order_item_number,product_code,service_start_date,"
            "service_end_date,recognition",
            "C1,SO-1,1,SUB,2026-01-01,2026-12-31,ratable",
        ),
        [
            "sales_orders.csv: missing column(s) amount, currency; expected the header "
            f"{ORDERS_HEADER}."
        ],
        id="sales-orders-missing-columns",
    ),
    so_case(
        [order(service_start_date="2026-13-01")],
        [f"{SO3}, column service_start_date: '2026-13-01' {NOT_A_DATE}"],
        id="date-month-13",
    ),
    so_case(
        [order(service_end_date="01/02/2026")],
        [f"{SO3}, column service_end_date: '01/02/2026' {NOT_A_DATE}"],
        id="date-with-slashes",
    ),
    so_case(
        [order(service_start_date="2026-W06-1")],
        [f"{SO3}, column service_start_date: '2026-W06-1' {NOT_A_DATE}"],
        id="date-iso-week-form",
    ),
    so_case(
        [order(amount="twelve")],
        [f"{SO3}, column amount: 'twelve' is not a decimal amount (expected e.g. 1200.50)."],
        id="amount-text",
    ),
    so_case(
        [order(amount='"1,200.50"')],
        [f"{SO3}, column amount: '1,200.50' is not a decimal amount (expected e.g. 1200.50)."],
        id="amount-with-thousands-comma",
    ),
    so_case(
        [order(amount="500.505")],
        [f"{SO3}, column amount: '500.505' has more than 2 decimal places."],
        id="amount-3-decimals",
    ),
    so_case(
        [order(order_number="SO-1")],
        [f"{SO3}: order SO-1 item 1 appears twice (first on row 2)."],
        id="duplicate-order-line",
    ),
    pytest.param(
        GOOD_CUSTOMERS,
        orders(order(ORDER_2, amount="twelve"), order(order_number="SO-1")),
        [
            "sales_orders.csv row 2, column amount: 'twelve' is not a decimal amount "
            "(expected e.g. 1200.50).",
            f"{SO3}: order SO-1 item 1 appears twice (first on row 2).",
        ],
        id="duplicate-of-an-invalid-order-line",
    ),
    so_case(
        [order(customer_id="C404")],
        [
            f"{SO3}, column customer_id: 'C404' is not a known CRM customer "
            "(import it in the customers file)."
        ],
        id="unknown-customer",
    ),
    so_case(
        [order(service_start_date="2026-02-28", service_end_date="2026-02-01")],
        [f"{SO3}: service_end_date 2026-02-01 is before service_start_date 2026-02-28."],
        id="end-before-start",
    ),
    so_case(
        [order(recognition="monthly")],
        [f"{SO3}, column recognition: 'monthly' is not one of ratable, point_in_time."],
        id="recognition-monthly",
    ),
    so_case(
        [order(order_number="", product_code="")],
        [f"{SO3}, column order_number: is empty.", f"{SO3}, column product_code: is empty."],
        id="empty-order-number-and-product-code",
    ),
    so_case(
        [order(amount="", currency="", recognition="")],
        [
            f"{SO3}, column amount: '' is not a decimal amount (expected e.g. 1200.50).",
            f"{SO3}, column currency: '' is not a 3-letter ISO code.",
            f"{SO3}, column recognition: '' is not one of ratable, point_in_time.",
        ],
        id="empty-amount-currency-recognition",
    ),
    pytest.param(
        GOOD_CUSTOMERS,
        LATIN_1.replace(b"customer_id,customer_name", ORDERS_HEADER.encode()),
        ["sales_orders.csv: is not a UTF-8 CSV file ("],
        id="sales-orders-latin-1",
    ),
    pytest.param(
        GOOD_CUSTOMERS,
        "missing",
        ["missing.csv: cannot be read (No such file or directory)."],
        id="sales-orders-missing-file",
    ),
    pytest.param(
        csv_text(*CUSTOMERS, "C2,Globex Corp"),
        orders(
            ORDER_2,
            "C404,SO-2,1,SVC,2026-13-01,2026-01-31,500.505,US,monthly",
            order(order_number="SO-1"),
        ),
        [
            "customers.csv row 4, column customer_id: 'C2' appears twice (first on row 3).",
            f"{SO3}, column customer_id: 'C404' is not a known CRM customer",
            f"{SO3}, column service_start_date: '2026-13-01' {NOT_A_DATE}",
            f"{SO3}, column amount: '500.505' has more than 2 decimal places.",
            f"{SO3}, column currency: 'US' is not a 3-letter ISO code.",
            f"{SO3}, column recognition: 'monthly' is not one of ratable, point_in_time.",
            "sales_orders.csv row 4: order SO-1 item 1 appears twice (first on row 2).",
        ],
        id="every-problem-in-both-files-at-once",
    ),
]


@pytest.mark.parametrize(("customers", "sales_orders", "expected"), CRM_CASES)
def test_bad_crm_files_load_nothing(revrec, customers, sales_orders, expected):
    # Already in the store: C1 (renamed by every customers file below) and C9 with an order.
    loaded_customers = revrec.write(
        "loaded_customers.csv", csv_text(CUSTOMERS_HEADER, "C1,Acme", "C9,Initech")
    )
    loaded_orders = revrec.write(
        "loaded_orders.csv", orders("C9,SO-9,1,SUB,2025-01-01,2025-12-31,999.99,EUR,ratable")
    )
    revrec.ok(
        "crm", "import", "--customers", str(loaded_customers), "--sales-orders", str(loaded_orders)
    )
    argv = ["crm", "import"]
    for option, name, content in (
        ("--customers", "customers.csv", customers),
        ("--sales-orders", "sales_orders.csv", sales_orders),
    ):
        if content == "missing":
            argv += [option, str(revrec.tmp / "in" / "missing.csv")]
        elif content is not None:
            argv += [option, str(revrec.write(name, content))]
    outcome = refused(revrec, *argv)
    assert_problems(outcome.err, "the CRM files", expected)


# -- §7 periods -----------------------------------------------------------------------------------

SET = ("period", "set", "2026-10")
CLOSE = ("period", "close", "2026-10")
ALREADY_SET = (
    "The first accounting period is already set (2026-10); periods after it open as earlier "
    "ones close."
)


def not_a_period(value: str) -> str:
    return f"{value!r} is not an accounting period; expected YYYY-MM, e.g. 2026-10."


PERIOD_CASES = [
    pytest.param([], ["period", "set", "2026-13"], not_a_period("2026-13"), id="set-2026-13"),
    pytest.param([], ["period", "set", "10/2026"], not_a_period("10/2026"), id="set-10/2026"),
    pytest.param(
        [],
        ["period", "set", "２０２６-10"],
        not_a_period("２０２６-10"),
        id="set-full-width-digits",
    ),
    pytest.param([SET], ["period", "set", "2026-10"], ALREADY_SET, id="set-twice-same"),
    pytest.param([SET], ["period", "set", "2026-11"], ALREADY_SET, id="set-twice-later"),
    pytest.param(
        [],
        ["period", "close", "2026-10"],
        "Cannot close 2026-10: no accounting period is set yet; set the first one with "
        "`revrec period set YYYY-MM`.",
        id="close-before-any-period-is-set",
    ),
    pytest.param(
        [SET], ["period", "close", "2026-13"], not_a_period("2026-13"), id="close-2026-13"
    ),
    pytest.param(
        [SET],
        ["period", "close", "2026-11"],
        "Period 2026-11 cannot be closed: the oldest open period is 2026-10; periods close in "
        "order.",
        id="close-out-of-order",
    ),
    pytest.param(
        [SET, CLOSE],
        ["period", "close", "2026-12"],
        "Period 2026-12 cannot be closed: the oldest open period is 2026-11; periods close in "
        "order.",
        id="close-out-of-order-after-a-close",
    ),
    pytest.param([SET, CLOSE], list(CLOSE), "Period 2026-10 is already closed.", id="close-twice"),
    pytest.param(
        [SET],
        ["period", "close", "2026-09"],
        "Period 2026-09 is before go-live (2026-10); it was never open.",
        id="close-before-go-live",
    ),
    pytest.param(
        [], ["journals", "post", "2026-1"], not_a_period("2026-1"), id="journals-post-2026-1"
    ),
]


@pytest.mark.parametrize(("setup", "argv", "sentence"), PERIOD_CASES)
def test_bad_period_commands(revrec, setup, argv, sentence):
    for command in setup:
        revrec.ok(*command)
    outcome = refused(revrec, *argv)
    assert_one_sentence(outcome.err, sentence)


# -- §7 journal account mapping -------------------------------------------------------------------

MAPPING_HEADER = (
    "account_type,netsuite_account_id,product_code,department,class,location,subsidiary"
)
LOADED_MAPPING = csv_text(
    MAPPING_HEADER,
    "contra_revenue,4010,,,,,1",
    "deferred_revenue,2500,,,,,1",
    "revenue,4000,,,,,1",
    "unbilled_receivable,1300,,,,,1",
)
MAPPING_ROWS = [  # rows 2 to 6 of every new mapping below
    "contra_revenue,4011,,,,,",
    "deferred_revenue,2501,,,,,",
    "revenue,4001,,,,,",
    "unbilled_receivable,1301,,,,,",
    "revenue,4101,SUB,10,20,30,",
]


def mapping(*changes: tuple[int, str], header: str = MAPPING_HEADER, extra=()) -> str:
    """The new mapping with row N (2..6) replaced, and extra rows appended (7, 8, ...)."""
    rows = list(MAPPING_ROWS)
    for number, row in changes:
        rows[number - 2] = row
    return csv_text(header, *rows, *extra)


def cseg_mapping(value: str) -> str:
    rows = [f"{row}," for row in MAPPING_ROWS]
    rows[4] = f"{MAPPING_ROWS[4]},{value}"
    return csv_text(f"{MAPPING_HEADER},cseg_region", *rows)


ACCOUNT_TYPES = "contra_revenue, deferred_revenue, revenue, unbilled_receivable"
NOT_AN_ID = "is not a NetSuite internal id (digits)."

MAPPING_CASES = [
    pytest.param(
        mapping((3, "deferred,2501,,,,,")),
        [f"mapping.csv row 3, column account_type: 'deferred' is not one of {ACCOUNT_TYPES}."],
        id="bad-account-type",
    ),
    pytest.param(
        mapping((4, "revenue,4001A,,,,,")),
        [f"mapping.csv row 4, column netsuite_account_id: '4001A' {NOT_AN_ID}"],
        id="account-id-not-digits",
    ),
    pytest.param(
        mapping((4, "revenue,４００１,,,,,")),
        [f"mapping.csv row 4, column netsuite_account_id: '４００１' {NOT_AN_ID}"],
        id="account-id-full-width-digits",
    ),
    pytest.param(
        mapping((4, "revenue,,,,,,")),
        [f"mapping.csv row 4, column netsuite_account_id: '' {NOT_AN_ID}"],
        id="account-id-empty",
    ),
    pytest.param(
        mapping((6, "revenue,4101,SUB,Sales,20,30,")),
        [f"mapping.csv row 6, column department: 'Sales' {NOT_AN_ID}"],
        id="department-not-digits",
    ),
    pytest.param(
        cseg_mapping("EMEA"),
        [f"mapping.csv row 6, column cseg_region: 'EMEA' {NOT_AN_ID}"],
        id="custom-segment-not-digits",
    ),
    pytest.param(
        mapping((2, "contra_revenue,4011,,,,,US")),
        ["mapping.csv row 2, column subsidiary: 'US' is not an internal id."],
        id="subsidiary-not-digits",
    ),
    pytest.param(
        mapping(extra=["revenue,4002,,,,,"]),
        ["mapping.csv row 7: account_type revenue for the default repeats row 4."],
        id="duplicate-default-row",
    ),
    pytest.param(
        mapping(extra=["revenue,4102,SUB,,,,"]),
        ["mapping.csv row 7: account_type revenue for SUB repeats row 6."],
        id="duplicate-product-row",
    ),
    pytest.param(
        # Rows for several subsidiaries are fine (OneWorld); twice the same one is not.
        mapping((2, "contra_revenue,4011,,,,,2"), extra=["contra_revenue,4012,,,,,2"]),
        [
            "mapping.csv row 7: account_type contra_revenue for the default in subsidiary 2 "
            "repeats row 2."
        ],
        id="duplicate-row-of-a-subsidiary",
    ),
    pytest.param(
        csv_text("account_type,product_code", "revenue,"),
        ["mapping.csv: missing column(s) netsuite_account_id."],
        id="missing-column",
    ),
    pytest.param(
        mapping(header=MAPPING_HEADER.replace("class", "segment")),
        ["mapping.csv: unknown column(s) segment; custom segment columns start with cseg_."],
        id="unknown-column",
    ),
    pytest.param(csv_text(MAPPING_HEADER), ["mapping.csv: has no rows."], id="header-only"),
    pytest.param(
        mapping(
            (2, "income,4011,,,,,1"),
            (3, "deferred_revenue,25O1,,,,,2"),
            (6, "revenue,4101,SUB,Sales,20,30,"),
            extra=["revenue,4002,,,,,"],
        ),
        [
            f"mapping.csv row 2, column account_type: 'income' is not one of {ACCOUNT_TYPES}.",
            f"mapping.csv row 3, column netsuite_account_id: '25O1' {NOT_AN_ID}",
            f"mapping.csv row 6, column department: 'Sales' {NOT_AN_ID}",
            "mapping.csv row 7: account_type revenue for the default repeats row 4.",
        ],
        id="every-problem-at-once",
    ),
]


@pytest.fixture
def loaded_mapping(revrec) -> list:
    revrec.ok("mapping", "import", str(revrec.write("loaded_mapping.csv", LOADED_MAPPING)))
    rows = RevRecStore(revrec.database_url).snapshot("journal_mapping")
    assert len(rows) == 4
    return rows


@pytest.mark.parametrize(("content", "expected"), MAPPING_CASES)
def test_bad_mapping_keeps_the_loaded_one(revrec, loaded_mapping, content, expected):
    outcome = refused(revrec, "mapping", "import", str(revrec.write("mapping.csv", content)))
    assert_problems(outcome.err, "mapping.csv", expected)
    assert RevRecStore(revrec.database_url).snapshot("journal_mapping") == loaded_mapping


@pytest.mark.parametrize(
    "content",
    [pytest.param(LATIN_1, id="latin-1"), pytest.param(None, id="missing-file")],
)
def test_unreadable_mapping_keeps_the_loaded_one(revrec, loaded_mapping, content):
    path = revrec.tmp / "in" / "mapping.csv"
    if content is not None:
        revrec.write("mapping.csv", content)
    outcome = refused(revrec, "mapping", "import", str(path))
    assert_one_sentence(outcome.err, f"{path} cannot be read as UTF-8 text (")
    assert RevRecStore(revrec.database_url).snapshot("journal_mapping") == loaded_mapping


# -- §6 import-bulk -------------------------------------------------------------------------------


def billing_frame(credit_cents: int, extra_line: bool = False) -> pd.DataFrame:
    def line(netsuite_id, document_type, number, cents, customer=("C1", "Acme", 501)):
        return {
            "netsuite_customer_id": customer[2],
            "netsuite_customer_name": f"{customer[1]} Inc",
            "customer_id": customer[0],
            "customer_name": customer[1],
            "document_type": document_type,
            "document_number": number,
            "netsuite_id": netsuite_id,
            "line_id": 1,
            "document_date": dt.date(2026, 9, 15),
            "period": "2026-09",
            "product_code": "SUB",
            "product_name": "Subscription",
            "quantity": Decimal("12"),
            "amount_cents": cents,
            "currency": "USD",
            "service_start_date": dt.date(2026, 10, 1),
            "service_end_date": dt.date(2027, 9, 30),
            "status": "Open",
        }

    lines = [
        line(1001, "Invoice", "INV-1001", 120000),
        line(1002, "Credit Memo", "CM-1002", credit_cents),
    ]
    if extra_line:
        lines.append(line(1003, "Invoice", "INV-1003", 4200, ("C2", "Globex", 502)))
    return pd.DataFrame(lines, columns=BILLING_COLUMNS)


def set_cell(row: int, header: str, value) -> Callable:
    def change(workbook):
        sheet = workbook["BillingSchedule"]
        headers = [cell.value for cell in sheet[1]]
        sheet.cell(row=row, column=headers.index(header) + 1).value = value

    return change


def delete_column(header: str) -> Callable:
    def change(workbook):
        sheet = workbook["BillingSchedule"]
        sheet.delete_cols([cell.value for cell in sheet[1]].index(header) + 1)

    return change


def rename_tab(workbook) -> None:
    workbook["BillingSchedule"].title = "Billing Schedule"


def add_tab(workbook) -> None:
    workbook.create_sheet("Notes")["A1"] = "reviewed by finance"


ROW3 = "sheet BillingSchedule row 3"
TAB_NOT_KNOWN = (
    "is not one of BillingSchedule, Product, PendingData, ReconDetails_Invoice, "
    "ReconSummary_Invoice (or their _2, _3 continuations)."
)

BULK_CASES = [
    pytest.param(
        rename_tab,
        [f"tab 'Billing Schedule' {TAB_NOT_KNOWN}", "tab 'BillingSchedule' is missing."],
        id="wrong-tab-name",
    ),
    pytest.param(add_tab, [f"tab 'Notes' {TAB_NOT_KNOWN}"], id="unknown-extra-tab"),
    pytest.param(
        delete_column("Amount"),
        ["sheet BillingSchedule: missing column(s) Amount."],
        id="missing-column",
    ),
    pytest.param(
        set_cell(3, "Amount", "-50,00"),
        [f"{ROW3}, column Amount: '-50,00' is not a number."],
        id="text-in-amount",
    ),
    pytest.param(
        set_cell(3, "Amount", 12.345),
        [f"{ROW3}, column Amount: 12.345 has more than 2 decimal places."],
        id="amount-3-decimals",
    ),
    pytest.param(
        set_cell(3, "NetSuite ID", "CM-1002"),
        [f"{ROW3}, column NetSuite ID: 'CM-1002' is not a number."],
        id="text-in-netsuite-id",
    ),
    pytest.param(
        set_cell(3, "Document Date", "2026-13-01"),
        [
            f"{ROW3}, column Document Date: '2026-13-01' is not a date "
            "(expected a date cell or YYYY-MM-DD)."
        ],
        id="document-date-month-13",
    ),
    pytest.param(
        set_cell(3, "Document Date", "2026-W38-2"),
        [
            f"{ROW3}, column Document Date: '2026-W38-2' is not a date "
            "(expected a date cell or YYYY-MM-DD)."
        ],
        id="document-date-iso-week-form",
    ),
    pytest.param(
        set_cell(3, "Customer ID", None),
        [f"{ROW3}, column Customer ID: is empty."],
        id="empty-customer-id",
    ),
    pytest.param(
        set_cell(3, "Period", "2026-13"),
        [f"{ROW3}, column Period: '2026-13' is not YYYY-MM."],
        id="period-2026-13",
    ),
    pytest.param(
        set_cell(3, "Period", "２０２６-09"),
        [f"{ROW3}, column Period: '２０２６-09' is not YYYY-MM."],
        id="period-full-width-digits",
    ),
    pytest.param(
        set_cell(3, "Document Type", "Refund"),
        [f"{ROW3}, column Document Type: 'Refund' is not Invoice or Credit Memo."],
        id="unknown-document-type",
    ),
    pytest.param(
        set_cell(4, "NetSuite ID", 1001),
        [
            "sheet BillingSchedule row 4: NetSuite ID 1001 line 1 repeats sheet BillingSchedule row 2."
        ],
        id="duplicate-netsuite-line",
    ),
    pytest.param(
        set_cell(3, "Currency", "US Dollar"),
        [f"{ROW3}, column Currency: 'US Dollar'"],
        id="currency-not-a-3-letter-code",
    ),
]


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, bytes]:
    """Two reviewed conversion workbooks, written once: `loaded` (already imported by every
    test) and `billing` (different amounts and one more line: the one each case breaks)."""
    folder = tmp_path_factory.mktemp("workbooks")
    frames = {"loaded": billing_frame(-5000), "billing": billing_frame(-7500, extra_line=True)}
    for name, frame in frames.items():
        write_workbook(folder / f"{name}.xlsx", {"BillingSchedule": frame})
    return {name: (folder / f"{name}.xlsx").read_bytes() for name in frames}


@pytest.fixture
def loaded_billing(revrec, workbooks) -> list:
    """A reviewed conversion workbook already imported (before go-live)."""
    revrec.ok("import-bulk", str(revrec.write("loaded.xlsx", workbooks["loaded"])))
    rows = RevRecStore(revrec.database_url).snapshot("billing_schedule_line")
    assert len(rows) == 2
    return rows


@pytest.mark.parametrize(("change", "expected"), BULK_CASES)
def test_bad_workbook_loads_nothing(revrec, workbooks, loaded_billing, change, expected):
    path = revrec.write("billing.xlsx", workbooks["billing"])
    workbook = openpyxl.load_workbook(path)
    change(workbook)
    workbook.save(path)
    outcome = refused(revrec, "import-bulk", str(path))
    assert_problems(outcome.err, "billing.xlsx", expected)
    assert RevRecStore(revrec.database_url).snapshot("billing_schedule_line") == loaded_billing


@pytest.mark.parametrize("kind", ["csv-renamed-xlsx", "empty-file", "missing-file"])
def test_unreadable_workbook_loads_nothing(revrec, loaded_billing, kind):
    path = revrec.tmp / "in" / "billing.xlsx"
    if kind == "csv-renamed-xlsx":
        shutil.copy(revrec.write("billing.csv", "Customer ID,Amount\nC1,1200.00\n"), path)
    elif kind == "empty-file":
        path.write_bytes(b"")
    outcome = refused(revrec, "import-bulk", str(path))
    assert_problems(
        outcome.err, "billing.xlsx", ["billing.xlsx is not a readable .xlsx workbook ("]
    )
    assert RevRecStore(revrec.database_url).snapshot("billing_schedule_line") == loaded_billing


def test_workbook_after_go_live_loads_nothing(revrec, workbooks, loaded_billing):
    revrec.ok("period", "set", "2026-10")
    outcome = refused(
        revrec, "import-bulk", str(revrec.write("billing.xlsx", workbooks["billing"]))
    )
    assert_one_sentence(
        outcome.err,
        "import-bulk loads conversion data before go-live, but period 2026-10 is set: sync jobs "
        "now load the billing schedule automatically.",
    )
    assert RevRecStore(revrec.database_url).snapshot("billing_schedule_line") == loaded_billing
