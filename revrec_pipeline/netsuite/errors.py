"""NetSuite errors as exceptions whose message is built from NetSuite's error envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests


@dataclass(frozen=True)
class ErrorEnvelope:
    status: int
    title: str
    code: str
    detail: str
    path: str | None = None

    @classmethod
    def from_response(cls, response: requests.Response) -> ErrorEnvelope:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            text = (response.text or "").strip().replace("\n", " ")[:200]
            return cls(response.status_code, response.reason or "", "", text)
        details = body.get("o:errorDetails") or [{}]
        first = details[0] if isinstance(details, list) and details else {}
        return cls(
            status=int(body.get("status") or response.status_code),
            title=str(body.get("title") or response.reason or ""),
            code=str(first.get("o:errorCode") or body.get("o:errorCode") or ""),
            detail=str(first.get("detail") or ""),
            path=first.get("o:errorPath"),
        )


class NetSuiteError(RuntimeError):
    """A request NetSuite refused or could not answer; the message never holds a secret."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: str = "",
        *,
        detail: str = "",
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail  # NetSuite's own detail text (no secret: NetSuite never echoes one)
        self.attempts = attempts  # how many times the request was sent before giving up


class NetSuiteAuthError(NetSuiteError):
    """NetSuite rejected the credentials (401) or the role lacks a permission (403)."""


class NetSuiteRateLimitError(NetSuiteError):
    """Still over NetSuite's concurrency limit after every retry."""


class NetSuiteServerError(NetSuiteError):
    """NetSuite kept failing (5xx or time-outs) after every retry."""


class NetSuiteQueryError(NetSuiteError):
    """A SuiteQL query of the sync that NetSuite kept failing or refused for a field; the message
    names the stream, the fields the query asked for and the likely cause."""


def error_for(envelope: ErrorEnvelope, account_id: str, method: str, path: str) -> NetSuiteError:
    where = f"{method} {path}"
    code = f" ({envelope.code})" if envelope.code else ""
    if envelope.status == 401:
        return NetSuiteAuthError(
            f"NetSuite rejected the credentials for account {account_id}{code}. Check the token "
            "and consumer keys and the role's permissions; NetSuite's Login Audit Trail has the "
            "reason.",
            envelope.status,
            envelope.code,
        )
    if envelope.status == 403:
        return NetSuiteAuthError(
            f"NetSuite refused {where} for account {account_id}{code}: {envelope.detail} "
            "Check that the integration role has this permission.",
            envelope.status,
            envelope.code,
        )
    if envelope.status == 429:
        return NetSuiteRateLimitError(
            f"NetSuite kept refusing {where} for account {account_id} over its concurrency "
            f"limit{code} after every retry; lower NETSUITE_MAX_CONCURRENCY or the netsuite pool "
            "limit, or raise the integration's concurrency allocation.",
            envelope.status,
            envelope.code,
        )
    field = f" at {envelope.path}" if envelope.path else ""
    message = (
        f"NetSuite answered {envelope.status} {envelope.title} to {where} for account "
        f"{account_id}{code}{field}: {envelope.detail or 'no detail given'}"
    )
    if envelope.status >= 500:
        return NetSuiteServerError(message, envelope.status, envelope.code, detail=envelope.detail)
    return NetSuiteError(message, envelope.status, envelope.code, detail=envelope.detail)
