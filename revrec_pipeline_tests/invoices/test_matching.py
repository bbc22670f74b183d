"""Customer name mapping (SPEC §6): equal after case, whitespace and Unicode normal form, and
nothing else; near misses are suggestions. By externalid when name mapping is off (SPEC §2)."""

from __future__ import annotations

import pandas as pd
import pytest

from revrec_pipeline.invoices.matching import (
    MATCH_COLUMNS,
    match_customers,
    netsuite_customer_name,
    normalize_name,
)

NO_MATCH = "Customer name matches no CRM customer"


def company(id_: int, name: str | None, entityid: str | None = None, externalid=None) -> tuple:
    return (id_, name, False, None, None, entityid or f"CUST-{id_}", externalid)


def person(
    id_: int,
    first: str | None,
    last: str | None,
    companyname: str | None = None,
    entityid: str | None = None,
) -> tuple:
    return (id_, companyname, True, first, last, entityid or f"CUST-{id_}", None)


def netsuite(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(
        list(rows),
        columns=[
            "id",
            "companyname",
            "isperson",
            "firstname",
            "lastname",
            "entityid",
            "externalid",
        ],
    )


def crm(**names: str) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list(names), "customer_name": list(names.values())})


def only(frame: pd.DataFrame) -> dict:
    assert list(frame.columns) == MATCH_COLUMNS
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


# -- normalize_name --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Acme Inc", "acme inc"),
        ("  ACME   inc  ", "acme inc"),
        ("Acme\tInc\n", "acme inc"),
        ("Acme\u00a0Inc", "acme inc"),  # non-breaking space
        ("\u00a0 Acme \t\u00a0 Inc\u00a0", "acme inc"),
        ("Cafe\u0301 du Monde", "caf\u00e9 du monde"),  # NFD → NFC
        ("CAF\u00c9 DU MONDE", "caf\u00e9 du monde"),
        ("Acme, Inc.", "acme, inc."),  # punctuation kept
        (None, ""),
    ],
)
def test_normalize_name(raw, key):
    assert normalize_name(raw) == key


# -- matching by name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("netsuite_name", "crm_name"),
    [
        ("Acme Inc", "acme inc"),
        ("ACME INC", "Acme Inc"),
        ("  Acme   Inc ", "Acme Inc"),
        ("Acme\tInc", "Acme Inc"),
        ("Acme\u00a0Inc", "Acme Inc"),
        ("Acme Inc", "\u00a0Acme\u00a0\u00a0Inc\t"),
        ("Cafe\u0301 du Monde", "Caf\u00e9 du Monde"),  # NFD in NetSuite, NFC in the CRM
        ("Caf\u00e9 du Monde", "CAFE\u0301 DU MONDE"),  # and the other way round
    ],
)
def test_names_equal_after_case_whitespace_and_normal_form_match(netsuite_name, crm_name):
    row = only(match_customers(netsuite(company(7, netsuite_name)), crm(C9=crm_name)))
    assert row == {
        "netsuite_customer_id": 7,
        "netsuite_customer_name": netsuite_name,
        "customer_id": "C9",
        "customer_name": crm_name,
        "reason": None,
        "suggestion": None,
    }


@pytest.mark.parametrize(
    ("netsuite_name", "crm_name"),
    [
        ("Acme, Inc.", "Acme Inc"),
        ("Acme Inc", "Acme Inc."),
        ("Acme Corp Ltd", "Acme Corp"),
        ("Acme-Inc", "Acme Inc"),
    ],
)
def test_punctuation_and_suffix_differences_do_not_match_but_suggest(netsuite_name, crm_name):
    result = match_customers(netsuite(company(7, netsuite_name)), crm(C1=crm_name, C2="Zeta"))
    row = only(result)
    assert row["customer_id"] is None
    assert row["customer_name"] is None
    assert row["reason"] == NO_MATCH
    assert row["suggestion"] == crm_name  # the CRM's spelling, not the normalized key


def test_totally_different_name_has_reason_and_no_suggestion():
    row = only(match_customers(netsuite(company(7, "Zeta Holdings")), crm(C1="Acme Inc")))
    assert row == {
        "netsuite_customer_id": 7,
        "netsuite_customer_name": "Zeta Holdings",
        "customer_id": None,
        "customer_name": None,
        "reason": NO_MATCH,
        "suggestion": None,
    }


def test_no_crm_customers_at_all():
    empty = pd.DataFrame({"customer_id": [], "customer_name": []})
    row = only(match_customers(netsuite(company(7, "Acme Inc")), empty))
    assert (row["customer_id"], row["reason"], row["suggestion"]) == (None, NO_MATCH, None)


def test_one_row_per_netsuite_customer_in_input_order():
    result = match_customers(
        netsuite(company(3, "Gamma"), company(1, "Alpha"), company(2, "Nobody At All")),
        crm(C1="alpha", C3="GAMMA"),
    )
    assert result[["netsuite_customer_id", "customer_id"]].to_dict("records") == [
        {"netsuite_customer_id": 3, "customer_id": "C3"},
        {"netsuite_customer_id": 1, "customer_id": "C1"},
        {"netsuite_customer_id": 2, "customer_id": None},
    ]


def test_two_crm_customers_with_the_same_normalized_name_are_ambiguous():
    result = match_customers(
        netsuite(company(7, "Initech")),
        crm(C7="Initech", C3=" INITECH ", C5="Initrode"),
    )
    row = only(result)
    assert row["customer_id"] is None
    assert row["customer_name"] is None
    assert row["reason"] == "Customer name matches 2 CRM customers (C3, C7)"
    assert row["suggestion"] is None


# -- the NetSuite customer's name ------------------------------------------------------------


def test_company_named_by_companyname_falling_back_to_entityid():
    assert netsuite_customer_name("Acme Inc", False, "Jane", "Doe", "CUST-1") == "Acme Inc"
    assert netsuite_customer_name(None, False, None, None, "CUST-1 Acme") == "CUST-1 Acme"
    assert netsuite_customer_name("   ", False, None, None, "CUST-1 Acme") == "CUST-1 Acme"
    assert netsuite_customer_name(None, False, None, None, None) == ""


def test_individual_named_first_plus_last_ignoring_companyname():
    assert netsuite_customer_name("Doe Consulting", True, "Jane", "Doe", "CUST-3") == "Jane Doe"
    assert netsuite_customer_name(None, True, "Jane", None, "CUST-3") == "Jane"
    assert netsuite_customer_name(None, True, None, "Doe", "CUST-3") == "Doe"
    assert netsuite_customer_name(None, True, None, None, "Jane Doe") == "Jane Doe"


def test_individual_without_first_and_last_name_falls_back_to_entityid_not_companyname():
    assert netsuite_customer_name("Employer Ltd", True, None, None, "Jane Roe") == "Jane Roe"


def test_individuals_match_by_first_and_last_name():
    result = match_customers(
        netsuite(
            person(3, "Jane", "Doe", companyname="Doe Consulting"),
            person(4, None, None, entityid="Max  Mustermann"),
        ),
        crm(C3="jane doe", C4="Max Mustermann", C5="Doe Consulting"),
    )
    assert result.to_dict("records") == [
        {
            "netsuite_customer_id": 3,
            "netsuite_customer_name": "Jane Doe",
            "customer_id": "C3",
            "customer_name": "jane doe",
            "reason": None,
            "suggestion": None,
        },
        {
            "netsuite_customer_id": 4,
            "netsuite_customer_name": "Max  Mustermann",
            "customer_id": "C4",
            "customer_name": "Max Mustermann",
            "reason": None,
            "suggestion": None,
        },
    ]


# -- matching by externalid ------------------------------------------------------------------


def test_by_externalid_when_name_mapping_is_off():
    result = match_customers(
        netsuite(
            company(1, "Completely Different Name", externalid="C1"),
            company(2, "Acme Inc", externalid=None),
            company(3, "Acme Inc", externalid="C404"),
            company(4, "Acme Inc", externalid=""),
            company(5, "Other", externalid=" C2 "),
        ),
        crm(C1="Acme Inc", C2="Globex"),
        by_name=False,
    )
    assert result.to_dict("records") == [
        {
            "netsuite_customer_id": 1,
            "netsuite_customer_name": "Completely Different Name",
            "customer_id": "C1",
            "customer_name": "Acme Inc",
            "reason": None,
            "suggestion": None,
        },
        {
            "netsuite_customer_id": 2,
            "netsuite_customer_name": "Acme Inc",
            "customer_id": None,
            "customer_name": None,
            "reason": "NetSuite customer has no externalid (CRM id)",
            "suggestion": None,
        },
        {
            "netsuite_customer_id": 3,
            "netsuite_customer_name": "Acme Inc",
            "customer_id": None,
            "customer_name": None,
            "reason": "externalid 'C404' is not a CRM customer id",
            "suggestion": None,
        },
        {
            "netsuite_customer_id": 4,
            "netsuite_customer_name": "Acme Inc",
            "customer_id": None,
            "customer_name": None,
            "reason": "NetSuite customer has no externalid (CRM id)",
            "suggestion": None,
        },
        {
            "netsuite_customer_id": 5,
            "netsuite_customer_name": "Other",
            "customer_id": "C2",
            "customer_name": "Globex",
            "reason": None,
            "suggestion": None,
        },
    ]


def test_by_externalid_ignores_equal_names_and_duplicate_crm_names():
    result = match_customers(
        netsuite(company(1, "Initech", externalid="C7")),
        crm(C7="Initech", C3="Initech"),
        by_name=False,
    )
    row = only(result)
    assert (row["customer_id"], row["customer_name"], row["reason"]) == ("C7", "Initech", None)
