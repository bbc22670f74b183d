"""Group `netsuite`: incremental extracts of customers, items, invoices and credit memos.

Each extract carries a freshness policy: the daily sync refreshes it every 24 hours, so 26 hours
without a materialization (a missed or failed sync, with two hours of slack) fails its freshness.
Dagster's freshness daemon evaluates it (`dagster dev`, `dagster-daemon run`); no sensor or run
is needed.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from revrec_pipeline.assets import metadata as md
from revrec_pipeline.netsuite.extract import Extractor, StreamResult
from revrec_pipeline.netsuite.queries import CREDIT_MEMO, INVOICE
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.store.db import StoreResource

GROUP = "netsuite"
POOL = "netsuite"  # every NetSuite call of the deployment shares this pool (SPEC §8)
STALE_AFTER = timedelta(hours=26)
_EXTRACT = {
    "group_name": GROUP,
    "pool": POOL,
    "kinds": {"netsuite", "sql"},  # pulled from NetSuite into the RevRec store
    "owners": md.OWNERS,
    "tags": {"layer": "extract"},
    "freshness_policy": dg.FreshnessPolicy.time_window(fail_window=STALE_AFTER),
}


def _extractor(
    context: dg.AssetExecutionContext, netsuite: NetSuiteResource, store: StoreResource
) -> Extractor:
    return Extractor(
        netsuite.get_client(log=context.log.warning),
        store.get_store(),
        zone=ZoneInfo(netsuite.timezone),
        overlap=timedelta(minutes=netsuite.overlap_minutes),
        progress=context.log.info,
    )


def _result(result: StreamResult, stored_rows: int) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": stored_rows, **result.metadata()})


@dg.asset(**_EXTRACT)
def netsuite_customers(
    context: dg.AssetExecutionContext, netsuite: NetSuiteResource, store: StoreResource
) -> dg.MaterializeResult:
    """NetSuite customers (companies and individuals), incremental by lastmodifieddate."""
    result = _extractor(context, netsuite, store).extract_customers()
    return _result(result, store.get_store().count("netsuite_customer"))


@dg.asset(**_EXTRACT)
def netsuite_items(
    context: dg.AssetExecutionContext, netsuite: NetSuiteResource, store: StoreResource
) -> dg.MaterializeResult:
    """NetSuite items (name, display name, type), incremental by lastmodifieddate."""
    result = _extractor(context, netsuite, store).extract_items()
    return _result(result, store.get_store().count("netsuite_item"))


def _transactions(context, netsuite, store, tran_type: str) -> dg.MaterializeResult:
    extractor = _extractor(context, netsuite, store)
    result = extractor.extract_transactions(tran_type)
    extractor.extract_currencies(when_needed=True)
    extractor.extract_subsidiaries(when_needed=True)
    db = store.get_store()
    return _result(result, db.count_documents(tran_type))


@dg.asset(**_EXTRACT)
def netsuite_invoices(
    context: dg.AssetExecutionContext, netsuite: NetSuiteResource, store: StoreResource
) -> dg.MaterializeResult:
    """Posted, approved, non-voided invoices (open or paid) with their lines; each line says
    whether it is a billing line (SPEC §4) and why (itemtype, iscogs, donotdisplayline)."""
    return _transactions(context, netsuite, store, INVOICE)


@dg.asset(**_EXTRACT)
def netsuite_credit_memos(
    context: dg.AssetExecutionContext, netsuite: NetSuiteResource, store: StoreResource
) -> dg.MaterializeResult:
    """Posted credit memos, standalone or created from an invoice (createdfrom), with their
    lines and each line's billing flag (SPEC §4)."""
    return _transactions(context, netsuite, store, CREDIT_MEMO)


netsuite_assets = [netsuite_customers, netsuite_items, netsuite_invoices, netsuite_credit_memos]
