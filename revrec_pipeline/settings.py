"""Environment → validated settings: the one place that reads every variable of SPEC §2.

Secrets (the TBA keys) are not read here: they reach the NetSuite resource as Dagster `EnvVar`s
so that they never enter run config, logs or the UI. This module only checks that they are set.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

# Per authentication method: NetSuiteResource field → the variable holding its secret.
CREDENTIAL_FIELDS = {
    "tba": {
        "consumer_key": "NETSUITE_CONSUMER_KEY",
        "consumer_secret": "NETSUITE_CONSUMER_SECRET",
        "token_id": "NETSUITE_TOKEN_ID",
        "token_secret": "NETSUITE_TOKEN_SECRET",
    },
    "oauth2": {
        "client_id": "NETSUITE_CLIENT_ID",
        "certificate_id": "NETSUITE_CERTIFICATE_ID",
        "private_key": "NETSUITE_PRIVATE_KEY",
    },
}
JWT_ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
EXCLUDE_FORM = '{"product": {"name": "Name", "values": ["Product Name1", "Product Name2"]}}'
# SPEC §2: the `name` in the exclude JSON is the item field shown in NetSuite's UI.
EXCLUDE_FIELDS = {"Name": "itemid", "Display Name": "displayname"}
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9]+([_-][A-Za-z0-9]+)*$")


class ConfigurationError(ValueError):
    """Bad configuration: the message is one sentence naming the variable and the expected form."""


@dataclass(frozen=True)
class ExcludeProducts:
    """Items whose lines the invoice flow ignores, matched on one item field."""

    field: str  # "itemid" or "displayname"
    values: frozenset[str]

    def excludes(self, itemid: str | None, displayname: str | None) -> bool:
        value = itemid if self.field == "itemid" else displayname
        return value is not None and value in self.values


@dataclass(frozen=True)
class Settings:
    account_id: str | None
    auth_method: str
    jwt_algorithm: str
    base_url: str | None
    timezone: str
    max_concurrency: int
    overlap_minutes: int
    use_customer_name_mapping: bool
    exclude_products: ExcludeProducts | None
    home: Path
    database_url: str
    # NETSUITE_JOURNAL_APPROVED: send `approved: true` with each journal entry, so an account
    # that requires journal approval posts it at once. Opt-in: the integration role then needs
    # the Journal Approval permission, which lets it approve its own entries.
    journal_approved: bool = False


def redact_url(url: str) -> str:
    """A database URL fit for output: the password masked."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def realm_for(account_id: str) -> str:
    """OAuth realm: upper-case with `_` (NetSuite rejects `1234567_sb1`)."""
    return account_id.strip().upper().replace("-", "_")


def host_account_id(account_id: str) -> str:
    """Host label: lower-case with `-` (`1234567-sb1`)."""
    return account_id.strip().lower().replace("_", "-")


def load_dotenv_file(path: str | os.PathLike[str] = ".env") -> bool:
    """Honour a `.env` in the working directory as `dagster dev` does; real env vars win."""
    return load_dotenv(path, override=False)


def parse_exclude_products(raw: str | None) -> ExcludeProducts | None:
    if raw is None or not raw.strip():
        return None

    def bad(problem: str) -> ConfigurationError:
        return ConfigurationError(
            f"REVREC_EXCLUDE_PRODUCTS {problem}; expected JSON in exactly this form: {EXCLUDE_FORM}"
        )

    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise bad(f"is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict) or set(data) != {"product"}:
        raise bad('must be an object with the single key "product"')
    product = data["product"]
    if not isinstance(product, dict) or set(product) != {"name", "values"}:
        raise bad(
            'has a "product" that must be an object with exactly the keys "name" and "values"'
        )
    name = product["name"]
    if name not in EXCLUDE_FIELDS:
        raise bad(f'names the unsupported field {name!r} (use "Name" or "Display Name")')
    values = product["values"]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad('has "values" that is not a list of strings')
    return ExcludeProducts(field=EXCLUDE_FIELDS[name], values=frozenset(values))


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"true", "1", "yes"}:
        return True
    if value in {"false", "0", "no"}:
        return False
    raise ConfigurationError(f"{name} is {raw!r}; expected true or false.")


def parse_base_url(raw: str | None) -> str | None:
    value = (raw or "").strip().rstrip("/")
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"NETSUITE_BASE_URL is {raw!r}; expected an http(s) URL with a host, e.g. "
            "https://1234567-sb1.suitetalk.api.netsuite.com or http://127.0.0.1:8765."
        )
    return value


def parse_choice(name: str, raw: str | None, choices: tuple[str, ...], default: str) -> str:
    value = (raw or "").strip() or default
    if value not in choices:
        raise ConfigurationError(f"{name} is {raw!r}; expected one of {', '.join(choices)}.")
    return value


def parse_positive_int(name: str, raw: str | None, default: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigurationError(f"{name} is {raw!r}; expected a whole number of at least 1.")
    return value


def parse_timezone(raw: str | None) -> str:
    zone = (raw or "UTC").strip() or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"NETSUITE_TIMEZONE is {zone!r}, which is not a known IANA time zone; "
            "expected a name such as America/Los_Angeles or UTC."
        ) from None
    return zone


def parse_account_id(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    if not _ACCOUNT_ID.match(raw.strip()):
        raise ConfigurationError(
            f"NETSUITE_ACCOUNT_ID is {raw!r}; expected the account id as NetSuite shows it, "
            "e.g. 1234567, 1234567_SB1 or TSTDRV123456."
        )
    return raw.strip()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate SPEC §2. Raises ConfigurationError with one clear sentence."""
    env = os.environ if environ is None else environ
    home = Path(env.get("REVREC_HOME") or "./.revrec").expanduser()
    database_url = env.get("REVREC_DATABASE_URL") or f"sqlite:///{home.resolve() / 'revrec.db'}"
    return Settings(
        account_id=parse_account_id(env.get("NETSUITE_ACCOUNT_ID")),
        auth_method=parse_choice(
            "NETSUITE_AUTH_METHOD", env.get("NETSUITE_AUTH_METHOD"), ("tba", "oauth2"), "tba"
        ),
        jwt_algorithm=parse_choice(
            "NETSUITE_JWT_ALGORITHM", env.get("NETSUITE_JWT_ALGORITHM"), JWT_ALGORITHMS, "PS256"
        ),
        base_url=parse_base_url(env.get("NETSUITE_BASE_URL")),
        timezone=parse_timezone(env.get("NETSUITE_TIMEZONE")),
        max_concurrency=parse_positive_int(
            "NETSUITE_MAX_CONCURRENCY", env.get("NETSUITE_MAX_CONCURRENCY"), 4
        ),
        overlap_minutes=parse_positive_int(
            "NETSUITE_OVERLAP_MINUTES", env.get("NETSUITE_OVERLAP_MINUTES"), 60
        ),
        use_customer_name_mapping=parse_bool(
            "REVREC_USE_CUSTOMER_NAME_MAPPING", env.get("REVREC_USE_CUSTOMER_NAME_MAPPING"), True
        ),
        exclude_products=parse_exclude_products(env.get("REVREC_EXCLUDE_PRODUCTS")),
        home=home,
        database_url=database_url,
        journal_approved=parse_bool(
            "NETSUITE_JOURNAL_APPROVED", env.get("NETSUITE_JOURNAL_APPROVED"), False
        ),
    )


def require_credentials(settings: Settings, environ: Mapping[str, str] | None = None) -> None:
    """Stop before any NetSuite call, naming every credential variable that is unset."""
    missing = missing_credentials(environ)
    if missing:
        what = (
            "the OAuth 2.0 client id, certificate id and private key"
            if settings.auth_method == "oauth2"
            else "the four token-based-authentication keys"
        )
        raise ConfigurationError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set; NetSuite needs "
            f"the account id and {what} (in the environment or .env)."
        )


def missing_credentials(environ: Mapping[str, str] | None = None) -> list[str]:
    """Names of the NetSuite variables a live connection needs but that are unset."""
    env = os.environ if environ is None else environ
    method = (env.get("NETSUITE_AUTH_METHOD") or "tba").strip() or "tba"
    names = ["NETSUITE_ACCOUNT_ID", *CREDENTIAL_FIELDS.get(method, {}).values()]
    if method == "oauth2" and (env.get("NETSUITE_PRIVATE_KEY_FILE") or "").strip():
        names.remove("NETSUITE_PRIVATE_KEY")
    return [name for name in names if not (env.get(name) or "").strip()]
