"""Journal account mapping (SPEC §7, §10): parsing, every problem with file/row/column, the
store round trip, and `revrec mapping import` (all or nothing)."""

from __future__ import annotations

import pytest

from revrec_pipeline.cli import main
from revrec_pipeline.journals.mapping import (
    AccountMapping,
    MappingError,
    MappingRow,
    disabled_segments,
    parse_mapping_csv,
)
from revrec_pipeline.store.journals import read_mapping, replace_mapping

GOOD = (
    "account_type,netsuite_account_id,product_code,department,class,location,subsidiary,"
    "cseg_region\n"
    "contra_revenue,63,,1,,,2,\n"
    "deferred_revenue,58,,1,,,2,\n"
    "revenue,61,,1,5,,2,9\n"
    "revenue,62,SVC,4,5,7,2,\n"
    "unbilled_receivable,54,,,,,,\n"
)
GOOD_ROWS = (
    MappingRow("contra_revenue", "63", "", (("department", "1"),), "2"),
    MappingRow("deferred_revenue", "58", "", (("department", "1"),), "2"),
    MappingRow(
        "revenue", "61", "", (("class", "5"), ("cseg_region", "9"), ("department", "1")), "2"
    ),
    MappingRow(
        "revenue", "62", "SVC", (("class", "5"), ("department", "4"), ("location", "7")), "2"
    ),
    MappingRow("unbilled_receivable", "54", "", (), ""),
)


def test_good_file_default_rows_override_segments_and_subsidiary():
    mapping = parse_mapping_csv(GOOD, "mapping.csv")
    assert mapping.rows == GOOD_ROWS
    assert mapping.subsidiary == "2"
    # The product row overrides the default, account and segments alike; others fall back.
    assert mapping.row_for("revenue", "SVC") == GOOD_ROWS[3]
    assert mapping.row_for("revenue", "OTHER") == GOOD_ROWS[2]
    assert mapping.row_for("revenue", "") == GOOD_ROWS[2]
    assert mapping.row_for("contra_revenue", "SVC") == GOOD_ROWS[0]


def test_minimal_file_and_surrounding_whitespace():
    text = (
        " account_type , netsuite_account_id , product_code \n revenue , 61 ,  \nrevenue,62, SVC \n"
    )
    mapping = parse_mapping_csv(text)
    assert mapping.rows == (MappingRow("revenue", "61"), MappingRow("revenue", "62", "SVC"))
    assert mapping.subsidiary == ""


def test_every_row_problem_listed_with_file_row_and_column():
    text = (
        "account_type,netsuite_account_id,product_code,department,cseg_region,subsidiary\n"
        "revenue,61,,1,,2\n"  # row 2: fine
        "income,60,,,,\n"  # row 3: unknown account type
        "deferred_revenue,58a,,,,\n"  # row 4: account id is not digits
        "contra_revenue,63,,D1,,\n"  # row 5: department is not digits
        "unbilled_receivable,54,,,east,\n"  # row 6: custom segment is not digits
        "revenue,62,,,,2\n"  # row 7: (revenue, default, subsidiary 2) again
        "revenue,64,SVC,,,3\n"  # row 8: another subsidiary's row: fine (OneWorld)
        "contra_revenue,65,SVC,,,X\n"  # row 9: subsidiary is not digits
    )
    with pytest.raises(MappingError) as caught:
        parse_mapping_csv(text, "m.csv")
    expected = [
        "m.csv row 3, column account_type: 'income' is not one of contra_revenue, "
        "deferred_revenue, revenue, unbilled_receivable.",
        "m.csv row 4, column netsuite_account_id: '58a' is not a NetSuite internal id (digits).",
        "m.csv row 5, column department: 'D1' is not a NetSuite internal id (digits).",
        "m.csv row 6, column cseg_region: 'east' is not a NetSuite internal id (digits).",
        "m.csv row 7: account_type revenue for the default in subsidiary 2 repeats row 2.",
        "m.csv row 9, column subsidiary: 'X' is not an internal id.",
    ]
    assert caught.value.problems == expected
    assert str(caught.value) == "6 problem(s) in m.csv, nothing loaded:\n" + "\n".join(
        f"  - {p}" for p in expected
    )


def test_duplicate_product_override_names_both_rows():
    text = "account_type,netsuite_account_id,product_code\nrevenue,61,SVC\nrevenue,62,SVC\n"
    with pytest.raises(MappingError) as caught:
        parse_mapping_csv(text, "m.csv")
    assert caught.value.problems == ["m.csv row 3: account_type revenue for SVC repeats row 2."]


def test_missing_and_unknown_columns_listed_together():
    text = "account_type,product_code,dept,cseg_region\nrevenue,,1,2\n"
    with pytest.raises(MappingError) as caught:
        parse_mapping_csv(text, "m.csv")
    assert caught.value.problems == [
        "m.csv: missing column(s) netsuite_account_id.",
        "m.csv: unknown column(s) dept; custom segment columns start with cseg_.",
    ]


def test_header_only_file_has_no_rows():
    with pytest.raises(MappingError) as caught:
        parse_mapping_csv("account_type,netsuite_account_id,product_code\n", "m.csv")
    assert caught.value.problems == ["m.csv: has no rows."]


def test_non_ascii_digits_are_not_internal_ids():
    text = "account_type,netsuite_account_id,product_code\nrevenue,５８,\n"
    with pytest.raises(MappingError) as caught:
        parse_mapping_csv(text, "m.csv")
    assert caught.value.problems == [
        "m.csv row 2, column netsuite_account_id: '５８' is not a NetSuite internal id (digits)."
    ]


def test_store_round_trip_and_replace(store):
    replace_mapping(store, parse_mapping_csv(GOOD))
    with store.read() as conn:
        assert set(read_mapping(conn).rows) == set(GOOD_ROWS)
    # A second import replaces the mapping: nothing of the first survives.
    replace_mapping(
        store, parse_mapping_csv("account_type,netsuite_account_id,product_code\nrevenue,70,\n")
    )
    with store.read() as conn:
        assert read_mapping(conn) == AccountMapping((MappingRow("revenue", "70"),))


# -- `revrec mapping import` ----------------------------------------------------------------------


def run(argv: list[str]) -> int:
    """`main`, with argparse's SystemExit turned into its exit code."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    monkeypatch.chdir(tmp_path)  # no developer .env
    monkeypatch.setenv("REVREC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("REVREC_DATABASE_URL", database_url)
    return tmp_path


def test_cli_mapping_import_all_or_nothing(cli_env, store, capsys):
    bad = cli_env / "bad.csv"
    bad.write_text(
        "account_type,netsuite_account_id,product_code\nincome,61,\nrevenue,6x,\n",
        encoding="utf-8",
    )
    assert run(["mapping", "import", str(bad)]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "revrec: 2 problem(s) in bad.csv, nothing loaded:\n"
        "  - bad.csv row 2, column account_type: 'income' is not one of contra_revenue, "
        "deferred_revenue, revenue, unbilled_receivable.\n"
        "  - bad.csv row 3, column netsuite_account_id: '6x' is not a NetSuite internal id "
        "(digits).\n"
    )
    with store.read() as conn:
        assert read_mapping(conn).rows == ()

    good = cli_env / "mapping.csv"
    good.write_text("\ufeff" + GOOD, encoding="utf-8")  # a BOM, as spreadsheets write it
    assert run(["mapping", "import", str(good)]) == 0
    assert capsys.readouterr().out == (
        "Loaded the journal account mapping: 5 rows "
        "(contra_revenue, deferred_revenue, revenue, unbilled_receivable).\n"
    )
    with store.read() as conn:
        assert set(read_mapping(conn).rows) == set(GOOD_ROWS)

    # A bad file later keeps the loaded mapping.
    assert run(["mapping", "import", str(bad)]) == 1
    assert "Traceback" not in capsys.readouterr().err
    with store.read() as conn:
        assert set(read_mapping(conn).rows) == set(GOOD_ROWS)


# -- segments the NetSuite account lacks ---------------------------------------------------


def test_a_segment_whose_feature_is_off_is_named_with_the_feature():
    mapping = parse_mapping_csv(
        "account_type,netsuite_account_id,product_code,department,class,location\n"
        "revenue,61,,1,5,\n"
        "revenue,62,SVC,,7,\n"
        "deferred_revenue,58,,2,,\n"
    )
    features = {"departments": True, "classes": False, "locations": False}
    assert disabled_segments(mapping, features.get) == [
        "The journal mapping sets class on 2 rows, but the NetSuite account does not have the "
        "Classes feature; remove the class column or enable Classes."
    ]
    features["departments"] = False
    assert disabled_segments(mapping, features.get)[0] == (
        "The journal mapping sets department on 2 rows, but the NetSuite account does not have "
        "the Departments feature; remove the department column or enable Departments."
    )
    # Unknown (None) is not off: nothing is refused on a guess.
    assert disabled_segments(mapping, {}.get) == []


def test_subsidiary_rows_replace_the_general_rows_for_their_subsidiary():
    """SPEC §12: a row naming a subsidiary applies to it and, for its account type, replaces
    the rows without a subsidiary; other subsidiaries and types use the general rows."""
    mapping = parse_mapping_csv(
        "account_type,netsuite_account_id,product_code,subsidiary\n"
        "revenue,400,,\n"
        "revenue,410,SVC,\n"
        "deferred_revenue,250,,\n"
        "deferred_revenue,253,,3\n"  # UK Ltd's own deferred revenue account
        "revenue,430,,3\n"
    )
    assert mapping.row_for("deferred_revenue", "SVC", "3").account_id == "253"
    assert mapping.row_for("deferred_revenue", "SVC", "4").account_id == "250"
    # Subsidiary 3 maps revenue itself: its default row, not the general SVC override.
    assert mapping.row_for("revenue", "SVC", "3").account_id == "430"
    assert mapping.row_for("revenue", "SVC", "1").account_id == "410"
    assert mapping.row_for("revenue", "SVC").account_id == "410"  # no subsidiary: general
    assert mapping.subsidiary == "3"  # the one named: sent for entries without a subsidiary
    assert mapping.missing({("unbilled_receivable", "3"): {""}, ("revenue", "3"): {"SVC"}}) == [
        "account type unbilled_receivable is not mapped for subsidiary 3 (needed for "
        "(default)); add a row for unbilled_receivable with subsidiary 3, or one without a "
        "subsidiary, to the mapping file."
    ]


def test_a_single_subsidiary_mapping_applies_as_a_whole_without_subsidiaries():
    """Today's files name one subsidiary on every row: without OneWorld (no subsidiary in the
    plan) those rows apply, and that subsidiary is the one a default entry is sent with."""
    mapping = parse_mapping_csv(
        "account_type,netsuite_account_id,product_code,subsidiary\nrevenue,400,,1\n"
        "revenue,410,SVC,1\n"
    )
    assert mapping.row_for("revenue", "SVC").account_id == "410"
    assert mapping.row_for("revenue", "SVC", "1").account_id == "410"
    assert (
        mapping.row_for("revenue", "", "3") is None
    )  # subsidiary 3: no row of its own, none general
    assert mapping.subsidiary == "1"


def test_cli_mapping_import_refuses_a_subsidiary_the_account_lacks(cli_env, store, capsys):
    """Once a sync has read the subsidiaries (OneWorld), a mapping naming an unknown or an
    elimination subsidiary is refused, every one named, and nothing is loaded."""
    from revrec_pipeline.store import schema

    with store.write() as conn:
        conn.execute(
            schema.netsuite_subsidiary.insert(),
            [
                {"id": 1, "name": "Parent", "is_elimination": False, "is_inactive": False},
                {"id": 3, "name": "UK Ltd", "is_elimination": False, "is_inactive": False},
                {"id": 5, "name": "Elim", "is_elimination": True, "is_inactive": False},
            ],
        )
    bad = cli_env / "bad.csv"
    bad.write_text(
        "account_type,netsuite_account_id,product_code,subsidiary\nrevenue,61,,\n"
        "deferred_revenue,59,,9\nrevenue,62,,9\nunbilled_receivable,54,,5\n",
        encoding="utf-8",
    )
    assert run(["mapping", "import", str(bad)]) == 1
    assert capsys.readouterr().err == (
        "revrec: 2 problem(s) in bad.csv, nothing loaded:\n"
        "  - bad.csv: subsidiary 5 (the unbilled_receivable row) is an elimination "
        "subsidiary, which RevRec posts nothing to; name the operating subsidiary.\n"
        "  - bad.csv: subsidiary 9 (the deferred_revenue, revenue rows) is not a subsidiary of "
        "the NetSuite account (known: 1, 3, 5).\n"
    )
    with store.read() as conn:
        assert read_mapping(conn).rows == ()
    good = cli_env / "good.csv"
    good.write_text(
        "account_type,netsuite_account_id,product_code,subsidiary\nrevenue,61,,\n"
        "deferred_revenue,59,,3\n",
        encoding="utf-8",
    )
    assert run(["mapping", "import", str(good)]) == 0
    with store.read() as conn:
        assert {row.subsidiary for row in read_mapping(conn).rows} == {"", "3"}
