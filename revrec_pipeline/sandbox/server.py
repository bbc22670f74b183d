"""HTTP layer: NetSuite's REST paths, error envelopes, governance and fault injection."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from . import journals
from .catalog import Catalog, CatalogError
from .functions import column_names, items_json
from .messages import Request, Response
from .oauth import AuthError, RequestInfo, verify
from .oauth2 import ASSERTION_TYPE, TOKEN_PATH, OAuth2Error, verify_assertion
from .protocol import Sandbox
from .suiteql import Translation, normalize_param, translate_with_count

ERROR_TYPE = "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"
ERROR_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error"
LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
MAX_PAGES = 1_000  # per query, whatever the page size (reference §9)
QUERY_PREFIX = "Invalid search query. Detailed unprocessed description follows. "
RECORD_RE = re.compile(r"^/services/rest/record/v1/([^/]+)(?:/([^/]+)(?:/([^/]+))?)?/?$")


def error(
    status: int,
    detail: str,
    code: str,
    path: str | None = None,
    *,
    query_param: str | None = None,
    **extra,
) -> Response:
    item = {"detail": detail, "o:errorCode": code}
    if path:
        item["o:errorPath"] = path
    if query_param:
        item["o:errorQueryParam"] = query_param
    body = {
        "type": ERROR_TYPE,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "o:errorDetails": [item],
        **extra,
    }
    return Response(status, body, content_type=ERROR_CONTENT_TYPE)


def invalid_query(message: str) -> Response:
    """A search error about the query text: the `q` parameter is what is wrong."""
    detail = f"{QUERY_PREFIX}Search error occurred: {message}"
    return error(400, detail, "INVALID_PARAMETER", query_param="q")


def query_error(exc: CatalogError) -> Response:
    if exc.status == 400:
        return invalid_query(exc.detail)
    return error(exc.status, exc.detail, exc.code)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's Session expects
    server: SandboxHTTPServer

    def log_message(self, format, *args) -> None:
        pass  # quiet: tests and the demo print their own progress

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        proto = self.headers.get("X-Forwarded-Proto", "http")
        host = self.headers.get(
            "Host", f"{self.server.server_address[0]}:{self.server.server_port}"
        )
        request = Request(
            self.command,
            path,
            query,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            f"{proto}://{host}",
        )
        response = self.server.sandbox.handle(request)
        # A client that gave up (timeout tests) leaves nobody to answer.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._write(response)

    def _write(self, response: Response) -> None:
        if response.text is not None:
            payload = response.text.encode("utf-8")
        else:
            payload = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        if payload:
            self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, Handler)


# --- routing ----------------------------------------------------------------------------


def route(sb: Sandbox, req: Request) -> Response:
    """A NetSuite request that has its concurrency slot and passed authentication."""
    if req.path == SUITEQL_PATH:
        if req.method != "POST":
            return error(405, f"Method {req.method} is not allowed.", "METHOD_NOT_ALLOWED")
        sb.count("suiteql_requests")
        return suiteql(sb, req)
    match = RECORD_RE.match(req.path)
    if match and match.group(1).lower() == "journalentry":
        sb.count("journal_requests")
        return journal(sb, req, match.group(2))
    return not_implemented(req)


def not_found(req: Request) -> Response:
    return error(404, f"The requested resource '{req.path}' was not found.", "NONEXISTENT_ID")


def not_implemented(req: Request) -> Response:
    """Real NetSuite may well answer this path; the sandbox does not imitate it."""
    detail = f"{req.method} {req.path} is not implemented by the sandbox."
    return error(501, detail, "NOT_IMPLEMENTED")


def authenticate(sb: Sandbox, req: Request) -> Response | None:
    authorization = req.header("authorization") or ""
    if authorization.lower().startswith("bearer "):
        if sb.config.oauth2_public_key_pem and sb.oauth2_tokens.valid(authorization[7:].strip()):
            return None
        sb.audit("InvalidToken")
        response = error(401, LOGIN_DETAIL, "INVALID_LOGIN")
        response.headers["WWW-Authenticate"] = (
            f'Bearer realm="{sb.config.realm}", error="invalid_token", '
            'error_description="Invalid login attempt."'
        )
        return response
    info = RequestInfo(
        req.method,
        req.base.split("://")[0],
        req.base.split("://")[1],
        req.path,
        req.query,
        req.header("authorization"),
    )
    try:
        verify(info, sb.config, sb.nonces)
    except AuthError as exc:
        sb.audit(exc.reason)
        return error(401, LOGIN_DETAIL, "INVALID_LOGIN")
    return None


def token_endpoint(sb: Sandbox, req: Request) -> Response:
    """POST /services/rest/auth/oauth2/v1/token with a client assertion (client credentials)."""
    if req.method != "POST":
        return error(405, f"Method {req.method} is not allowed.", "METHOD_NOT_ALLOWED")
    form = {k: v[-1] for k, v in parse_qs(req.body.decode("utf-8", "replace")).items()}

    def refuse(status: int, code: str, reason: str) -> Response:
        sb.audit(reason)
        return Response(status, {"error": code}, content_type="application/json")

    if form.get("grant_type") != "client_credentials":
        return refuse(400, "unsupported_grant_type", "UnsupportedGrantType")
    if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
        return refuse(400, "invalid_request", "MissingAssertion")
    if not sb.config.oauth2_public_key_pem:
        return refuse(401, "invalid_client", "OAuth2NotSetUp")
    try:
        verify_assertion(
            form["client_assertion"],
            public_key_pem=sb.config.oauth2_public_key_pem,
            client_id=sb.config.oauth2_client_id,
            certificate_id=sb.config.oauth2_certificate_id,
            token_url=f"{req.base}{TOKEN_PATH}",
        )
    except OAuth2Error as exc:
        return refuse(400 if exc.error != "invalid_client" else 401, exc.error, exc.reason)
    lifetime = sb.config.oauth2_token_lifetime_s
    body = {
        "access_token": sb.oauth2_tokens.issue(lifetime),
        "token_type": "bearer",
        "expires_in": lifetime,
    }
    return Response(200, body, content_type="application/json")


# --- SuiteQL ----------------------------------------------------------------------------


def suiteql(sb: Sandbox, req: Request) -> Response:
    if "transient" not in (req.header("prefer") or "").lower():
        return error(
            400,
            "The request header 'Prefer: transient' is required for SuiteQL.",
            "INVALID_PARAMETER",
        )
    paging = _paging(req.query, sb.config.row_cap)
    if isinstance(paging, Response):
        return paging
    limit, offset = paging
    try:
        payload = req.json()
        query = _translate(str(payload["q"]), sb.catalog())
        params = [normalize_param(p) for p in payload.get("params") or []]
    except (ValueError, TypeError, KeyError) as exc:
        return error(400, f"Invalid request body: {exc}.", "INVALID_PARAMETER")
    except CatalogError as exc:
        return query_error(exc)
    sb.sync_deleted_record_forms()
    # The last row any page of this query can reach: the row cap, and 1,000 pages.
    reachable_cap = min(sb.config.row_cap, MAX_PAGES * limit)
    page = min(limit, reachable_cap - offset)
    try:
        total, names, rows = _run(sb, query.sql, query.count_sql, params, page, offset)
    except sqlite3.OperationalError as exc:
        explained = query.explain(exc)
        return query_error(explained) if explained else invalid_query(_describe(exc))
    except (sqlite3.Error, ValueError, OverflowError) as exc:
        return invalid_query(_describe(exc))
    reachable = min(total, reachable_cap)
    has_more = offset + len(rows) < reachable
    head = {
        "links": _links(req, limit, offset, has_more, reachable),
        "count": len(rows),
        "hasMore": has_more,
        "offset": offset,
        "totalResults": total,
    }
    # The text json.dumps gives the whole body, {**head, "items": [format_row(...), ...]},
    # with the items (nearly all of it) written by items_json.
    text = f'{json.dumps(head)[:-1]}, "items": {items_json(names, rows)}}}'
    return Response(200, text=text)


# Translations by (text, catalog): a keyset-paged query sends the same text page after page.
# An entry holds its catalog, so the id in its key is that catalog's while the entry lives.
_TRANSLATIONS: dict[tuple[str, int], tuple[Catalog, Translation]] = {}
_TRANSLATIONS_KEPT = 256


def _translate(text: str, catalog: Catalog) -> Translation:
    key = (text, id(catalog))
    hit = _TRANSLATIONS.get(key)
    if hit is not None and hit[0] is catalog:
        return hit[1]
    query = translate_with_count(text, catalog)  # raises for a query NetSuite refuses
    if len(_TRANSLATIONS) >= _TRANSLATIONS_KEPT:
        _TRANSLATIONS.clear()
    _TRANSLATIONS[key] = (catalog, query)
    return query


def _paging(query: str, row_cap: int) -> tuple[int, int] | Response:
    args = {k.lower(): v[-1] for k, v in parse_qs(query).items()}
    try:
        limit = int(args.get("limit", 1000))
        offset = int(args.get("offset", 0))
    except ValueError:
        return error(400, "Invalid value for query parameter limit or offset.", "INVALID_PARAMETER")
    if not 1 <= limit <= 1000:
        return error(
            400,
            "Invalid value for the query parameter limit. The value must be between 1 and 1000.",
            "INVALID_PARAMETER",
        )
    if offset < 0 or offset % limit:
        return error(
            400,
            "Invalid value for the query parameter offset. "
            "The offset must be divisible by the limit.",
            "INVALID_PARAMETER",
        )
    if offset >= row_cap:
        return error(
            400,
            "Invalid value for the query parameter offset. "
            f"A query can return at most {row_cap} results.",
            "INVALID_PARAMETER",
        )
    if offset // limit >= MAX_PAGES:
        return error(
            400,
            "Invalid value for the query parameter offset. "
            f"A query can return at most {MAX_PAGES} pages.",
            "INVALID_PARAMETER",
        )
    return limit, offset


def _run(sb: Sandbox, sql: str, count_sql: str, params: list, limit: int, offset: int):
    with sb.reader() as conn:
        cursor = conn.execute(count_sql, params)
        total = cursor.fetchone()[0]
        cursor.close()  # done with the statement: the connection goes back without a snapshot
        cursor = conn.execute(f"{sql} LIMIT ? OFFSET ?", [*params, limit, offset])
        rows = cursor.fetchall()
        names = column_names(cursor.description)
        cursor.close()
        return total, names, rows


def _describe(exc: Exception) -> str:
    return str(exc).replace('"', "").replace("`", "")


def _links(req: Request, limit: int, offset: int, has_more: bool, reachable: int) -> list[dict]:
    href = lambda o: f"{req.base}{req.path}?limit={limit}&offset={o}"  # noqa: E731
    links = [{"rel": "self", "href": href(offset)}]
    if has_more:
        last = max(0, (reachable - 1) // limit * limit)
        links = [
            {"rel": "next", "href": href(offset + limit)},
            {"rel": "last", "href": href(last)},
            *links,
        ]
    return links


# --- journal entries --------------------------------------------------------------------


def journal(sb: Sandbox, req: Request, ident: str | None) -> Response:
    """journalEntry: GET (sublists as links unless `expandSubResources=true`), the `line`
    sub-resource, POST, PUT/PATCH (upsert by `eid:`) and DELETE."""
    ident = unquote(ident) if ident else None
    sub = RECORD_RE.match(req.path).group(3)
    query = {k.lower(): v[-1] for k, v in parse_qs(req.query).items()}
    singular = "application/vnd.oracle.resource+json; type=singular"
    missing = error(404, f"Record with ID '{ident}' was not found.", "NONEXISTENT_ID")
    if sub is not None:
        if sub.lower() != "line" or req.method != "GET":
            return not_found(req)
        lines = sb.journal_lines(ident, req.base)
        return missing if lines is None else Response(200, lines)
    if req.method == "GET" and ident:
        expand = query.get("expandsubresources", "").lower() == "true"
        record = sb.journal_json(ident, req.base, expand=expand)
        return missing if record is None else Response(200, record, content_type=singular)
    if req.method == "POST" and ident is None:
        return _write_journal(sb, req, None, create_only=True)
    if req.method in ("PUT", "PATCH") and ident:
        return _write_journal(sb, req, ident, create_only=False)
    if req.method == "DELETE" and ident:
        return Response(204) if sb.delete_journal(ident) else missing
    return error(
        405, f"Method {req.method} is not supported for this resource.", "METHOD_NOT_ALLOWED"
    )


def _write_journal(sb: Sandbox, req: Request, ident: str | None, create_only: bool):
    try:
        body = req.json()
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
    except ValueError as exc:
        return error(400, f"Invalid content in the request body: {exc}.", "INVALID_CONTENT")
    replace = "line" in [v.lower() for v in parse_qs(req.query).get("replace", [""])[0].split(",")]
    validation = (req.header("x-netsuite-propertynamevalidation") or "warning").strip().lower()
    if validation not in journals.VALIDATION_MODES:
        refused = error(
            400,
            "Invalid value for the request header X-NetSuite-PropertyNameValidation; expected "
            f"one of {', '.join(journals.VALIDATION_MODES)}.",
            "INVALID_HEADER",
        )
        refused.body["o:errorDetails"][0]["o:errorHeader"] = "X-NetSuite-PropertyNameValidation"
        return refused
    try:
        internal_id = sb.write_journal(
            body,
            ident,
            create_only,
            replace,
            upsert=req.method == "PUT",
            name_validation=validation,
        )
    except journals.JournalError as exc:
        return error(exc.status, exc.detail, exc.code, exc.path)
    location = f"{req.base}/services/rest/record/v1/journalEntry/{internal_id}"
    return Response(204, None, {"Location": location})


def admin(sb: Sandbox, req: Request) -> Response:
    """Unauthenticated helpers for people running `revrec sandbox serve`."""
    json_type = "application/json"
    if req.path == "/sandbox/v1/stats" and req.method == "GET":
        return Response(
            200,
            {"stats": sb.stats.as_dict(), "config": sb.config.public_dict()},
            content_type=json_type,
        )
    if req.path == "/sandbox/v1/config" and req.method == "POST":
        try:
            changes = req.json() or {}
            sb.apply_config(changes)
        except (ValueError, TypeError, AttributeError) as exc:
            return error(400, str(exc), "INVALID_PARAMETER")
        return Response(200, {"config": sb.config.public_dict()}, content_type=json_type)
    return not_found(req)


def sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)
