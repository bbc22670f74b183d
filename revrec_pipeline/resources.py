"""The resources every asset shares, built from the validated settings (SPEC §2)."""

from __future__ import annotations

import os

import dagster as dg

from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.settings import CREDENTIAL_FIELDS, Settings
from revrec_pipeline.store.db import StoreResource


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    # Secrets and the account stay EnvVars: resolved at run time, never shown in the UI.
    # Only the chosen method's variables are EnvVars, so the other method's need not be set.
    credentials = {
        field: dg.EnvVar(variable)
        for field, variable in CREDENTIAL_FIELDS[settings.auth_method].items()
        if not (field == "private_key" and os.environ.get("NETSUITE_PRIVATE_KEY_FILE"))
    }
    netsuite = NetSuiteResource(
        account_id=dg.EnvVar("NETSUITE_ACCOUNT_ID"),
        auth_method=settings.auth_method,
        **credentials,
        private_key_file=os.environ.get("NETSUITE_PRIVATE_KEY_FILE", ""),
        jwt_algorithm=settings.jwt_algorithm,
        base_url=dg.EnvVar("NETSUITE_BASE_URL") if os.environ.get("NETSUITE_BASE_URL") else "",
        timezone=settings.timezone,
        max_concurrency=settings.max_concurrency,
        overlap_minutes=settings.overlap_minutes,
        journal_approved=settings.journal_approved,
    )
    # A database URL may carry a password: keep it an EnvVar when the user set one.
    database_url = (
        dg.EnvVar("REVREC_DATABASE_URL")
        if os.environ.get("REVREC_DATABASE_URL")
        else settings.database_url
    )
    invoice_settings = InvoiceSettingsResource(
        home=str(settings.home),
        use_customer_name_mapping=settings.use_customer_name_mapping,
        exclude_products=os.environ.get("REVREC_EXCLUDE_PRODUCTS", ""),
    )
    return {
        "netsuite": netsuite,
        "store": StoreResource(database_url=database_url),
        "invoice_settings": invoice_settings,
    }


class InvoiceSettingsResource(dg.ConfigurableResource):
    """The invoice flow's settings (SPEC §2): where job files go, how customers match, which
    products are excluded (the exact JSON of REVREC_EXCLUDE_PRODUCTS)."""

    home: str
    use_customer_name_mapping: bool = True
    exclude_products: str = ""

    def exclusion(self):
        from revrec_pipeline.settings import parse_exclude_products

        return parse_exclude_products(self.exclude_products)
