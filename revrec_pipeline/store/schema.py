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
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

metadata = MetaData()

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
    Column("net_amount_cents", BigInteger),  # base currency, GL sign
    Column("memo", Text),
    Column("department", BigInteger),
    Column("class_id", BigInteger),
    Column("location", BigInteger),
    Column("revrec_start_date", Date),
    Column("revrec_end_date", Date),
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
)
