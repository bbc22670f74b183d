"""The sandbox's stand-in for NetSuite's UI record page of a journal entry
(`/app/accounting/transactions/journal.nl?id=N`), so the links the pipeline shows open
something: the record as the REST GET returns it, as an HTML page."""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from .messages import Request, Response
from .protocol import Sandbox

JOURNAL_PAGE = "/app/accounting/transactions/journal.nl"
LINE_FIELDS = ("account", "debit", "credit", "department", "class", "location", "memo")


def _shown(value) -> str:
    if isinstance(value, dict):
        value = value.get("refName") or value.get("id")
    return "" if value is None else escape(str(value))


def journal_page(sb: Sandbox, req: Request) -> Response:
    ident = (parse_qs(req.query).get("id") or [""])[-1]
    record = sb.journal_json(ident, req.base, expand=True) if ident.isdigit() else None
    if record is None:
        html = f"<h1>Journal entry {escape(ident)} not found</h1>"
        return Response(404, text=html, content_type="text/html; charset=utf-8")
    header = "".join(
        f"<tr><th>{name}</th><td>{_shown(record.get(key))}</td></tr>"
        for name, key in (
            ("Internal id", "id"),
            ("External id", "externalId"),
            ("Number", "tranId"),
            ("Date", "tranDate"),
            ("Posting period", "postingPeriod"),
            ("Subsidiary", "subsidiary"),
            ("Currency", "currency"),
            ("Approval", "approvalStatus"),
            ("Memo", "memo"),
        )
        if key in record
    )
    lines = "".join(
        "<tr>" + "".join(f"<td>{_shown(line.get(f))}</td>" for f in LINE_FIELDS) + "</tr>"
        for line in record["line"].get("items", [])
    )
    html = (
        f"<!doctype html><title>Journal {escape(record['id'])} - NetSuite sandbox</title>"
        f"<h1>Journal entry {escape(record.get('tranId') or record['id'])}</h1>"
        f"<p>NetSuite sandbox (revrec_pipeline)</p><table>{header}</table>"
        "<table><tr>" + "".join(f"<th>{f}</th>" for f in LINE_FIELDS) + f"</tr>{lines}</table>"
    )
    return Response(200, text=html, content_type="text/html; charset=utf-8")
