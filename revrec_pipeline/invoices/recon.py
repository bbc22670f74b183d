"""Invoice reconciliation (SPEC §6, §12): per period, subsidiary, customer and currency, and
per period, subsidiary and currency,

    NetSuite Amount = RevRec Amount + Pending Amount + Excluded Amount + Difference

with Status OK exactly when Difference is 0. Integer cents throughout: no float tolerance.
"""

from __future__ import annotations

import pandas as pd

KEY = ["period", "subsidiary_id", "netsuite_customer_id", "currency"]
NO_SUBSIDIARY = -1  # the key of lines without one (an account without OneWorld)
AMOUNTS = ["netsuite_cents", "revrec_cents", "pending_cents", "excluded_cents", "difference_cents"]
DETAIL_COLUMNS = [
    "period",
    "netsuite_customer_id",
    "netsuite_customer_name",
    "customer_id",
    "currency",
    *AMOUNTS,
    "status",
    "subsidiary_id",
    "subsidiary_name",
]
SUMMARY_COLUMNS = [
    "period",
    "currency",
    *AMOUNTS,
    "customers",
    "status",
    "subsidiary_id",
    "subsidiary_name",
]


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    columns = frame.reindex(columns=[*KEY, "amount_cents"])
    columns["subsidiary_id"] = columns["subsidiary_id"].astype("Int64").fillna(NO_SUBSIDIARY)
    columns["amount_cents"] = pd.to_numeric(columns["amount_cents"]).astype("Int64")
    return columns


def _sum(frame: pd.DataFrame, name: str) -> pd.Series:
    # dropna=False: a line with a missing key (say, an unknown currency) must still be counted.
    return _keyed(frame).groupby(KEY, dropna=False)["amount_cents"].sum().rename(name)


def _subsidiary_names(*frames: pd.DataFrame) -> dict[int, str]:
    names: dict[int, str] = {}
    for frame in frames:
        if "subsidiary_name" not in frame:
            continue
        for sub, name in zip(frame["subsidiary_id"], frame["subsidiary_name"], strict=True):
            if not pd.isna(sub) and isinstance(name, str):
                names.setdefault(int(sub), name)
    return names


def _subsidiary_output(frame: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    ids = frame["subsidiary_id"].astype("Int64")
    frame["subsidiary_id"] = ids.mask(ids == NO_SUBSIDIARY)
    frame["subsidiary_name"] = [
        None if pd.isna(i) else names.get(int(i)) for i in frame["subsidiary_id"]
    ]
    return frame


def recon_details(all_lines: pd.DataFrame, revrec_lines: pd.DataFrame) -> pd.DataFrame:
    """`all_lines`: classify_lines().all_lines (NetSuite's truth, with each line's class);
    `revrec_lines`: the billing lines the RevRec store holds (period, netsuite_customer_id,
    currency, amount_cents)."""
    parts = [
        _sum(all_lines, "netsuite_cents"),
        _sum(revrec_lines, "revrec_cents"),
        _sum(all_lines[all_lines["class"] == "pending"], "pending_cents"),
        _sum(all_lines[all_lines["class"] == "excluded"], "excluded_cents"),
    ]
    combined = pd.concat(parts, axis=1).fillna(0).astype("int64")
    combined.index.names = KEY
    details = combined.reset_index()
    if details.empty:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    details["difference_cents"] = (
        details["netsuite_cents"]
        - details["revrec_cents"]
        - details["pending_cents"]
        - details["excluded_cents"]
    )
    names = (
        pd.concat(
            [
                all_lines[["netsuite_customer_id", "netsuite_customer_name", "customer_id"]],
                revrec_lines.reindex(
                    columns=["netsuite_customer_id", "netsuite_customer_name", "customer_id"]
                ),
            ]
        )
        .drop_duplicates("netsuite_customer_id")
        .set_index("netsuite_customer_id")
    )
    details["netsuite_customer_name"] = details["netsuite_customer_id"].map(
        names["netsuite_customer_name"]
    )
    details["customer_id"] = details["netsuite_customer_id"].map(names["customer_id"])
    details["status"] = details["difference_cents"].map(lambda d: "OK" if d == 0 else "DIFFERENCE")
    details = details.sort_values(KEY, kind="stable").reset_index(drop=True)
    details = _subsidiary_output(details, _subsidiary_names(all_lines, revrec_lines))
    return details[DETAIL_COLUMNS]


def recon_summary(details: pd.DataFrame) -> pd.DataFrame:
    if details.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    keyed = details.assign(
        subsidiary_id=details["subsidiary_id"].astype("Int64").fillna(NO_SUBSIDIARY)
    )
    grouped = keyed.groupby(["period", "subsidiary_id", "currency"], dropna=False)
    summary = grouped[AMOUNTS].sum().astype("int64")
    summary["customers"] = grouped.size()
    summary = summary.reset_index()
    summary["status"] = summary["difference_cents"].map(lambda d: "OK" if d == 0 else "DIFFERENCE")
    summary = _subsidiary_output(summary, _subsidiary_names(details))
    return summary[SUMMARY_COLUMNS]


def failing_rows(details: pd.DataFrame) -> pd.DataFrame:
    return details[details["difference_cents"] != 0]


def _customer_label(row) -> str:
    name = row.netsuite_customer_name
    return str(name) if isinstance(name, str) and name else f"customer {row.netsuite_customer_id}"


def describe_differences(details: pd.DataFrame, limit: int = 20) -> str:
    """One sentence naming the offending customers and periods (for the blocking check)."""
    bad = failing_rows(details)
    if bad.empty:
        return "Every period and customer reconciles (difference 0)."
    items = [
        f"{r.period} {_customer_label(r)} ({r.currency}) {r.difference_cents / 100:+,.2f}"
        for r in bad.head(limit).itertuples()
    ]
    more = f" and {len(bad) - limit} more" if len(bad) > limit else ""
    return f"Recon difference in {len(bad)} period/customer row(s): {'; '.join(items)}{more}."
