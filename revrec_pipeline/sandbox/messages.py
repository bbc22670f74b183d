"""A request as the sandbox received it and the response it gives (shared by server and sandbox)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    base: str  # scheme://host as the client addressed us

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body.decode("utf-8") or "null")


@dataclass
class Response:
    status: int
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/vnd.oracle.resource+json; type=collection"
    text: str | None = None  # a page (HTML) instead of a JSON body
