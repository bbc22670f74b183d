"""DeletedRecord in each still-unknown form: `type` as id, code or label; `deleteddate` in the
account zone or UTC. `recordtypeid` and `deleteddateusertz` never change (reference §9)."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

from revrec_pipeline.netsuite.profile import probe_deleted_record_forms
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig

from .conftest import netsuite_client, rows

TYPES = {
    "id": ("invoice", "creditmemo", "customer"),
    "code": ("CustInvc", "CustCred", "customer"),
    "label": ("Invoice", "Credit Memo", "Customer"),
}
DELETED = (
    "SELECT recordid, type, recordtypeid, TO_CHAR(deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS d, "
    "TO_CHAR(deleteddateusertz, 'YYYY-MM-DD HH24:MI:SS') AS u, name, iscustomrecord, "
    "iscustomlist, iscustomtransaction FROM DeletedRecord WHERE recordid IN (?, ?, ?) "
    "ORDER BY recordid"
)
KEYS = ("deleted_invoice", "deleted_credit_memo", "deleted_customer")


def deleted(sb) -> dict[int, dict]:
    ids = [sb.manifest[k] for k in KEYS]
    return {int(r["recordid"]): r for r in rows(sb, DELETED, ids)}


@pytest.mark.parametrize("form", ["id", "code", "label"])
def test_each_type_form_is_served(small, form):
    with NetSuiteSandbox(SandboxConfig(deleted_type_form=form), small) as sb:
        got = deleted(sb)
        for key, expected in zip(KEYS, TYPES[form], strict=True):
            row = got[sb.manifest[key]]
            assert row["type"] == expected, key
            assert row["recordtypeid"] == TYPES["id"][KEYS.index(key)], key
            assert row["iscustomrecord"] == row["iscustomlist"] == "F"
        memo = sb.add_credit_memo(101, [{"item": 1, "amount": 5}], trandate=datetime(2026, 11, 2))
        sb.delete_transaction(memo, deleted_at=datetime(2026, 11, 25, 8, 30))
        (row,) = rows(sb, "SELECT type, recordtypeid FROM DeletedRecord WHERE recordid = ?", [memo])
        assert row == {"links": [], "type": TYPES[form][1], "recordtypeid": "creditmemo"}


def test_deleteddate_in_the_account_zone_or_utc(small):
    with NetSuiteSandbox(SandboxConfig(deleted_date_zone="account"), small) as sb:
        customer = deleted(sb)[sb.manifest["deleted_customer"]]
        assert customer["d"] == customer["u"] == "2026-06-30 16:45:00"  # generated, local
    with NetSuiteSandbox(SandboxConfig(deleted_date_zone="utc"), small) as sb:
        customer = deleted(sb)[sb.manifest["deleted_customer"]]
        assert (customer["u"], customer["d"]) == ("2026-06-30 16:45:00", "2026-06-30 23:45:00")
        sb.delete_customer(101, deleted_at=datetime(2026, 11, 25, 8, 30))  # PST, UTC-8
        (row,) = rows(
            sb,
            "SELECT TO_CHAR(deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS d, "
            "TO_CHAR(deleteddateusertz, 'YYYY-MM-DD HH24:MI:SS') AS u FROM DeletedRecord "
            "WHERE recordid = 101 AND recordtypeid = 'customer'",
        )
        assert (row["u"], row["d"]) == ("2026-11-25 08:30:00", "2026-11-25 16:30:00")


def test_forms_switch_at_runtime_for_every_row(sandbox):
    before = deleted(sandbox)
    changed = requests.post(
        sandbox.url + "/sandbox/v1/config",
        json={"deleted_type_form": "label", "deleted_date_zone": "utc"},
    )
    assert changed.status_code == 200 and changed.json()["config"]["deleted_type_form"] == "label"
    after = deleted(sandbox)
    invoice = sandbox.manifest["deleted_invoice"]
    assert (before[invoice]["type"], after[invoice]["type"]) == ("invoice", "Invoice")
    assert (
        after[invoice]["u"] == before[invoice]["u"] == before[invoice]["d"] != after[invoice]["d"]
    )
    sandbox.config.deleted_type_form = "code"  # a plain attribute change works as well
    assert deleted(sandbox)[invoice]["type"] == "CustInvc"
    bad = requests.post(sandbox.url + "/sandbox/v1/config", json={"deleted_type_form": "name"})
    assert bad.status_code == 400
    assert "deleted_type_form is 'name'; expected one of id, code, label." in bad.text
    assert sandbox.config.deleted_type_form == "code"  # a refused change changes nothing


def test_an_unknown_form_is_refused_at_construction():
    with pytest.raises(ValueError, match="deleted_date_zone is 'gmt'; expected one of"):
        SandboxConfig(deleted_date_zone="gmt")


@pytest.mark.parametrize("form", ["id", "code", "label"])
def test_the_clients_probe_sees_the_form(small, form):
    with NetSuiteSandbox(SandboxConfig(deleted_type_form=form), small) as sb:
        forms = probe_deleted_record_forms(netsuite_client(sb))
        assert {f"type={t}" for t in TYPES[form]} <= set(forms)
