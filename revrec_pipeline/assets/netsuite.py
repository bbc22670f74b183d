"""Group `netsuite`: incremental extracts of customers, items, invoices and credit memos.

The four extracts are one step (`netsuite_extracts`, a multi-asset that can be subset): a sync
runs their streams side by side within one NetSuite concurrency budget (SPEC §3), each stream
still committing on its own, so the daily sync waits for the longest stream, not their sum. A
stream that fails leaves the others materialized and fails the step.

Each extract carries a freshness policy: the daily sync refreshes it every 24 hours, so 26 hours
without a materialization (a missed or failed sync, with two hours of slack) fails its freshness.
Dagster's freshness daemon evaluates it (`dagster dev`, `dagster-daemon run`); no sensor or run
is needed.
"""

from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from revrec_pipeline.assets import metadata as md
from revrec_pipeline.netsuite.extract import (
    CREDIT_MEMOS,
    CUSTOMERS,
    DOCUMENT_TYPES,
    INVOICES,
    ITEMS,
    Extractor,
    StreamResult,
)
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.store.db import StoreResource

GROUP = "netsuite"
POOL = "netsuite"  # every NetSuite call of the deployment shares this pool (SPEC §8)
STALE_AFTER = timedelta(hours=26)

# Each extract asset and the stream that fills it.
EXTRACTS = {
    "netsuite_customers": (
        CUSTOMERS,
        "NetSuite customers (companies and individuals), incremental by lastmodifieddate.",
    ),
    "netsuite_items": (
        ITEMS,
        "NetSuite items (name, display name, type), incremental by lastmodifieddate.",
    ),
    "netsuite_invoices": (
        INVOICES,
        "Posted, approved, non-voided invoices (open or paid) with their lines; each line says "
        "whether it is a billing line (SPEC §4) and why (itemtype, iscogs, donotdisplayline).",
    ),
    "netsuite_credit_memos": (
        CREDIT_MEMOS,
        "Posted credit memos, standalone or created from an invoice (createdfrom), with their "
        "lines and each line's billing flag (SPEC §4).",
    ),
}


def _spec(name: str, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        name,
        description=description,
        group_name=GROUP,
        kinds={"netsuite", "sql"},  # pulled from NetSuite into the RevRec store
        owners=md.OWNERS,
        tags={"layer": "extract"},
        freshness_policy=dg.FreshnessPolicy.time_window(fail_window=STALE_AFTER),
        skippable=True,  # a subset, or a stream that failed while the others committed
    )


def _stored_rows(store, stream: str) -> int:
    if stream in DOCUMENT_TYPES:
        return store.count_documents(DOCUMENT_TYPES[stream])
    return store.count("netsuite_customer" if stream == CUSTOMERS else "netsuite_item")


def _metadata(result: StreamResult, stored_rows: int) -> dict:
    return {
        "dagster/row_count": stored_rows,
        **result.metadata(),
        "seconds": round(result.finished_s - result.started_s, 3),
        "waited_for_writer_s": round(result.waited_s, 3),
    }


@dg.multi_asset(
    specs=[_spec(name, description) for name, (_, description) in EXTRACTS.items()],
    name="netsuite_extracts",
    can_subset=True,
    pool=POOL,
)
def netsuite_extracts(
    context: dg.AssetExecutionContext, netsuite: NetSuiteResource, store: StoreResource
) -> Iterator[dg.MaterializeResult]:
    """The selected NetSuite streams, side by side; then currencies and subsidiaries where a
    stored row names one the store lacks."""
    selected = [name for name in EXTRACTS if dg.AssetKey(name) in context.selected_asset_keys]
    db = store.get_store()
    extractor = Extractor(
        netsuite.get_client(log=context.log.warning),
        db,
        zone=ZoneInfo(netsuite.timezone),
        overlap=timedelta(minutes=netsuite.overlap_minutes),
        progress=context.log.info,
    )
    sync = extractor.extract_all([EXTRACTS[name][0] for name in selected])
    for name in selected:
        stream = EXTRACTS[name][0]
        if stream in sync.streams:
            result = sync.streams[stream]
            yield dg.MaterializeResult(
                asset_key=name, metadata=_metadata(result, _stored_rows(db, stream))
            )
    context.log.info(
        f"NetSuite sync: {sync.request_stats.get('requests', 0)} requests in "
        f"{sync.seconds:.1f} s; currencies refreshed {sync.currencies}, "
        f"subsidiaries refreshed {sync.subsidiaries}"
    )
    sync.raise_failures()


netsuite_assets = [netsuite_extracts]
