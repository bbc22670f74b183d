"""Sandbox configuration, fixed demo credentials and request statistics."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# Account features, as `--features` names them; each off removes what NetSuite removes.
FEATURES = ("departments", "classes", "locations", "multi_currency", "oneworld", "journal_approval")
# Features whose switch changes the account's data (the rest change behaviour only).
DATA_FEATURES = FEATURES[:5]
FEATURE_LABELS = {
    "departments": "Departments",
    "classes": "Classes",
    "locations": "Locations",
    "multi_currency": "Multiple Currencies",
    "oneworld": "OneWorld",
    "journal_approval": "journal approval required",
}
# The forms of facts not confirmed against a live account (reference §9).
DELETED_TYPE_FORMS = ("id", "code", "label")
DELETED_DATE_ZONES = ("account", "utc")
# How many subsidiaries a OneWorld account has: "one" (the parent, all data in it) or
# "several" (a parent, two foreign subsidiaries and an elimination one; see subsidiaries.py).
SUBSIDIARY_MODES = ("one", "several")
# With several subsidiaries, the currencies a journal entry may be in (not settled, see
# subsidiaries.py): "subsidiary" (its base currency or its parent's), or "any" account currency.
JOURNAL_CURRENCY_FORMS = ("subsidiary", "any")

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
    # OneWorld's subsidiaries (SUBSIDIARY_MODES): shapes the data, so fixed once loaded.
    subsidiaries: str = "one"
    journal_currencies: str = "subsidiary"  # JOURNAL_CURRENCY_FORMS; behaviour only

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Refuse a form the sandbox cannot serve (also after a change at runtime)."""
        if self.deleted_type_form not in DELETED_TYPE_FORMS:
            raise ValueError(
                f"deleted_type_form is {self.deleted_type_form!r}; expected one of "
                f"{', '.join(DELETED_TYPE_FORMS)}."
            )
        if self.deleted_date_zone not in DELETED_DATE_ZONES:
            raise ValueError(
                f"deleted_date_zone is {self.deleted_date_zone!r}; expected one of "
                f"{', '.join(DELETED_DATE_ZONES)}."
            )
        if self.subsidiaries not in SUBSIDIARY_MODES:
            raise ValueError(
                f"subsidiaries is {self.subsidiaries!r}; expected one of "
                f"{', '.join(SUBSIDIARY_MODES)}."
            )
        if self.journal_currencies not in JOURNAL_CURRENCY_FORMS:
            raise ValueError(
                f"journal_currencies is {self.journal_currencies!r}; expected one of "
                f"{', '.join(JOURNAL_CURRENCY_FORMS)}."
            )
        if self.subsidiaries == "several" and not self.oneworld:
            raise ValueError(
                "subsidiaries='several' needs the OneWorld feature: an account without OneWorld "
                "has one subsidiary."
            )
        if self.subsidiaries == "several" and not self.multi_currency:
            raise ValueError(
                "subsidiaries='several' needs the Multiple Currencies feature: the foreign "
                "subsidiaries keep their books in GBP and EUR."
            )

    def features(self) -> dict[str, bool]:
        return {name: bool(getattr(self, name)) for name in FEATURES}

    def set_features(self, spec: str) -> None:
        """Apply a `--features` list: `all`, `none`, `default`, names (on) and -names (off),
        left to right from none; e.g. `departments,locations` or `default,-classes`. A word
        `subsidiaries=one|several` sets the subsidiary mode (alone, it leaves the features)."""
        words = [w.strip() for w in spec.split(",")]
        modes = [w for w in words if w.lower().replace(" ", "").startswith("subsidiaries=")]
        rest = ",".join(w for w in words if w not in modes)
        before = dict(vars(self))
        try:
            if rest.strip() or not modes:
                self.__dict__.update(parse_features(rest))
            for word in modes:
                self.subsidiaries = word.split("=", 1)[1].strip().lower()
            self.validate()
        except ValueError:
            vars(self).update(before)  # all or nothing
            raise

    def describe_features(self) -> str:
        """One line for the startup banner: which features are on and off."""
        on = [FEATURE_LABELS[n] for n, v in self.features().items() if v]
        off = [FEATURE_LABELS[n] for n, v in self.features().items() if not v]
        return f"on: {', '.join(on) or 'none'}; off: {', '.join(off) or 'none'}"

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


def parse_features(spec: str) -> dict[str, bool]:
    """`--features` text → every feature's switch; ValueError names the bad word."""
    defaults = {f.name: f.default for f in fields(SandboxConfig) if f.name in FEATURES}
    chosen = dict.fromkeys(FEATURES, False)
    words = [w.strip().lower().replace("-", "_") for w in spec.split(",")]
    if not spec.strip() or "" in words:
        raise ValueError(
            f"--features {spec!r} has an empty name; give a comma-separated list such as "
            "departments,locations (or all, none, default)."
        )
    for word in words:
        off = word.startswith("_")
        name = word.lstrip("_")
        if name == "all":
            chosen = dict.fromkeys(FEATURES, True)
        elif name == "none":
            chosen = dict.fromkeys(FEATURES, False)
        elif name == "default":
            chosen = dict(defaults)
        elif name in FEATURES:
            chosen[name] = not off
        else:
            raise ValueError(
                f"--features names an unknown feature {name!r}; expected all, none, default "
                f"or {', '.join(FEATURES)} (a leading - turns one off)."
            )
    return chosen


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
