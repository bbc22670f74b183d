"""Data helpers for tests: change NetSuite data the way users do in the UI.

Every change stamps `lastmodifieddate` (account-local wall time) so incremental extracts see it;
line changes bump their header too unless told not to (a line can change alone, reference §9).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from .deleted import deleted_row
from .reference_data import STRUCTURAL_TYPES

_CENT = Decimal("0.01")
SEGMENT_FEATURES = {"department": "departments", "class": "classes", "location": "locations"}
FLAGS = ("iscogs", "donotdisplayline", "transactiondiscount")


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP)


class DataMutations:
    """Mixed into NetSuiteSandbox; relies on its `_conn`, `_write_lock`, `_stamp`, `_update`."""

    # --- transactions -------------------------------------------------------------------

    def update_transaction(
        self, tran_id: int, modified_at: datetime | None = None, **header_fields
    ):
        fields = {**header_fields, "lastmodifieddate": self._stamp(modified_at)}
        self._update("transaction", "id = ?", (tran_id,), fields)

    def update_line(
        self,
        tran_id: int,
        line_id: int,
        modified_at: datetime | None = None,
        touch_header: bool = True,
        **line_fields,
    ) -> None:
        """Change one line; with touch_header=False only its `linelastmodifieddate` moves."""
        stamp = self._stamp(modified_at)
        fields = {**line_fields, "linelastmodifieddate": stamp}
        self._update("transactionline", '"transaction" = ? AND id = ?', (tran_id, line_id), fields)
        if touch_header:
            self.update_transaction(tran_id, modified_at=datetime.fromisoformat(stamp))

    def edit_journal_line(
        self,
        external_id: str,
        line_id: int,
        amount,
        modified_at: datetime | None = None,
        *,
        balance_with: int | None = None,
    ) -> None:
        """A user changes one journal line's amount in NetSuite's UI, on the side (debit or
        credit) the line already has; its signed amounts follow (GL view: debit positive).

        NetSuite never holds an unbalanced journal, so a user who changes one line changes
        another by the same amount: `balance_with` names that line, which must be on the other
        side; it moves by the same difference, so the entry stays balanced. Without it only
        the one line changes (a test then edits the opposite line itself)."""
        lines = self._journal_lines(external_id)
        if line_id not in lines:
            raise KeyError(f"journal entry {external_id} has no line {line_id}")
        tran_id, side, old = lines[line_id]
        value = _cents(amount)
        changes = [(line_id, side, value)]
        if balance_with is not None:
            if balance_with not in lines:
                raise KeyError(f"journal entry {external_id} has no line {balance_with}")
            _, other_side, other_old = lines[balance_with]
            if other_side == side:
                raise ValueError(
                    f"Lines {line_id} and {balance_with} of journal entry {external_id} are both "
                    f"{side}s; a balancing edit needs a debit line and a credit line."
                )
            moved = other_old + (value - old)
            if moved < 0:
                raise ValueError(
                    f"Line {balance_with} of journal entry {external_id} would go negative "
                    f"({moved}); edit a smaller amount."
                )
            changes.append((balance_with, other_side, moved))
        for number, line_side, cents in changes:
            signed = cents if line_side == "debit" else -cents
            self.update_line(
                tran_id,
                number,
                modified_at=modified_at,
                **{
                    line_side: float(cents),
                    "foreignamount": float(signed),
                    "netamount": float(signed),
                },
            )

    def _journal_lines(self, external_id: str) -> dict[int, tuple[int, str, Decimal]]:
        """Line id → (transaction id, side, amount) of a journal entry's lines."""
        with self._conn() as conn:
            rows = conn.execute(
                'SELECT t.id, tl.id, tl.debit, tl.credit FROM "transaction" t JOIN transactionline '
                "tl ON tl.\"transaction\" = t.id WHERE t.type = 'Journal' AND t.externalid = ?",
                (external_id,),
            ).fetchall()
        return {
            int(line): (
                tran,
                "debit" if debit is not None else "credit",
                _cents(debit if debit is not None else credit),
            )
            for tran, line, debit, credit in rows
        }

    def delete_line(self, tran_id: int, line_id: int, modified_at: datetime | None = None) -> None:
        with self._write_lock, self._conn() as conn:
            cursor = conn.execute(
                'DELETE FROM transactionline WHERE "transaction" = ? AND id = ?', (tran_id, line_id)
            )
            if cursor.rowcount == 0:
                raise KeyError(f"transaction {tran_id} has no line {line_id}")
        self.update_transaction(tran_id, modified_at=modified_at)

    def delete_transaction(self, tran_id: int, deleted_at: datetime | None = None) -> None:
        """Remove header and lines and log it in DeletedRecord (record type id and the
        `type` / `deleteddate` forms the config names)."""
        stamp = self._stamp(deleted_at)
        with self._write_lock, self._conn() as conn:
            row = conn.execute(
                'SELECT recordtype, tranid, externalid FROM "transaction" WHERE id = ?', (tran_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"no transaction {tran_id}")
            conn.execute('DELETE FROM transactionline WHERE "transaction" = ?', (tran_id,))
            conn.execute('DELETE FROM "transaction" WHERE id = ?', (tran_id,))
            self._log_deletion(conn, tran_id, row[0], f"#{row[1]}", row[2], stamp)

    def _log_deletion(self, conn, recordid, recordtypeid, name, externalid, stamp) -> None:
        cfg = self.config
        record = deleted_row(
            recordid,
            recordtypeid,
            name,
            stamp,
            externalid,
            form=cfg.deleted_type_form,
            zone=cfg.deleted_date_zone,
            timezone=cfg.timezone,
        )
        _insert(conn, "deletedrecord", record)

    def add_invoice(
        self,
        customer_id: int,
        lines: list[dict],
        trandate: date,
        currency: str | int = "USD",
        modified_at: datetime | None = None,
        **header,
    ) -> int:
        """A posting invoice: mainline, item lines (negative, GL view) and a tax line.

        A line is {"item": id or itemid, "amount": ..., optional "quantity", "rate", "start",
        "end", "memo", "account", segments, and the flags iscogs / donotdisplayline /
        transactiondiscount (True or 'T')}. Subtotal, Group, EndGroup and Description lines
        (by the item's type, or "itemtype": "EndGroup") are kept out of the A/R total, as
        NetSuite keeps them; a Discount line carries the opposite sign of an item line."""
        return self._add_document(
            "CustInvc", customer_id, lines, trandate, currency, modified_at, None, header
        )

    def add_credit_memo(
        self,
        customer_id: int,
        lines: list[dict],
        trandate: date,
        created_from: int | None = None,
        currency: str | int = "USD",
        modified_at: datetime | None = None,
        **header,
    ) -> int:
        """A credit memo: item lines positive, mainline negative (mirror of an invoice)."""
        return self._add_document(
            "CustCred", customer_id, lines, trandate, currency, modified_at, created_from, header
        )

    def _add_document(
        self, kind, customer_id, lines, trandate, currency, modified_at, created_from, header
    ) -> int:
        stamp = self._stamp(modified_at)
        sign = Decimal(-1 if kind == "CustInvc" else 1)
        tax = _cents(header.pop("tax", 0))
        with self._write_lock, self._conn() as conn:
            cur_id, rate = self._currency(conn, currency)
            rate = float(header.pop("exchangerate", rate))
            tran_id = self._next_id(conn, "transaction", "<>")
            items = {r[1]: r for r in conn.execute("SELECT id, itemid, itemtype FROM item")}
            items.update({r[0]: r for r in list(items.values())})
            body = [self._line_row(ln, sign, items) for ln in lines]
            for line in body:
                self._check_segments(line)
            tax_item = next(r for r in items.values() if r[2] == "TaxGroup")
            body.append(
                {
                    "item": tax_item[0],
                    "itemtype": "TaxGroup",
                    "taxline": "T",
                    "cents": sign * tax,
                    "account": 70,
                    "memo": "Sales Tax",
                    "posts": True,
                }
            )
            main = -sum((b["cents"] for b in body if b["posts"]), Decimal(0))
            number = conn.execute(
                'SELECT COUNT(*) + 1 FROM "transaction" WHERE type = ?', (kind,)
            ).fetchone()[0]
            tranid = header.pop("tranid", f"{'INV' if kind == 'CustInvc' else 'CM'}-T{number:05d}")
            row = {
                "id": tran_id,
                "tranid": tranid,
                "transactionnumber": tranid,
                "type": kind,
                "recordtype": "invoice" if kind == "CustInvc" else "creditmemo",
                "trandate": f"{trandate.isoformat()} 00:00:00",
                "entity": customer_id,
                "status": "A",
                "currency": cur_id,
                "exchangerate": rate,
                "foreigntotal": float(main),
                "posting": "T",
                "voided": "F",
                "approvalstatus": 2,
                "postingperiod": self._period(conn, trandate),
                "subsidiary": 1,
                "createddate": stamp,
                "lastmodifieddate": stamp,
            }
            row.update({k.lower(): _plain(v) for k, v in header.items()})
            _insert(conn, "transaction", row)
            mainline = {
                "item": None,
                "itemtype": None,
                "taxline": "F",
                "cents": main,
                "account": 1,
                "createdfrom": created_from,  # NetSuite holds the source on the mainline row
            }
            for n, line in enumerate([mainline, *body]):
                _insert(conn, "transactionline", _line_db(line, n, row, stamp))
        return tran_id

    def _line_row(self, line: dict, sign: Decimal, items: dict) -> dict:
        item = items[line["item"]]
        itemtype = line.get("itemtype", item[2])
        qty = Decimal(str(line.get("quantity", 1)))
        amount = _cents(line.get("amount", 0))
        priced = itemtype not in ("Discount", *STRUCTURAL_TYPES)
        out = {
            "item": item[0],
            "itemtype": itemtype,
            "taxline": "F",
            "cents": sign * amount,
            "quantity": float(sign * qty) if priced else None,
            "rate": float(line.get("rate", amount / qty if qty else amount)) if priced else None,
            "start": line.get("start"),
            "end": line.get("end"),
            "memo": line.get("memo"),
            "account": line.get("account", None if itemtype in STRUCTURAL_TYPES else 58),
            "posts": itemtype not in STRUCTURAL_TYPES,
        }
        if itemtype == "Discount":
            out["cents"] = -sign * amount  # a discount carries the opposite sign
        if itemtype in ("Group", "Description") and "amount" not in line:
            out["cents"] = None
        for flag in FLAGS:
            out[flag] = "T" if line.get(flag) in (True, "T") else "F"
        for seg, feature in SEGMENT_FEATURES.items():
            out[seg] = line.get(seg, 1 if getattr(self.config, feature) else None)
        return out

    def _check_segments(self, line: dict) -> None:
        for seg, feature in SEGMENT_FEATURES.items():
            if line[seg] is not None and not getattr(self.config, feature):
                raise ValueError(f"a {seg} was given, but this sandbox has {feature} off")

    @staticmethod
    def _currency(conn, currency) -> tuple[int, float]:
        column = "id" if isinstance(currency, int) else "symbol"
        row = conn.execute(
            f"SELECT id, exchangerate FROM currency WHERE {column} = ?", (currency,)
        ).fetchone()
        if row is None:
            raise KeyError(f"unknown currency {currency!r}")
        return row[0], row[1]

    @staticmethod
    def _period(conn, day: date) -> int | None:
        row = conn.execute(
            "SELECT id FROM accountingperiod WHERE isquarter = 'F' AND isyear = 'F' "
            "AND startdate <= ? AND enddate >= ?",
            (f"{day} 00:00:00", f"{day} 00:00:00"),
        ).fetchone()
        return row[0] if row else None

    @staticmethod
    def _next_id(conn, table: str, customers: str) -> int:
        """Past every live and deleted id of the kind (`=` customers, `<>` transactions)."""
        kind = "LOWER(COALESCE(recordtypeid, type))"
        return conn.execute(
            f'SELECT MAX(m) + 1 FROM (SELECT MAX(id) AS m FROM "{table}" UNION ALL '
            f"SELECT MAX(recordid) FROM deletedrecord WHERE {kind} {customers} 'customer' "
            "UNION ALL SELECT 100)"
        ).fetchone()[0]

    # --- customers ----------------------------------------------------------------------

    def update_customer(self, customer_id: int, modified_at: datetime | None = None, **fields):
        self._update(
            "customer",
            "id = ?",
            (customer_id,),
            {**fields, "lastmodifieddate": self._stamp(modified_at)},
        )

    def add_customer(
        self,
        companyname: str | None = None,
        firstname: str | None = None,
        lastname: str | None = None,
        externalid: str | None = None,
        modified_at: datetime | None = None,
        **fields,
    ) -> int:
        """A company (companyname) or an individual (firstname + lastname)."""
        stamp = self._stamp(modified_at)
        person = companyname is None
        with self._write_lock, self._conn() as conn:
            cid = self._next_id(conn, "customer", "=")
            row = {
                "id": cid,
                "entityid": f"C{cid:05d}",
                "companyname": companyname,
                "altname": companyname if not person else f"{firstname} {lastname}",
                "isperson": "T" if person else "F",
                "firstname": firstname,
                "lastname": lastname,
                "externalid": externalid,
                "currency": 1,
                "subsidiary": 1,
                "isinactive": "F",
                "datecreated": stamp,
                "lastmodifieddate": stamp,
            }
            row.update({k.lower(): _plain(v) for k, v in fields.items()})
            _insert(conn, "customer", row)
        return cid

    def delete_customer(self, customer_id: int, deleted_at: datetime | None = None) -> None:
        stamp = self._stamp(deleted_at)
        with self._write_lock, self._conn() as conn:
            row = conn.execute(
                "SELECT altname, externalid FROM customer WHERE id = ?", (customer_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"no customer {customer_id}")
            conn.execute("DELETE FROM customer WHERE id = ?", (customer_id,))
            self._log_deletion(conn, customer_id, "customer", row[0], row[1], stamp)

    # --- periods ------------------------------------------------------------------------

    def set_period_closed(self, period: str, closed: bool = True) -> None:
        """Close (or reopen) a month: 'Oct 2026' or '2026-10'."""
        flag = "T" if closed else "F"
        if len(period) == 7 and period[4] == "-":
            where, key = "substr(startdate, 1, 7) = ?", period
        else:
            where, key = "periodname = ?", period
        self._update(
            "accountingperiod",
            f"isquarter = 'F' AND isyear = 'F' AND {where}",
            (key,),
            {"closed": flag, "alllocked": flag, "arlocked": flag, "aplocked": flag},
        )


def _plain(value):
    if isinstance(value, bool):
        return "T" if value else "F"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return f"{value.isoformat()} 00:00:00"
    if isinstance(value, Decimal):
        return float(value)
    return value


def _insert(conn, table: str, row: dict) -> None:
    cols = ", ".join(f'"{k}"' for k in row)
    conn.execute(
        f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" * len(row))})', list(row.values())
    )


def _line_db(line: dict, n: int, header: dict, stamp: str) -> dict:
    cents = line["cents"]
    return {
        "transaction": header["id"],
        "id": n,
        "linesequencenumber": n,
        "mainline": "T" if n == 0 else "F",
        "taxline": line["taxline"],
        "item": line["item"],
        "itemtype": line["itemtype"],
        "quantity": line.get("quantity"),
        "rate": line.get("rate"),
        # both in the document's currency (reference §9)
        "netamount": None if cents is None else float(cents),
        "foreignamount": None if cents is None else float(cents),
        "account": line.get("account"),
        "memo": line.get("memo"),
        "entity": header["entity"],
        "subsidiary": 1,
        "department": line.get("department"),
        "class": line.get("class"),
        "location": line.get("location"),
        "createdfrom": line.get("createdfrom"),
        "revrecstartdate": _plain(line.get("start")),
        "revrecenddate": _plain(line.get("end")),
        "linelastmodifieddate": stamp,
        **{flag: line.get(flag, "F") for flag in FLAGS},
    }
