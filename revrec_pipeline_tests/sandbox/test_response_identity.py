"""Every SuiteQL answer is the text the plain evaluation gives it.

The sandbox answers a page without a Python call per value where it can: the items are written
as JSON directly, TO_CHAR in the two formats every client uses runs as native SQLite, and
translations and connections are kept between requests. None of that may change a byte. The
reference here is the plain evaluation, written out in this module: each value through the
original isinstance chain into a dict per row, `json.dumps` of the whole body, and TO_CHAR as
the Python function it always was.
"""

from __future__ import annotations

import json
import math
import random
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime

import pytest
import requests

from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.netsuite.queries import rehearsal
from revrec_pipeline.sandbox import server
from revrec_pipeline.sandbox import suiteql as translator
from revrec_pipeline.sandbox.functions import (
    RawDate,
    RawDateTime,
    column_names,
    items_json,
    register_functions,
)
from revrec_pipeline.sandbox.suiteql import translate_with_count

from .conftest import SUITEQL, oauth, suiteql

# --- the reference: the plain evaluation ---------------------------------------------------


def reference_scalar(value) -> str:
    """NetSuite's text for a value, one isinstance at a time."""
    if isinstance(value, RawDate):
        m = datetime.fromisoformat(str(value).strip())
        return f"{m.month}/{m.day}/{m.year}"
    if isinstance(value, RawDateTime):
        m = datetime.fromisoformat(str(value).strip())
        ampm = "am" if m.hour < 12 else "pm"
        return f"{m.month}/{m.day}/{m.year} {m.hour % 12 or 12}:{m.minute:02d} {ampm}"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(round(value, 10))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def reference_row(names: list[str], row: tuple) -> dict:
    item: dict = {"links": []}
    for name, value in zip(names, row, strict=True):
        if value is not None:
            item[name] = reference_scalar(value)
    return item


def reference_to_char(value, fmt: str):
    """TO_CHAR(value, fmt) for the two client formats, as the Python function computes it."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return reference_scalar(value)
    moment = datetime.fromisoformat(str(value).strip())
    if fmt == "YYYY-MM-DD":
        return f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def reference_links(base: str, limit: int, offset: int, has_more: bool, reachable: int):
    href = f"{base}{SUITEQL}?limit={limit}&offset="
    links = [{"rel": "self", "href": f"{href}{offset}"}]
    if has_more:
        last = max(0, (reachable - 1) // limit * limit)
        links = [
            {"rel": "next", "href": f"{href}{offset + limit}"},
            {"rel": "last", "href": f"{href}{last}"},
            *links,
        ]
    return links


@contextmanager
def plain_evaluation(monkeypatch):
    """The sandbox without its fast paths: TO_CHAR through Python, no kept translations, items
    through reference_row and json.dumps."""
    with monkeypatch.context() as patch:
        patch.setattr(translator, "_native_to_char", lambda tokens, i: None)
        patch.setattr(server, "_TRANSLATIONS", {})
        patch.setattr(
            server,
            "items_json",
            lambda names, rows: json.dumps([reference_row(names, r) for r in rows]),
        )
        yield


def reference_body(sb, q: str, params: list, limit: int = 1000, offset: int = 0) -> bytes:
    """A successful answer evaluated from scratch: its own connection, the count and the page,
    each value formatted by the reference."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(translator, "_native_to_char", lambda tokens, i: None)
        query = translate_with_count(q, sb.catalog())
    assert "CASE WHEN typeof" not in query.sql
    params = [translator.normalize_param(p) for p in params]
    conn = sb.connect(read_only=True)
    try:
        total = conn.execute(query.count_sql, params).fetchone()[0]
        reachable_cap = min(sb.config.row_cap, 1000 * limit)
        cursor = conn.execute(
            f"{query.sql} LIMIT ? OFFSET ?", [*params, min(limit, reachable_cap - offset), offset]
        )
        rows = cursor.fetchall()
        names = column_names(cursor.description)
    finally:
        conn.close()
    reachable = min(total, reachable_cap)
    has_more = offset + len(rows) < reachable
    body = {
        "links": reference_links(sb.url, limit, offset, has_more, reachable),
        "count": len(rows),
        "hasMore": has_more,
        "offset": offset,
        "totalResults": total,
        "items": [reference_row(names, row) for row in rows],
    }
    return json.dumps(body).encode()


def assert_same_text(got, expected) -> None:
    """Equal, or the first place they differ (pytest's diff of two long texts is slow)."""
    if got != expected:
        at = next((i for i, (a, b) in enumerate(zip(got, expected, strict=False)) if a != b), None)
        at = min(len(got), len(expected)) if at is None else at
        window = slice(max(0, at - 80), at + 80)
        raise AssertionError(f"differ at {at}: {got[window]!r} != {expected[window]!r}")


# --- formatting: items_json against the reference ------------------------------------------

TEXTS = ["", "F", "T", "NonInvtPart", 'a "quoted" \\ back', "é€😀", "\x00\x1f\x7f\u2028", "1"]
TEXTS += ["2024-02-29", "2024-02-29 13:05:00", "links", "null"]
NUMBERS = [0, 1, -1, 7, 2**63 - 1, -(2**63), 10**30, 9007199254740993]
NUMBERS += [0.0, -0.0, 1.0, -1.0, 1200.0, -1200.0, 0.1, 0.2 + 0.1, 1 / 3, -2 / 3, 1e-06]
NUMBERS += [1e20, 1e300 * 10, -1e300 * 10, math.nan, 9007199254740993.0, 123456789.123456789]
NUMBERS += [2.5, 11046.75, -46092327.21000003, 1.0000000000499, 5e-11]
BLOBS = [b"", b"abc", b"\xff\xfe", "é".encode(), b"2024-01-01"]
RAW = [RawDate("2024-02-29"), RawDate("0999-01-05"), RawDate("2024-02-29 00:00:00")]
RAW += [RawDateTime("2024-03-10 00:05:00"), RawDateTime("2024-03-10 12:00:00")]
RAW += [RawDateTime("2024-03-10 13:59:59"), RawDateTime("2024-02-29")]


def generated_rows(rng: random.Random, width: int, count: int) -> list[tuple]:
    pool = TEXTS + NUMBERS + BLOBS + RAW + [rng.uniform(-1e6, 1e6) for _ in range(20)]
    pool += [round(rng.uniform(-1e4, 1e4), 2) for _ in range(20)] + [None] * 30
    return [tuple(rng.choice(pool) for _ in range(width)) for _ in range(count)]


@pytest.mark.parametrize("seed", range(6))
def test_items_json_is_the_reference_json_of_generated_rows(seed):
    rng = random.Random(seed)
    width = rng.randint(1, 25)
    names = [f"col{i}" for i in range(width - 1)] + ["expr1"]
    rows = generated_rows(rng, width, rng.choice([1, 2, 50, 1000]))
    assert_same_text(items_json(names, rows), json.dumps([reference_row(names, r) for r in rows]))


def test_items_json_keeps_equal_values_of_different_types_apart():
    # 1 == 1.0 and RawDate('x') == 'x': a cache keyed by value alone would mix them up.
    names = ["a", "b"]
    rows = [(1, 1.0), (1.0, 1), (RawDate("2024-01-02"), "2024-01-02")]
    rows += [("2024-01-02", RawDate("2024-01-02")), (-0.0, 0), (math.inf, "inf")]
    rows += [(RawDateTime("2024-01-02 15:00:00"), "2024-01-02 15:00:00"), (b"1", "1")]
    assert_same_text(items_json(names, rows), json.dumps([reference_row(names, r) for r in rows]))


@pytest.mark.parametrize(
    "names",
    [["id", "id"], ["links", "id"], ["id", "links"], ["a", "b", "a"], ["links"], ["x"]],
)
def test_items_json_repeated_or_links_columns_as_the_dict_has_them(names):
    rng = random.Random(len(names))
    rows = [*generated_rows(rng, len(names), 300), (None,) * len(names)]
    assert_same_text(items_json(names, rows), json.dumps([reference_row(names, r) for r in rows]))


def test_items_json_of_no_rows():
    assert items_json(["a"], []) == json.dumps([]) == "[]"


# --- TO_CHAR: native SQLite against the Python function --------------------------------------

FORMATS = ("YYYY-MM-DD", "YYYY-MM-DD HH24:MI:SS")
COLUMNS = {"dt": "NSDATETIME", "d": "NSDATE", "txt": "TEXT", "num": "NUMERIC", "b": "BLOB", "u": ""}


def stored_values(rng: random.Random) -> list:
    years = [1, 999, 1000, 1582, 1900, 2000, 2023, 2024, 2100, 9999]
    days = [
        f"{y:04d}-{m:02d}-{d:02d}"
        for y in years
        for m in (0, 1, 2, 4, 6, 9, 11, 12, 13)
        for d in (0, 1, 28, 29, 30, 31, 32)
    ]
    times = [
        f"{h:02d}:{m:02d}:{s:02d}"
        for h in (0, 9, 12, 23, 24)
        for m in (0, 59, 60)
        for s in (0, 59, 60)
    ]
    moments = [f"{rng.choice(days)} {rng.choice(times)}" for _ in range(1500)]
    moments += [f"{day} {t}" for day in ("2024-02-29", "2023-02-28", "2024-12-31") for t in times]
    odd = ["0000-01-01", "0000-01-01 00:00:00", "10000-01-01", "2024-1-01", "2024-01-1"]
    odd += ["2024-01-01T10:00:00", "2024-01-01 10:00:00.5", "2024-01-01 10:00:00.000"]
    odd += [" 2024-01-01", "2024-01-01 ", "2024-01-01 10:00:00 ", "2024-01-01Z", "2024-01-01 10:00"]
    odd += ["2024-01-01 10:00:00Z", "2024-01-01 10:00:00+02:00", "20240101", "2024-W01-1"]
    odd += ["２０２４-01-01", "2024-01-01\n", "garbage", "", "12", "12.5", "-1", "2024-0a-01"]
    numbers = [0, 12, -7, 2**40, 1.5, -0.25, 1e20, 20240101, 2024.0101]
    blobs = [b"2024-01-01", b"2024-01-01 10:00:00", b"\xff"]
    return days + moments + odd + numbers + blobs + [None]


def outcome(call):
    try:
        value = call()
    except (sqlite3.Error, ValueError, TypeError) as exc:
        return ("error", type(exc).__name__ if not isinstance(exc, sqlite3.Error) else str(exc))
    return ("value", type(value).__name__, value)


def test_native_to_char_is_the_python_to_char_for_every_stored_value():
    conn = sqlite3.connect(":memory:")
    register_functions(conn, datetime.now)
    udf_calls = []
    python_to_char = reference_to_char

    def counted(value, fmt):
        udf_calls.append(value)
        return python_to_char(value, fmt)

    conn.create_function("ns_to_char", 2, counted, deterministic=True)
    columns = ", ".join(f"{name} {kind}".strip() for name, kind in COLUMNS.items())
    conn.execute(f"CREATE TABLE v (k INTEGER PRIMARY KEY, {columns})")
    values = stored_values(random.Random(7))
    conn.executemany(
        f"INSERT INTO v VALUES (?, {', '.join('?' * len(COLUMNS))})",
        [(k, *([value] * len(COLUMNS))) for k, value in enumerate(values)],
    )
    native_hits = 0
    for column in COLUMNS:
        for fmt in FORMATS:
            sql = translate_with_count(f"SELECT TO_CHAR(v.{column}, '{fmt}') AS x FROM v").sql
            assert "ns_to_char(`v` . " in sql  # the native form, ns_to_char only its fallback
            for k in range(len(values)):
                stored = conn.execute(f"SELECT {column} FROM v WHERE k = ?", [k]).fetchone()[0]
                udf_calls.clear()
                got = outcome(lambda: conn.execute(f"{sql} WHERE k = ?", [k]).fetchone()[0])  # noqa: B023
                native_hits += not udf_calls and stored is not None
                udf_error = outcome(lambda: reference_to_char(stored, fmt))  # noqa: B023
                if udf_error[0] == "error":  # the UDF raised inside SQLite: SQLite's message
                    expected = ("error", "user-defined function raised exception")
                else:
                    expected = udf_error
                assert got == expected, (column, fmt, repr(stored))
    assert native_hits > 3000  # the canonical ISO values never reached Python


def test_to_char_forms_that_stay_python():
    """Other formats, expressions and pseudo-columns keep ns_to_char as it was."""
    for q in (
        "SELECT TO_CHAR(t.trandate, 'MM/DD/YYYY') FROM transaction t",
        "SELECT TO_CHAR(t.trandate, 'yyyy-mm-dd') FROM transaction t",
        "SELECT TO_CHAR(t.trandate) FROM transaction t",
        "SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD') FROM dual",
        "SELECT TO_CHAR(NVL(t.trandate, t.createddate), 'YYYY-MM-DD') FROM transaction t",
        "SELECT TO_CHAR(TO_DATE('2024-01-01', 'YYYY-MM-DD'), 'YYYY-MM-DD') FROM dual",
        "SELECT TO_CHAR(BUILTIN.DF(t.trandate), 'YYYY-MM-DD') FROM transaction t",
    ):
        sql = translate_with_count(q).sql
        assert "CASE WHEN typeof" not in sql and "ns_to_char (" in sql, q


# --- whole answers over the socket -------------------------------------------------------------

QUERIES = [
    "SELECT * FROM transaction WHERE id < 1100 ORDER BY id",
    "SELECT * FROM transactionline WHERE transaction < 1010 ORDER BY uniquekey",
    "SELECT t.id, t.trandate, t.lastmodifieddate, t.createddate, t.exchangerate, t.foreigntotal "
    "FROM transaction t ORDER BY t.id",
    "SELECT TO_CHAR(t.trandate, 'YYYY-MM-DD') AS d, TO_CHAR(t.lastmodifieddate, "
    "'YYYY-MM-DD HH24:MI:SS') AS m, TO_CHAR(t.trandate) AS r, TO_CHAR(t.lastmodifieddate, "
    "'MON DD, YYYY HH12:MI AM') AS o, TO_CHAR(t.trandate, 'YYYY-MM-DD HH24:MI:SS'), "
    "TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD') FROM transaction t ORDER BY t.id",
    "SELECT TO_CHAR(tl.revrecstartdate, 'YYYY-MM-DD') AS a, TO_CHAR(tl.linelastmodifieddate, "
    "'YYYY-MM-DD HH24:MI:SS'), TO_CHAR(tl.quantity, 'YYYY-MM-DD'), TO_CHAR(tl.rate) "
    "FROM transactionline tl WHERE tl.transaction < 1100 ORDER BY tl.uniquekey",
    "SELECT TO_CHAR(TO_DATE('2024-02-29', 'YYYY-MM-DD'), 'YYYY-MM-DD HH24:MI:SS') AS x, "
    "TO_CHAR('2024-02-29 13:04:05', 'YYYY-MM-DD') AS y, TO_CHAR(5, 'YYYY-MM-DD') AS z, "
    "1/3 AS w, 2/2 AS v, 0.1 + 0.2 AS u, 'é€😀\"\\' AS t FROM dual",
    "SELECT MIN(t.id) AS lo, MAX(t.id) AS hi, COUNT(t.id) AS n FROM transaction t "
    "WHERE t.type = 'CustInvc'",
    "SELECT MIN(t.id) AS lo, MAX(t.id) AS hi, COUNT(t.id) AS n FROM transaction t "
    "WHERE t.type = 'Nothing'",
    "SELECT DISTINCT tl.transaction FROM transactionline tl INNER JOIN transaction t "
    "ON t.id = tl.transaction WHERE t.type = 'CustInvc' ORDER BY tl.transaction",
    "SELECT DISTINCT TO_CHAR(t.trandate, 'YYYY-MM-DD') AS d FROM transaction t ORDER BY d",
    # TO_CHAR compared and sorted: its value has no affinity either way
    "SELECT t.id FROM transaction t WHERE TO_CHAR(t.trandate, 'YYYY-MM-DD') >= '2025-06-01' "
    "AND TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') <> '5' AND "
    "TO_CHAR(t.entity, 'YYYY-MM-DD') <> '101' ORDER BY "
    "TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') DESC, t.id",
    "SELECT TO_CHAR(t.trandate, 'YYYY-MM-DD') AS d, COUNT(t.id) AS n FROM transaction t "
    "GROUP BY TO_CHAR(t.trandate, 'YYYY-MM-DD') ORDER BY d",
    "SELECT t.type, COUNT(t.id) AS n, SUM(t.foreigntotal) AS s, AVG(t.exchangerate) AS a "
    "FROM transaction t GROUP BY t.type ORDER BY t.type",
    "SELECT t.entity, COUNT(t.id) AS n FROM transaction t GROUP BY t.entity "
    "HAVING COUNT(t.id) > 3 ORDER BY t.entity",
    "SELECT BUILTIN.DF(t.status) AS s, BUILTIN.DF(t.type) AS ty, BUILTIN.DF(t.entity) AS e, "
    "BUILTIN.DF(t.approvalstatus) AS ap, BUILTIN.DF(t.currency), t.id FROM transaction t "
    "ORDER BY t.id",
    "SELECT BUILTIN.DF(tl.item) AS item, BUILTIN.DF(tl.account) AS acct, tl.uniquekey "
    "FROM transactionline tl WHERE tl.transaction < 1050 ORDER BY tl.uniquekey",
    "SELECT * FROM deletedrecord",
    "SELECT * FROM accountingperiod ORDER BY id",
    "SELECT * FROM transactionaccountingline WHERE transaction < 1020 "
    "ORDER BY transaction, transactionline",
    "SELECT t.id, t.foreigntotal * 1.1 AS x, t.foreigntotal / 7 AS y, "
    "ROUND(t.foreigntotal / 7, 2) AS z, TO_NUMBER('1.50') AS f FROM transaction t ORDER BY t.id",
    "SELECT t.id, t.id AS id, t.memo AS links FROM transaction t ORDER BY t.id",
    "SELECT t.id FROM transaction t UNION SELECT c.id FROM customer c ORDER BY 1",
    "SELECT sub.n FROM (SELECT COUNT(t.id) AS n FROM transaction t) sub",
    'SELECT ID, TranId AS "TRANID", t.TYPE FROM Transaction t ORDER BY ID',
    # refused, each in its own way
    "SELECT TO_CHAR(tl.memo, 'YYYY-MM-DD') AS mm FROM transactionline tl ORDER BY tl.uniquekey",
    "SELECT TO_CHAR(t.nosuch, 'YYYY-MM-DD') FROM transaction t",
    "SELECT TO_CHAR(x.trandate, 'YYYY-MM-DD') FROM transaction t",
    "SELECT TO_CHAR(trandate, 'YYYY-MM-DD') FROM transaction t JOIN transaction u ON u.id = t.id",
    "SELECT COUNT(*) FROM transaction",
    "SELECT t.id FROM transaction t WHERE t.nosuchfield = 1",
    "SELECT id FROM nosuchtable",
    "DELETE FROM customer",
]
PAGES = [None, (7, 14), (1000, 0), (3, 0), (5, 995)]


def client_queries() -> list[tuple[str, list]]:
    """The statements the sync sends (queries.rehearsal), with parameters that read data."""
    profile = AccountProfile.everything("1234567_SB1")
    return [(query.text, params) for query, params in rehearsal(profile, "2000-01-01 00:00:00")]


def post(sb, session: requests.Session, q: str, params, page) -> requests.Response:
    """conftest.suiteql on a kept-alive session, as the sync's client sends its pages."""
    limit, offset = page if page else (None, None)
    query = {k: v for k, v in (("limit", limit), ("offset", offset)) if v is not None}
    return session.post(
        sb.url + SUITEQL,
        params=query,
        json={"q": q, "params": list(params)},
        headers={"Prefer": "transient"},
        auth=oauth(sb),
        timeout=30,
    )


def wire(response: requests.Response) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("date", "server")}
    return response.status_code, headers, response.content


def test_answers_equal_the_plain_evaluation(sandbox, monkeypatch):
    """For every query and page: the same bytes as the plain evaluation over the socket, and,
    where it succeeds, as a reference evaluation written from scratch."""
    cases = [(q, [], page) for q in QUERIES for page in PAGES]
    cases += [(q, params, page) for q, params in client_queries() for page in (None, (3, 0))]
    cases += [
        ("SELECT id FROM customer WHERE id > ?", [True], None),
        ("SELECT id FROM customer WHERE id > ?", [105.5], None),
        ("SELECT id FROM customer WHERE id > ?", [{"a": 1}], None),
    ]
    session = requests.Session()
    fast = [wire(post(sandbox, session, q, params, page)) for q, params, page in cases]
    again = [wire(post(sandbox, session, q, params, page)) for q, params, page in cases]
    with plain_evaluation(monkeypatch):
        plain = [wire(post(sandbox, session, q, params, page)) for q, params, page in cases]
    ok = 0
    for (q, params, page), answer, repeated, expected in zip(
        cases, fast, again, plain, strict=True
    ):
        assert answer[:2] == expected[:2], (q, params, page)
        assert_same_text(answer[2], expected[2])
        assert repeated == answer, (q, params, page)  # kept translations and connections
        if answer[0] == 200:
            ok += 1
            limit, offset = page or (1000, 0)
            assert_same_text(answer[2], reference_body(sandbox, q, params, limit, offset))
    assert ok > 100 and len(cases) - ok > 20  # both answers and refusals were compared


def test_answers_while_four_requests_run_at_once(sandbox):
    cases = [(q, params) for q, params in client_queries()] + [(q, []) for q in QUERIES[:12]]
    session = requests.Session()
    alone = {i: wire(post(sandbox, session, q, p, None)) for i, (q, p) in enumerate(cases)}
    together: dict[int, tuple] = {}

    def work(start: int) -> None:
        own = requests.Session()
        for i in range(start, len(cases), 4):
            together[i] = wire(post(sandbox, own, *cases[i], None))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert together == alone


def test_a_kept_connection_sees_every_committed_write(sandbox):
    q = "SELECT t.memo, TO_CHAR(t.lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m FROM transaction t WHERE t.id = ?"
    (first,) = sandbox.execute('SELECT id FROM "transaction" ORDER BY id LIMIT 1')
    ident = first["id"]
    session = requests.Session()
    for n in range(4):
        memo, stamp = f"memo {n}", f"2030-01-0{n + 1} 10:00:00"
        sandbox.execute(
            'UPDATE "transaction" SET memo = ?, lastmodifieddate = ? WHERE id = ?',
            [memo, stamp, ident],
        )
        answer = post(sandbox, session, q, [ident], None).json()
        assert answer["items"] == [{"links": [], "memo": memo, "m": stamp}]
        # a refused query on the way (its connection is dropped) changes nothing after it
        bad = post(
            sandbox,
            session,
            "SELECT TO_CHAR(t.memo, 'YYYY-MM-DD') FROM transaction t WHERE t.id = ?",
            [ident],
            None,
        )
        assert bad.status_code == 400
    sandbox.stop()
    assert sandbox._readers == []  # stopping closes the kept connections
    sandbox.start()
    assert post(sandbox, session, q, [ident], None).json()["items"][0]["memo"] == "memo 3"


def test_a_feature_switch_is_not_hidden_by_a_kept_translation(sandbox):
    q = "SELECT tl.class FROM transactionline tl WHERE tl.transaction < 1003"
    assert suiteql(sandbox, q).status_code == 200
    sandbox.config.classes = False
    assert suiteql(sandbox, q).status_code == 400
    sandbox.config.classes = True
    assert suiteql(sandbox, q).status_code == 200
