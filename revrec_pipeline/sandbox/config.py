"""Sandbox configuration, fixed demo credentials and request statistics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Fixed, documented demo values: the sandbox is a local fake, these protect nothing.
SANDBOX_CREDENTIALS: dict[str, str] = {
    "consumer_key": "sandbox-consumer-key-0000000000000000000000000000000000000000000000",
    "consumer_secret": "sandbox-consumer-secret-000000000000000000000000000000000000000000",
    "token_id": "sandbox-token-id-00000000000000000000000000000000000000000000000000",
    "token_secret": "sandbox-token-secret-0000000000000000000000000000000000000000000000",
}


@dataclass
class SandboxConfig:
    """Behaviour knobs; mutable at runtime (tests change them between calls)."""

    account_id: str = "1234567_SB1"
    consumer_key: str = SANDBOX_CREDENTIALS["consumer_key"]
    consumer_secret: str = SANDBOX_CREDENTIALS["consumer_secret"]
    token_id: str = SANDBOX_CREDENTIALS["token_id"]
    token_secret: str = SANDBOX_CREDENTIALS["token_secret"]
    timezone: str = "America/Los_Angeles"
    max_concurrency: int = 5
    row_cap: int = 100_000
    latency_ms: int = 0  # response time per request, the sandbox's own work included
    fault_rate: float = 0.0
    fault_seed: int = 0
    timestamp_window_s: int = 300
    # OAuth 2.0 client credentials (M2M): off until a certificate's public key is set.
    oauth2_client_id: str = "sandbox-oauth2-client-id"
    oauth2_certificate_id: str = "sandbox-certificate-id"
    oauth2_public_key_pem: str | None = None
    oauth2_token_lifetime_s: int = 3600
    # Account features (SPEC §9): each off removes its columns and validations as NetSuite does.
    departments: bool = True
    classes: bool = True
    locations: bool = True
    multi_currency: bool = True
    oneworld: bool = True
    journal_approval: bool = False  # "Require Approvals on Journal Entries"
    # Forms of facts not confirmed against a live account (reference §9), one switch each.
    deleted_type_form: str = "id"  # DeletedRecord.type: id (invoice), code (CustInvc), label
    deleted_date_zone: str = "account"  # DeletedRecord.deleteddate: account zone or utc

    @property
    def realm(self) -> str:
        """The OAuth realm NetSuite expects: upper-case, '_' separated."""
        return self.account_id.upper().replace("-", "_")

    def public_dict(self) -> dict:
        """Config without credentials (for the admin endpoint and logs)."""
        data = asdict(self)
        for key in ("consumer_key", "consumer_secret", "token_id", "token_secret"):
            data.pop(key)
        return data


@dataclass
class SandboxStats:
    """Counters the tests assert on; updated under the sandbox lock."""

    requests: int = 0
    max_in_flight: int = 0
    rejected_429: int = 0
    injected_faults: int = 0
    suiteql_requests: int = 0
    journal_requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["by_status"] = {str(k): v for k, v in sorted(self.by_status.items())}
        return data
