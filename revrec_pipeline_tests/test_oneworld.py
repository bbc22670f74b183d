"""NetSuite OneWorld end to end (SPEC §12) on the sandbox's several-subsidiary account: a USD
parent, UK Ltd (GBP), Germany GmbH (EUR). Billing and recon per (period, subsidiary, currency)
against the sandbox's own tables; one journal entry per (period, event, subsidiary, currency),
each posted in its subsidiary and currency, equal to SPEC §7 per subsidiary; a mapping missing a
subsidiary's account refused before any NetSuite request; an account NetSuite does not allow
for a subsidiary refused as NetSuite words it. And an account without OneWorld: today's ids."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import dagster as dg
import openpyxl
import pytest
from sqlalchemy import func, select

from revrec_pipeline.crm import import_crm_files
from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.journals.recognition import revenue_schedule
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig
from revrec_pipeline.store import RevRecStore, schema
from revrec_pipeline.store.journals import postings, read_journal_inputs, replace_mapping
from revrec_pipeline.store.periods import close_period, set_go_live
from revrec_pipeline_tests.pipeline_helpers import (
    check_evaluations,
    post,
    sandbox_environment,
    sandbox_mapping_csv,
    sync,
)

OCTOBER = "2026-10"
HEADER = "account_type,netsuite_account_id,product_code,subsidiary\n"


def oneworld_mapping(manifest: dict, *, deferred: str | None = None, uk: bool = True) -> str:
    """Rows for every subsidiary, and UK Ltd's own deferred revenue account."""
    accounts = manifest["accounts"]
    uk_id = manifest["subsidiary_ids"]["uk"]
    rows = [
        f"contra_revenue,{accounts['contra_revenue']},,",
        f"deferred_revenue,{deferred or accounts['deferred_revenue']},,",
        f"revenue,{accounts['revenue']},,",
        f"revenue,{accounts['services_revenue']},Premium Support,",
        f"unbilled_receivable,{accounts['unbilled_receivable']},,",
    ]
    if uk:
        uk_deferred = manifest["subsidiary_accounts"]["uk_deferred_revenue"]
        rows.append(f"deferred_revenue,{uk_deferred},,{uk_id}")
    return HEADER + "\n".join(rows) + "\n"


@pytest.fixture
def oneworld(small_dataset, tmp_path, monkeypatch, sqlite_database_url):
    """(sandbox, store, dagster instance) on the several-subsidiary account, CRM loaded with
    the orders' subsidiary column, the first period set."""
    config = SandboxConfig(subsidiaries="several")
    with NetSuiteSandbox(config, small_dataset) as sb:
        env = sandbox_environment(sb, tmp_path / "home", sqlite_database_url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        store = RevRecStore(sqlite_database_url)
        store.create_all()
        with dg.instance_for_test() as instance:
            set_go_live(store, OCTOBER)
            sync(instance)  # the subsidiaries first: the CRM file names them
            customers, orders = small_dataset.write_crm_csv(
                tmp_path / "crm", subsidiaries="several"
            )
            import_crm_files(store, Path(customers), Path(orders))
            sync(instance)
            yield sb, store, instance


def sandbox_billing(sb) -> dict[tuple[str, int, str], int]:
    """(period, subsidiary, currency) → billed cents of every pulled billing line, straight
    from the sandbox's tables (SPEC §4's rules: posted, not voided, approved; no mainline,
    tax, COGS, technical or structural line), invoices positive, credit memos negative."""
    rows = sb.execute(
        "SELECT substr(t.trandate, 1, 7) AS period, tl.subsidiary AS subsidiary, c.symbol AS "
        'currency, SUM(tl.foreignamount) AS amount FROM "transaction" t JOIN transactionline tl '
        'ON tl."transaction" = t.id JOIN currency c ON c.id = t.currency '
        "WHERE t.type IN ('CustInvc', 'CustCred') AND t.posting = 'T' "
        "AND COALESCE(t.voided, 'F') = 'F' AND (t.approvalstatus IS NULL OR t.approvalstatus = 2) "
        "AND NOT (t.type = 'CustInvc' AND COALESCE(t.status, '-') IN ('D', 'E')) "
        "AND tl.mainline = 'F' AND tl.taxline = 'F' AND COALESCE(tl.iscogs, 'F') = 'F' "
        "AND COALESCE(tl.donotdisplayline, 'F') = 'F' "
        "AND COALESCE(tl.itemtype, '-') NOT IN ('Subtotal', 'Description', 'Group', 'EndGroup') "
        "GROUP BY 1, 2, 3"
    )
    out = {}
    for row in rows:
        cents = -int((Decimal(str(row["amount"])) * 100).to_integral_value())
        if cents:
            out[(row["period"], int(row["subsidiary"]), row["currency"])] = cents
    return out


def test_billing_and_recon_per_period_subsidiary_and_currency_match_the_sandbox(oneworld):
    sb, store, instance = oneworld
    manifest = sb.manifest
    with store.read() as conn:
        subsidiaries = {
            r.id: (r.name, r.is_elimination)
            for r in conn.execute(schema.netsuite_subsidiary.select())
        }
    assert {str(i): s["name"] for i, s in manifest["subsidiaries"].items()} == {
        str(i): name for i, (name, _) in subsidiaries.items()
    }
    assert subsidiaries[manifest["subsidiary_ids"]["elimination"]][1] is True

    _run, workbook = sync(instance)

    wb = openpyxl.load_workbook(workbook, read_only=True)
    rows = list(wb["ReconSummary_Invoice"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    col = {h: i for i, h in enumerate(header)}
    recon = {
        (r[col["Period"]], r[col["Subsidiary ID"]], r[col["Currency"]]): round(
            r[col["NetSuite Amount"]] * 100
        )
        for r in data
    }
    expected = sandbox_billing(sb)
    assert {k: v for k, v in recon.items() if v} == expected
    assert {r[col["Status"]] for r in data} == {"OK"}
    names = {r[col["Subsidiary ID"]]: r[col["Subsidiary"]] for r in data}
    assert names == {i: subsidiaries[i][0] for i in names}
    # Three operating subsidiaries billed, each in its own currency here.
    of_currency = manifest["subsidiary_of_currency"]
    assert {(s, c) for _, s, c in expected} == {(s, c) for c, s in of_currency.items()}

    # The loaded billing schedule per (period, subsidiary, currency) is the recon's RevRec side.
    table = schema.billing_schedule_line
    with store.read() as conn:
        loaded = {
            (p, s, c): int(v)
            for p, s, c, v in conn.execute(
                select(
                    table.c.period,
                    table.c.subsidiary_id,
                    table.c.currency,
                    func.sum(table.c.amount_cents),
                ).group_by(table.c.period, table.c.subsidiary_id, table.c.currency)
            )
        }
    revrec = {
        (r[col["Period"]], r[col["Subsidiary ID"]], r[col["Currency"]]): round(
            r[col["RevRec Amount"]] * 100
        )
        for r in data
    }
    assert {k: v for k, v in loaded.items() if v} == {k: v for k, v in revrec.items() if v}


def held_entries(sb, period: str) -> dict[str, dict]:
    return {
        e["externalId"]: e
        for e in sb.journal_entries()
        if str(e.get("externalId", "")).startswith(f"revrec-{period}-")
    }


def account_net(entry: dict) -> dict[str, int]:
    net: dict[str, int] = defaultdict(int)
    for line in entry["line"]["items"]:
        cents = int(Decimal(str(line.get("debit", 0))) * 100) - int(
            Decimal(str(line.get("credit", 0))) * 100
        )
        net[str(line["account"]["id"])] += cents
    return dict(net)


def test_journals_one_entry_per_subsidiary_and_currency_each_posted_in_its_subsidiary(oneworld):
    sb, store, instance = oneworld
    manifest = sb.manifest
    accounts = {k: str(v) for k, v in manifest["accounts"].items()}
    uk, uk_deferred = (
        manifest["subsidiary_ids"]["uk"],
        str(manifest["subsidiary_accounts"]["uk_deferred_revenue"]),
    )
    replace_mapping(store, parse_mapping_csv(oneworld_mapping(manifest)))
    close_period(store, OCTOBER)
    result = post(instance, OCTOBER)
    assert result.success, result.summary()

    held = held_entries(sb, OCTOBER)
    stored = {p["external_id"]: p for p in postings(store, OCTOBER)}
    assert held.keys() == stored.keys() and {p["status"] for p in stored.values()} == {"posted"}
    of_currency = manifest["subsidiary_of_currency"]
    for external_id, entry in held.items():
        _, _, _, event, scope, currency, _ = external_id.split("-")
        subsidiary = int(scope.removeprefix("S"))
        # In its subsidiary and currency, as NetSuite holds it.
        assert int(entry["subsidiary"]["id"]) == subsidiary == of_currency[currency], external_id
        assert entry["currency"]["refName"] == currency
        assert stored[external_id]["subsidiary"] == str(subsidiary)
        deferred = uk_deferred if subsidiary == uk else accounts["deferred_revenue"]
        assert deferred in account_net(entry), external_id
        assert (uk_deferred in account_net(entry)) == (subsidiary == uk)

    # SPEC §7 per subsidiary, from the store's inputs computed here: at go-live October carries
    # October's own billing and revenue.
    table = schema.billing_schedule_line
    with store.read() as conn:
        billed = {
            (str(s), c): int(v)
            for s, c, v in conn.execute(
                select(table.c.subsidiary_id, table.c.currency, func.sum(table.c.amount_cents))
                .where(table.c.period == OCTOBER)
                .group_by(table.c.subsidiary_id, table.c.currency)
            )
        }
        _billing, orders = read_journal_inputs(conn)
    schedule = revenue_schedule(orders)
    october = schedule[schedule["period"] == OCTOBER]
    recognized = {
        (str(of_currency[c]), c): int(v)
        for c, v in october.groupby("currency")["revenue_cents"].sum().items()
    }
    by_scope = defaultdict(dict)
    for external_id, entry in held.items():
        _, _, _, event, scope, currency, _ = external_id.split("-")
        by_scope[event][(scope.removeprefix("S"), currency)] = account_net(entry)
    assert {k: net[accounts["contra_revenue"]] for k, net in by_scope["billing"].items()} == {
        k: v for k, v in billed.items() if v
    }
    revenue_credit = {
        k: -(net.get(accounts["revenue"], 0) + net.get(accounts["services_revenue"], 0))
        for k, net in by_scope["revenue"].items()
    }
    assert revenue_credit == {k: v for k, v in recognized.items() if v}
    # Unbilled: per customer, currency and subsidiary, the change over October of
    # max(recognized − billed, 0) through each month's end (September's is the opening).
    with store.read() as conn:
        lines = conn.execute(
            select(
                table.c.customer_id,
                table.c.currency,
                table.c.subsidiary_id,
                table.c.period,
                table.c.amount_cents,
            )
        ).all()
    balance: dict[tuple, dict[str, int]] = defaultdict(lambda: {"sep": 0, "oct": 0})
    for customer, currency, subsidiary, period, cents in lines:
        for month, end in (("sep", "2026-09"), ("oct", OCTOBER)):
            if period <= end:
                balance[(customer, currency, str(subsidiary))][month] -= int(cents)
    for row in schedule.itertuples():
        key = (row.customer_id, row.currency, str(of_currency[row.currency]))
        for month, end in (("sep", "2026-09"), ("oct", OCTOBER)):
            if row.period <= end:
                balance[key][month] += int(row.revenue_cents)
    unbilled: dict[tuple[str, str], int] = defaultdict(int)
    for (_customer, currency, subsidiary), b in balance.items():
        unbilled[(subsidiary, currency)] += max(b["oct"], 0) - max(b["sep"], 0)
    assert {k: net[accounts["unbilled_receivable"]] for k, net in by_scope["unbilled"].items()} == {
        k: v for k, v in unbilled.items() if v
    }
    # Every entry balances in its own currency.
    assert all(sum(account_net(e).values()) == 0 for e in held.values())


def test_a_mapping_missing_a_subsidiarys_account_is_refused_before_any_request(oneworld):
    sb, store, instance = oneworld
    manifest = sb.manifest
    accounts = manifest["accounts"]
    uk = manifest["subsidiary_ids"]["uk"]
    # Deferred revenue only for UK Ltd: the parent and Germany have none.
    only_uk = HEADER + (
        f"contra_revenue,{accounts['contra_revenue']},,\n"
        f"deferred_revenue,{manifest['subsidiary_accounts']['uk_deferred_revenue']},,{uk}\n"
        f"revenue,{accounts['revenue']},,\nunbilled_receivable,{accounts['unbilled_receivable']},,\n"
    )
    replace_mapping(store, parse_mapping_csv(only_uk))
    close_period(store, OCTOBER)
    sb.reset_stats()
    refused = post(instance, OCTOBER)
    assert not refused.success
    checks = check_evaluations(instance, refused.run_id)
    description = checks["every_account_mapped"].description
    assert (
        "account type deferred_revenue is not mapped for subsidiary 1 (needed for " in description
    )
    assert (
        "account type deferred_revenue is not mapped for subsidiary 3 (needed for " in description
    )
    assert f"for subsidiary {uk} " not in description
    assert sb.stats.journal_requests == 0 and held_entries(sb, OCTOBER) == {}


def test_an_account_netsuite_does_not_allow_for_a_subsidiary_is_netsuites_sentence(oneworld):
    sb, store, instance = oneworld
    manifest = sb.manifest
    not_uk = manifest["subsidiary_accounts"]["non_uk_deferred_revenue"]
    uk = manifest["subsidiary_ids"]["uk"]
    replace_mapping(
        store, parse_mapping_csv(oneworld_mapping(manifest, deferred=str(not_uk), uk=False))
    )
    close_period(store, OCTOBER)
    refused = post(instance, OCTOBER)
    assert not refused.success
    summary = refused.summary()
    entry = f"revrec-{OCTOBER}-revenue-S{uk}-GBP-1"  # UK Ltd billed nothing in October
    assert f"{entry}: NetSuite answered 400" in summary
    assert f"Invalid account reference key {not_uk} for subsidiary {uk}." in summary
    # The other subsidiaries' entries posted; only UK Ltd's failed, nothing duplicated.
    states = {p["external_id"]: p["status"] for p in postings(store, OCTOBER)}
    assert {e for e, s in states.items() if s == "failed"} == {e for e in states if f"-S{uk}-" in e}
    assert {e for e, s in states.items() if s == "posted"} == set(held_entries(sb, OCTOBER))


def test_an_account_without_oneworld_keeps_todays_ids_and_sends_no_subsidiary(
    small_dataset, tmp_path, monkeypatch, sqlite_database_url
):
    with NetSuiteSandbox(SandboxConfig(oneworld=False), small_dataset) as sb:
        for name, value in sandbox_environment(sb, tmp_path / "home", sqlite_database_url).items():
            monkeypatch.setenv(name, value)
        store = RevRecStore(sqlite_database_url)
        store.create_all()
        customers, orders = small_dataset.write_crm_csv(tmp_path / "crm")
        import_crm_files(store, Path(customers), Path(orders))
        with dg.instance_for_test() as instance:
            set_go_live(store, OCTOBER)
            sync(instance)
            # No single-subsidiary row either: the account has no subsidiaries at all.
            mapping = "\n".join(
                ",".join(line.split(",")[:-1])
                for line in sandbox_mapping_csv(sb.manifest).splitlines()
            )
            replace_mapping(store, parse_mapping_csv(mapping + "\n"))
            close_period(store, OCTOBER)
            result = post(instance, OCTOBER)
            assert result.success, result.summary()
        ids = {p["external_id"] for p in postings(store, OCTOBER)}
        assert ids and all(
            len(eid.split("-")) == 6 and eid.split("-")[4] in {"USD", "EUR", "GBP"} for eid in ids
        ), ids
        assert {p["subsidiary"] for p in postings(store, OCTOBER)} == {""}
        assert all("subsidiary" not in e for e in held_entries(sb, OCTOBER).values())
        assert store.count("netsuite_subsidiary") == 0
        with store.read() as conn:
            assert set(
                conn.execute(select(schema.billing_schedule_line.c.subsidiary_id)).scalars()
            ) == {None}
