"""The NetSuite-shaped SQLite schema, connections and bulk loading."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable

from .functions import register_functions

# `transaction` has no createdfrom (nor, for SuiteQL, subsidiary): NetSuite keeps both on the
# line (reference §9); the header's subsidiary column is the journals' bookkeeping only.
# Declared types matter: INTEGER/REAL give numeric comparisons against string params, and
# NSDATE/NSDATETIME mark columns that SuiteQL renders in the user's date preference when raw.
# `transactionaccountingline` (the GL impact, reference §4.2) is a view over the lines: one
# accounting book, base-currency amounts at the header's rate, debit/credit by the line's sign
# (GL view), the header's posting flag; it can never disagree with the lines it is made from.
# With several subsidiaries the header's rate is to the document's own subsidiary's base
# currency, so each line's amount is in its subsidiary's books (join transactionline.subsidiary).
# accountsubsidiarymap is SuiteQL's AccountSubsidiaryMap (account, subsidiary): one row per
# subsidiary an account may be used in (nazir99/nsq schema/facts.json, live-verified edges).
SCHEMA = """
CREATE TABLE IF NOT EXISTS customer (
    id INTEGER PRIMARY KEY, entityid TEXT, companyname TEXT, altname TEXT, isperson TEXT,
    firstname TEXT, lastname TEXT, email TEXT, externalid TEXT, currency INTEGER,
    subsidiary INTEGER, isinactive TEXT, datecreated NSDATETIME, lastmodifieddate NSDATETIME);
CREATE TABLE IF NOT EXISTS item (
    id INTEGER PRIMARY KEY, itemid TEXT, displayname TEXT, fullname TEXT, itemtype TEXT,
    description TEXT, isinactive TEXT, externalid TEXT, lastmodifieddate NSDATETIME);
CREATE TABLE IF NOT EXISTS "transaction" (
    id INTEGER PRIMARY KEY, tranid TEXT, transactionnumber TEXT, type TEXT, recordtype TEXT,
    trandate NSDATE, entity INTEGER, status TEXT, currency INTEGER, exchangerate REAL,
    foreigntotal REAL, posting TEXT, voided TEXT, approvalstatus INTEGER,
    postingperiod INTEGER, subsidiary INTEGER, memo TEXT, externalid TEXT,
    createddate NSDATETIME, lastmodifieddate NSDATETIME);
CREATE TABLE IF NOT EXISTS transactionline (
    uniquekey INTEGER PRIMARY KEY AUTOINCREMENT, "transaction" INTEGER, id INTEGER,
    linesequencenumber INTEGER, mainline TEXT, taxline TEXT, item INTEGER, itemtype TEXT,
    quantity REAL, rate REAL, netamount REAL, foreignamount REAL, debit REAL, credit REAL,
    account INTEGER, memo TEXT, entity INTEGER, subsidiary INTEGER, department INTEGER,
    class INTEGER, location INTEGER, createdfrom INTEGER, revrecstartdate NSDATE,
    revrecenddate NSDATE, linelastmodifieddate NSDATETIME, customsegments TEXT,
    iscogs TEXT DEFAULT 'F', donotdisplayline TEXT DEFAULT 'F',
    transactiondiscount TEXT DEFAULT 'F');
CREATE TABLE IF NOT EXISTS deletedrecord (
    recordid INTEGER, type TEXT, recordtypeid TEXT, name TEXT, externalid TEXT,
    deleteddate NSDATETIME, deleteddateusertz NSDATETIME, context TEXT, deletedby INTEGER,
    iscustomrecord TEXT, iscustomlist TEXT, iscustomtransaction TEXT, scriptid TEXT);
CREATE TABLE IF NOT EXISTS currency (
    id INTEGER PRIMARY KEY, symbol TEXT, name TEXT, isbasecurrency TEXT, exchangerate REAL,
    isinactive TEXT);
CREATE TABLE IF NOT EXISTS subsidiary (
    id INTEGER PRIMARY KEY, name TEXT, fullname TEXT, currency INTEGER, parent INTEGER,
    iselimination TEXT DEFAULT 'F', isinactive TEXT);
CREATE TABLE IF NOT EXISTS accountsubsidiarymap (account INTEGER, subsidiary INTEGER);
CREATE TABLE IF NOT EXISTS customersubsidiaryrelationship (
    id INTEGER PRIMARY KEY, entity INTEGER, subsidiary INTEGER, isprimarysub TEXT,
    primarycurrency INTEGER);
CREATE TABLE IF NOT EXISTS account (
    id INTEGER PRIMARY KEY, acctnumber TEXT, accountsearchdisplayname TEXT, fullname TEXT,
    accttype TEXT, isinactive TEXT);
CREATE TABLE IF NOT EXISTS department (
    id INTEGER PRIMARY KEY, name TEXT, fullname TEXT, isinactive TEXT);
CREATE TABLE IF NOT EXISTS classification (
    id INTEGER PRIMARY KEY, name TEXT, fullname TEXT, isinactive TEXT);
CREATE TABLE IF NOT EXISTS location (
    id INTEGER PRIMARY KEY, name TEXT, fullname TEXT, isinactive TEXT);
CREATE TABLE IF NOT EXISTS accountingperiod (
    id INTEGER PRIMARY KEY, periodname TEXT, startdate NSDATE, enddate NSDATE, closed TEXT,
    alllocked TEXT, arlocked TEXT, aplocked TEXT, isposting TEXT, isquarter TEXT, isyear TEXT,
    isadjust TEXT, isinactive TEXT, parent INTEGER);
CREATE TABLE IF NOT EXISTS dual (dummy TEXT);
CREATE VIEW IF NOT EXISTS transactionaccountingline AS
    SELECT tl."transaction" AS "transaction", tl.id AS transactionline, 1 AS accountingbook,
        tl.account AS account,
        round(tl.foreignamount * ifnull(t.exchangerate, 1), 2) AS amount,
        round(tl.netamount * ifnull(t.exchangerate, 1), 2) AS netamount,
        CASE WHEN tl.foreignamount > 0
            THEN round(tl.foreignamount * ifnull(t.exchangerate, 1), 2) END AS debit,
        CASE WHEN tl.foreignamount < 0
            THEN round(-tl.foreignamount * ifnull(t.exchangerate, 1), 2) END AS credit,
        t.posting AS posting, t.exchangerate AS exchangerate
    FROM transactionline tl JOIN "transaction" t ON t.id = tl."transaction"
    WHERE tl.account IS NOT NULL AND ifnull(tl.foreignamount, 0) <> 0;
CREATE TABLE IF NOT EXISTS sandbox_meta (key TEXT PRIMARY KEY, value TEXT);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS ix_customer_lmd ON customer (lastmodifieddate);
CREATE INDEX IF NOT EXISTS ix_item_lmd ON item (lastmodifieddate);
CREATE INDEX IF NOT EXISTS ix_tran_type_id ON "transaction" (type, id);
CREATE INDEX IF NOT EXISTS ix_tran_lmd ON "transaction" (lastmodifieddate);
CREATE INDEX IF NOT EXISTS ix_tran_extid ON "transaction" (externalid);
CREATE INDEX IF NOT EXISTS ix_line_tran ON transactionline ("transaction", id);
CREATE INDEX IF NOT EXISTS ix_deleted_date ON deletedrecord (deleteddate);
"""

COLUMNS = {
    "customer": "id entityid companyname altname isperson firstname lastname email externalid "
    "currency subsidiary isinactive datecreated lastmodifieddate",
    "item": "id itemid displayname fullname itemtype description isinactive externalid "
    "lastmodifieddate",
    "transaction": "id tranid transactionnumber type recordtype trandate entity status currency "
    "exchangerate foreigntotal posting voided approvalstatus postingperiod "
    "subsidiary memo externalid createddate lastmodifieddate",
    "transactionline": "uniquekey transaction id linesequencenumber mainline taxline item "
    "itemtype quantity rate netamount foreignamount debit credit account memo entity "
    "subsidiary department class location createdfrom revrecstartdate revrecenddate "
    "linelastmodifieddate customsegments iscogs donotdisplayline transactiondiscount",
    "transactionaccountingline": "transaction transactionline accountingbook account amount "
    "netamount debit credit posting exchangerate",
    "deletedrecord": "recordid type recordtypeid name externalid deleteddate deleteddateusertz "
    "context deletedby iscustomrecord iscustomlist iscustomtransaction scriptid",
    "currency": "id symbol name isbasecurrency exchangerate isinactive",
    "subsidiary": "id name fullname currency parent iselimination isinactive",
    "accountsubsidiarymap": "account subsidiary",
    "customersubsidiaryrelationship": "id entity subsidiary isprimarysub primarycurrency",
    "account": "id acctnumber accountsearchdisplayname fullname accttype isinactive",
    "department": "id name fullname isinactive",
    "classification": "id name fullname isinactive",
    "location": "id name fullname isinactive",
    "accountingperiod": "id periodname startdate enddate closed alllocked arlocked aplocked "
    "isposting isquarter isyear isadjust isinactive parent",
}


def insert_sql(table: str) -> str:
    cols = COLUMNS[table].split()
    quoted = ", ".join(f'"{c}"' for c in cols)
    return f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(cols))})'


def row_tuple(table: str, row: dict) -> tuple:
    return tuple(row.get(c) for c in COLUMNS[table].split())


def connect(
    path: str, now_local: Callable, read_only: bool = False, shared: bool = False
) -> sqlite3.Connection:
    """A connection for one request (`shared`: for one request at a time, whichever thread
    serves it); WAL lets readers run beside the journal writer."""
    conn = sqlite3.connect(
        path, timeout=30, detect_types=sqlite3.PARSE_DECLTYPES, check_same_thread=not shared
    )
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA case_sensitive_like = ON")  # Oracle LIKE is case-sensitive
    register_functions(conn, now_local)
    if read_only:
        conn.execute("PRAGMA query_only = ON")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)
    # A database loaded before the subsidiary's parent and elimination columns gains them.
    have = {row[1] for row in conn.execute("PRAGMA table_info(subsidiary)")}
    if "parent" not in have:
        conn.execute("ALTER TABLE subsidiary ADD COLUMN parent INTEGER")
        conn.execute("UPDATE subsidiary SET parent = 1 WHERE id <> 1")
    if "iselimination" not in have:
        conn.execute("ALTER TABLE subsidiary ADD COLUMN iselimination TEXT DEFAULT 'F'")
        conn.execute("UPDATE subsidiary SET iselimination = 'F'")
    conn.execute("INSERT INTO dual (dummy) SELECT 'X' WHERE NOT EXISTS (SELECT 1 FROM dual)")


def bulk_load(conn: sqlite3.Connection, table: str, rows: Iterable[dict], batch: int = 20_000):
    """executemany in batches so a million lines never sit in memory at once."""
    sql = insert_sql(table)
    buf: list[tuple] = []
    for row in rows:
        buf.append(row_tuple(table, row))
        if len(buf) >= batch:
            conn.executemany(sql, buf)
            buf.clear()
    if buf:
        conn.executemany(sql, buf)


def set_meta(conn: sqlite3.Connection, key: str, value) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO sandbox_meta (key, value) VALUES (?, ?)",
        (key, json.dumps(value, default=str)),
    )


def get_meta(conn: sqlite3.Connection, key: str, default=None):
    row = conn.execute("SELECT value FROM sandbox_meta WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else default
