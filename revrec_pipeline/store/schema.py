"""Tables of the RevRec store. Money is integer cents (exact on SQLite and PostgreSQL alike);
timestamps are naive UTC."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

metadata = MetaData()


def _serial_id() -> Column:
    """An auto-incrementing id: BIGINT on PostgreSQL, INTEGER (the rowid) on SQLite."""
    return Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


# -- NetSuite extracts (SPEC §4) -----------------------------------------------------------------

netsuite_customer = Table(
    "netsuite_customer",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("entityid", String(255)),
    Column("companyname", String(255)),
    Column("altname", String(255)),
    Column("isperson", Boolean, nullable=False, default=False),
    Column("firstname", String(255)),
    Column("lastname", String(255)),
    Column("externalid", String(255)),
    Column("subsidiary", BigInteger),  # primary subsidiary (OneWorld; NULL without it)
    Column("last_modified_at", DateTime, nullable=False),
)

netsuite_item = Table(
    "netsuite_item",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("itemid", String(255)),
    Column("displayname", String(255)),
    Column("itemtype", String(64)),
    Column("last_modified_at", DateTime, nullable=False),
)

netsuite_currency = Table(
    "netsuite_currency",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("symbol", String(16), nullable=False),
)

# OneWorld only: NetSuite's `subsidiary` table (SPEC §12).
netsuite_subsidiary = Table(
    "netsuite_subsidiary",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(255)),
    Column("currency", BigInteger),  # base currency id
    Column("parent", BigInteger),
    Column("is_elimination", Boolean, nullable=False, default=False),
    Column("is_inactive", Boolean, nullable=False, default=False),
)

netsuite_transaction = Table(
    "netsuite_transaction",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(16), nullable=False),  # CustInvc / CustCred
    Column("tranid", String(64)),
    Column("trandate", Date, nullable=False),
    Column("entity", BigInteger, nullable=False),
    Column("status", String(8)),
    Column("currency", BigInteger),
    Column("subsidiary", BigInteger),  # the mainline's (OneWorld; NULL without it)
    Column("exchangerate", Numeric(24, 12)),
    Column("createdfrom", BigInteger),
    Column("approvalstatus", String(8)),
    Column("last_modified_at", DateTime, nullable=False),
    Index("ix_netsuite_transaction_type_entity", "type", "entity"),
)

netsuite_transaction_line = Table(
    "netsuite_transaction_line",
    metadata,
    Column(
        "transaction_id",
        BigInteger,
        ForeignKey("netsuite_transaction.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("line_id", BigInteger, primary_key=True, autoincrement=False),
    Column("uniquekey", BigInteger),
    Column("item", BigInteger),
    Column("quantity", Numeric(24, 8)),
    Column("rate", Numeric(24, 8)),
    Column("foreign_amount_cents", BigInteger, nullable=False),  # document currency, GL sign
    Column("net_amount_cents", BigInteger),  # also document currency (reference §9), GL sign
    Column("memo", Text),
    Column("department", BigInteger),
    Column("class_id", BigInteger),
    Column("location", BigInteger),
    Column("revrec_start_date", Date),
    Column("revrec_end_date", Date),
    # Why a line is or is not billed (SPEC §4), kept so that a user can audit it.
    Column("itemtype", String(32)),
    Column("iscogs", Boolean, nullable=False, default=False),
    Column("donotdisplayline", Boolean, nullable=False, default=False),
    Column("is_billing_line", Boolean, nullable=False, default=True),
    Column("line_last_modified_at", DateTime),  # UTC
)

# What the NetSuite account has (features, optional columns), from `revrec connect` or a sync.
netsuite_account_profile = Table(
    "netsuite_account_profile",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("profile", Text, nullable=False),  # AccountProfile.to_json()
    Column("discovered_at", DateTime, nullable=False),  # UTC
)

# Incremental extraction state: a watermark advances only in the transaction that commits data.
sync_state = Table(
    "sync_state",
    metadata,
    Column("stream", String(64), primary_key=True),
    Column("watermark_at", DateTime),  # UTC
    Column("updated_at", DateTime, nullable=False),
)

# -- CRM (SPEC §5) -----------------------------------------------------------------------------

crm_customer = Table(
    "crm_customer",
    metadata,
    Column("customer_id", String(255), primary_key=True),
    Column("customer_name", String(512), nullable=False),
)

crm_sales_order_line = Table(
    "crm_sales_order_line",
    metadata,
    Column("order_number", String(255), primary_key=True),
    Column("order_item_number", String(255), primary_key=True),
    Column("customer_id", String(255), ForeignKey("crm_customer.customer_id"), nullable=False),
    Column("product_code", String(255), nullable=False),
    Column("service_start_date", Date, nullable=False),
    Column("service_end_date", Date, nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("recognition", String(16), nullable=False),
    Column("subsidiary", BigInteger),  # OneWorld; NULL: the matched customer's primary one
)

# -- invoice flow (SPEC §6) ----------------------------------------------------------------------

# The billing schedule loaded into RevRec: one row per NetSuite item line.
billing_schedule_line = Table(
    "billing_schedule_line",
    metadata,
    Column("netsuite_id", BigInteger, primary_key=True, autoincrement=False),
    Column("line_id", BigInteger, primary_key=True, autoincrement=False),
    Column("netsuite_customer_id", BigInteger, nullable=False),
    Column("netsuite_customer_name", String(512)),
    Column("customer_id", String(255), nullable=False),
    Column("customer_name", String(512)),
    Column("document_type", String(32), nullable=False),
    Column("document_number", String(64)),
    Column("document_date", Date, nullable=False),
    Column("period", String(7), nullable=False),
    Column("product_code", String(255)),
    Column("product_name", String(512)),
    Column("quantity", Numeric(24, 8)),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3)),
    Column("service_start_date", Date),
    Column("service_end_date", Date),
    Column("status", String(32)),
    Column("subsidiary_id", BigInteger),  # the document's (OneWorld; NULL without it)
    Column("subsidiary_name", String(255)),
    Column("source", String(16), nullable=False),  # sync / import-bulk
    Column("loaded_at", DateTime, nullable=False),
    Index("ix_billing_schedule_line_customer_period", "customer_id", "period"),
)

# Accounting periods YYYY-MM: the first one set is go-live (SPEC §7).
accounting_period = Table(
    "accounting_period",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("status", String(8), nullable=False),  # open / closed
    Column("opened_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
)

# One row per invoice job (sync run, conversion run or bulk import): `revrec jobs`.
invoice_job = Table(
    "invoice_job",
    metadata,
    _serial_id(),
    Column("run_id", String(64)),
    Column("kind", String(16), nullable=False),  # conversion / sync / import-bulk
    Column("created_at", DateTime, nullable=False),
    Column("billing_lines", BigInteger, nullable=False),
    Column("pending_lines", BigInteger, nullable=False),
    Column("excluded_cents", BigInteger, nullable=False),
    Column("recon_status", String(16), nullable=False),  # OK / DIFFERENCE / n/a
    Column("recon_difference_cents", BigInteger, nullable=False),
    Column("file", Text),
)

# -- journals (SPEC §7) --------------------------------------------------------------------------

journal_mapping = Table(
    "journal_mapping",
    metadata,
    Column("account_type", String(32), primary_key=True),
    Column("product_code", String(255), primary_key=True),  # "" = default row
    Column("netsuite_account_id", String(32), nullable=False),
    Column("segments", Text, nullable=False),  # JSON [[field id, internal id], ...]
    Column("subsidiary", String(32), primary_key=True),  # "" = every subsidiary
)

# Every close of a period: the period-close sensor launches one posting run per row.
period_close = Table(
    "period_close",
    metadata,
    _serial_id(),
    Column("period", String(7), nullable=False),
    Column("closed_at", DateTime, nullable=False),
)

notice = Table(
    "notice",
    metadata,
    _serial_id(),
    Column("period", String(7)),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# A period's posting plan, frozen when first computed: what it posts per customer, currency,
# product and event. Later periods subtract these ("everything already posted").
journal_detail = Table(
    "journal_detail",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("event", String(16), primary_key=True),
    Column("customer_id", String(255), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("product_code", String(255), primary_key=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("subsidiary", String(32), primary_key=True, server_default=""),  # "": no OneWorld
)

# One row per period whose plan is frozen, even when it posts nothing (a quiet month, or
# details that net to zero on every account).
journal_plan = Table(
    "journal_plan",
    metadata,
    Column("period", String(7), primary_key=True),
    Column("entries", Integer, nullable=False),
    Column("planned_at", DateTime, nullable=False),
)


def _entry_columns() -> list[Column]:
    """A planned journal entry with its posting state (the plan's, and a superseded plan's)."""
    return [
        Column("external_id", String(128), primary_key=True),
        Column("period", String(7), nullable=False, index=True),
        Column("event", String(16), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("sequence", Integer, nullable=False),
        Column("tran_date", Date, nullable=False),
        Column("line_count", Integer, nullable=False),
        Column("debit_cents", BigInteger, nullable=False),
        Column("credit_cents", BigInteger, nullable=False),
        Column("lines", Text, nullable=False),  # JSON of its lines (account, cents, segments)
        Column("status", String(16), nullable=False),  # planned / posted / failed / pending
        Column("netsuite_id", String(32)),
        Column("posted_at", DateTime),
        Column("verified", Boolean, nullable=False, default=False),
        Column("error", Text),
        Column("subsidiary", String(32), nullable=False, server_default=""),  # "": no OneWorld
    ]


journal_posting = Table("journal_posting", metadata, *_entry_columns())

# -- close cycle (SPEC §11) ----------------------------------------------------------------------

# Every reopen of a period: the plan it superseded (kept below, never deleted).
period_reopen = Table(
    "period_reopen",
    metadata,
    _serial_id(),
    Column("period", String(7), nullable=False, index=True),
    Column("reopened_at", DateTime, nullable=False),
    Column("planned_at", DateTime),  # when the superseded plan was frozen (None: never planned)
    Column("entries", Integer, nullable=False),
)

# The superseded plan's entries as they stood at the reopen. `settled` says what the re-close
# did with each one in NetSuite: replaced (the new plan has its external id), deleted, or
# absent (NetSuite did not hold it); None until the re-close has settled it.
superseded_journal_posting = Table(
    "superseded_journal_posting",
    metadata,
    Column(
        "reopen_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("period_reopen.id"),
        primary_key=True,
        autoincrement=False,
    ),
    *_entry_columns(),
    Column("settled", String(16)),
    Column("settled_at", DateTime),
)

superseded_journal_detail = Table(
    "superseded_journal_detail",
    metadata,
    Column(
        "reopen_id",
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("period_reopen.id"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("period", String(7), nullable=False),
    Column("event", String(16), primary_key=True),
    Column("customer_id", String(255), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("product_code", String(255), primary_key=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("subsidiary", String(32), primary_key=True, server_default=""),
)

# Every GL tie-out of a period (the `gl_tieout` check): the latest one is what `revrec status`,
# `revrec journals post` and the close workbook's TieOut tab show.
gl_tieout = Table(
    "gl_tieout",
    metadata,
    _serial_id(),
    Column("period", String(7), nullable=False, index=True),
    Column("checked_at", DateTime, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("entries_checked", Integer, nullable=False),
    Column("result", Text, nullable=False),  # JSON: findings, differences, GL balances
)
