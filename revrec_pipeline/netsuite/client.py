"""The NetSuite REST client: SuiteQL keyset paging, governance and journal-entry upsert.

Governance (SPEC §3): at most `max_concurrency` requests in flight from this process (one
semaphore per account, shared by every client), and across processes the Dagster `netsuite`
pool; 429 / 5xx / time-outs retried with exponential backoff and full jitter (NetSuite sends
no Retry-After), each retry re-signed; an isolated 401 under load retried a few times.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import orjson
import requests

from revrec_pipeline.netsuite.auth import NetSuiteAuth
from revrec_pipeline.netsuite.errors import (
    ErrorEnvelope,
    NetSuiteError,
    NetSuiteServerError,
    error_for,
)

SUITEQL_PATH = "/services/rest/query/v1/suiteql"
JOURNAL_PATH = "/services/rest/record/v1/journalEntry"
PAGE_SIZE = 1000  # NetSuite's maximum SuiteQL page
# SPEC §3: retry what can succeed next time. A 400 is never retried; a 500 is usually a bad or
# feature-disabled field (deterministic), so it gets at most two more tries.
RETRYABLE_STATUS = frozenset({429, 502, 503, 504})
SERVER_ERROR_RETRIES = 2
AUTH_RETRIES = 2  # a 401 under load is often NetSuite's concurrency limit in disguise
# Writes fail on a misspelled or feature-disabled field instead of NetSuite dropping it.
WRITE_HEADERS = {"X-NetSuite-PropertyNameValidation": "error"}

_semaphores: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_semaphores_lock = threading.Lock()


def _account_semaphore(key: str, limit: int) -> threading.BoundedSemaphore:
    with _semaphores_lock:
        return _semaphores.setdefault((key, limit), threading.BoundedSemaphore(limit))


@dataclass
class RequestStats:
    """What one client did: reported as materialization metadata."""

    requests: int = 0
    retries: int = 0
    pages: int = 0
    rows: int = 0
    parent: RequestStats | None = field(default=None, repr=False, compare=False)  # adds up too
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)
        if self.parent is not None:
            self.parent.add(**counts)

    def as_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "pages": self.pages,
            "rows": self.rows,
        }


def normalize_row(item: dict[str, Any]) -> dict[str, Any]:
    """SuiteQL rows: keys may vary in case, each carries an empty `links`; null columns absent."""
    return {key.lower(): value for key, value in item.items() if key.lower() != "links"}


def _json_body(response: requests.Response) -> Any:
    """A SuiteQL page's JSON. orjson parses UTF-8 bytes several times faster than the standard
    library, which matters at a thousand rows a page; a body it refuses (another encoding) goes
    through requests' own decoding, which raises ValueError when it is not JSON at all."""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.json()


def normalize_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """normalize_row of each row of a page. A page's rows share a few key sets (a null column
    is absent), so each set is checked once: rows whose keys are all lower case only lose their
    `links`, in place (the rows are the page's own, just parsed), not rebuilt key by key."""
    lowercase: dict[tuple[str, ...], bool] = {}
    out = []
    for item in items:
        keys = tuple(item)
        known = lowercase.get(keys)
        if known is None:
            known = lowercase[keys] = all(key == key.lower() for key in keys)
        if known:
            item.pop("links", None)
            out.append(item)
        else:
            out.append(normalize_row(item))
    return out


class NetSuiteClient:
    def __init__(
        self,
        base_url: str,
        account_id: str,
        auth: NetSuiteAuth,
        *,
        max_concurrency: int = 4,
        timeout_seconds: float = 120.0,
        max_attempts: int = 8,
        backoff_base_seconds: float = 0.5,
        backoff_cap_seconds: float = 30.0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.account_id = account_id
        self.auth = auth
        self.max_concurrency = max_concurrency
        self.timeout_seconds = timeout_seconds
        self.max_attempts = max(1, max_attempts)
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        self.stats = RequestStats()
        self._log = log or (lambda message: None)
        self._slots = _account_semaphore(f"{self.base_url}|{account_id}", max_concurrency)
        self._local = threading.local()  # one requests.Session per thread

    # -- transport ---------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(4, self.max_concurrency))
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
        return session

    def _scrub(self, text: str) -> str:
        for secret in self.auth.secrets():
            if secret:
                text = text.replace(secret, "***")
        return text

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap_seconds, self.backoff_base_seconds * (2**attempt))
        return random.uniform(0, ceiling)  # full jitter: retries from many threads spread out

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one request with governance and retries; return a 2xx response or raise."""
        url = self.base_url + path
        auth_failures = 0
        server_errors = 0
        last_problem = ""
        for attempt in range(self.max_attempts):
            if attempt:
                self.stats.add(retries=1)
                time.sleep(self._backoff(attempt - 1))
            with self._slots:
                self.stats.add(requests=1)
                try:
                    response = self._session().request(
                        method,
                        url,
                        params=params,
                        json=json,
                        headers=headers,
                        auth=self.auth,  # signed on every attempt: fresh nonce and timestamp
                        timeout=self.timeout_seconds,
                    )
                except (requests.ConnectionError, requests.Timeout) as exc:
                    last_problem = f"{type(exc).__name__}"
                    self._log(f"NetSuite {method} {path}: {last_problem}; retrying")
                    continue
            if response.status_code < 400:
                return response
            envelope = ErrorEnvelope.from_response(response)
            if response.status_code == 401 and hasattr(self.auth, "invalidate"):
                self.auth.invalidate()  # a bearer token may have been revoked or expired early
            if (
                response.status_code == 401
                and auth_failures < AUTH_RETRIES
                and attempt + 1 < self.max_attempts
            ):
                auth_failures += 1
                last_problem = "401"
                continue
            if (
                response.status_code == 500
                and server_errors < SERVER_ERROR_RETRIES
                and attempt + 1 < self.max_attempts
            ):
                server_errors += 1
                last_problem = f"500 {envelope.code}".strip()
                self._log(f"NetSuite {method} {path}: {last_problem}; retrying")
                continue
            if response.status_code in RETRYABLE_STATUS and attempt + 1 < self.max_attempts:
                last_problem = f"{response.status_code} {envelope.code}".strip()
                self._log(f"NetSuite {method} {path}: {last_problem}; retrying")
                continue
            error = error_for(envelope, self.account_id, method, path)
            raise type(error)(
                self._scrub(str(error)),
                error.status,
                error.code,
                detail=self._scrub(error.detail),
                attempts=attempt + 1,
            )
        raise NetSuiteServerError(
            f"NetSuite did not answer {method} {path} for account {self.account_id} after "
            f"{self.max_attempts} attempts (last: {last_problem or 'no response'}); check the "
            "network and NETSUITE_BASE_URL.",
            attempts=self.max_attempts,
        )

    # -- SuiteQL -----------------------------------------------------------------------------

    def suiteql_page(
        self,
        query: str,
        params: Sequence[Any] = (),
        *,
        limit: int = PAGE_SIZE,
        offset: int = 0,
    ) -> dict[str, Any]:
        response = self.request(
            "POST",
            SUITEQL_PATH,
            params={"limit": limit, "offset": offset},
            json={"q": query, "params": [str(p) for p in params]},
            headers={"Prefer": "transient"},
        )
        try:
            body = _json_body(response)
        except ValueError:
            raise NetSuiteError(
                f"NetSuite's answer to a SuiteQL query for account {self.account_id} was not "
                f"JSON (content type {response.headers.get('Content-Type', 'none')}); a proxy or "
                "a wrong NETSUITE_BASE_URL may be answering instead.",
                response.status_code,
            ) from None
        items = normalize_rows(body.get("items", []))
        self.stats.add(pages=1, rows=len(items))
        return {**body, "items": items}

    def query_small(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """A lookup that fits one page (currencies, periods); refuses to silently truncate."""
        page = self.suiteql_page(query, params)
        if page.get("hasMore"):
            raise NetSuiteError(
                f"SuiteQL lookup returned more than {PAGE_SIZE} rows; it must be paged by key: "
                f"{query[:80]}"
            )
        return page["items"]

    def query_keyset(
        self,
        query: str,
        params: Sequence[Any] = (),
        *,
        key: str,
        after: Any,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Page by keyset: `query` ends with `... AND <key> > ? ORDER BY <key>`.

        The last `?` receives the previous page's last key, so no request ever needs an offset
        and a query of any size stays under NetSuite's 100,000-row cap.
        """
        column = key.split(".")[-1]
        last = after
        while True:
            page = self.suiteql_page(query, [*params, last], limit=page_size)
            items = page["items"]
            if items:
                yield items
                last = items[-1][column]
            if len(items) < page_size or not page.get("hasMore"):
                return

    # -- journal entries ---------------------------------------------------------------------

    def upsert_journal_entry(self, external_id: str, body: dict[str, Any]) -> str:
        """Create or replace a journal entry by external id; return NetSuite's internal id."""
        response = self.request(
            "PUT",
            f"{JOURNAL_PATH}/eid:{quote(external_id, safe='')}",
            params={"replace": "line"},
            json=body,
            headers=WRITE_HEADERS,
        )
        location = response.headers.get("Location", "")
        internal_id = location.rstrip("/").rsplit("/", 1)[-1]
        if not internal_id.isdigit():
            raise NetSuiteError(
                f"NetSuite accepted journal entry {external_id} but sent no internal id in its "
                "Location header."
            )
        return internal_id

    def delete_journal_entry(self, reference: str) -> bool:
        """Delete a journal entry by internal id or `eid:<external id>` (NetSuite answers 204);
        False when NetSuite holds no such entry (404)."""
        try:
            self.request("DELETE", f"{JOURNAL_PATH}/{quote(reference, safe=':')}")
        except NetSuiteError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def get_journal_entry(self, reference: str) -> dict[str, Any] | None:
        """Read a journal entry by internal id or `eid:<external id>`, its `line` sublist
        expanded (without `expandSubResources` NetSuite returns the sublist as a link only);
        None when absent."""
        try:
            response = self.request(
                "GET",
                f"{JOURNAL_PATH}/{quote(reference, safe=':')}",
                params={"expandSubResources": "true"},
            )
        except NetSuiteError as exc:
            if exc.status == 404:
                return None
            raise
        return response.json()
