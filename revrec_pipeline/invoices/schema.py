"""Pandera schema of the billing schedule: the contract the store load and the workbook rely on."""

from __future__ import annotations

import pandera.pandas as pa

billing_schedule_schema = pa.DataFrameSchema(
    {
        "customer_id": pa.Column(str, nullable=False),
        "document_type": pa.Column(str, pa.Check.isin(["Invoice", "Credit Memo"])),
        "netsuite_id": pa.Column("int64"),
        "line_id": pa.Column("int64"),
        "netsuite_customer_id": pa.Column("int64"),
        "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}-(0[1-9]|1[0-2])$")),
        "amount_cents": pa.Column("int64"),
        "currency": pa.Column(str, pa.Check.str_length(3, 3), nullable=False),
    },
    unique=["netsuite_id", "line_id"],
    strict=False,
    coerce=False,
    name="BillingSchedule",
)
