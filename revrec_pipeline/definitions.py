"""The code location: assembles the one `Definitions` object `defs`.

Settings are validated here, so bad configuration (a malformed REVREC_EXCLUDE_PRODUCTS, an
unknown NETSUITE_TIMEZONE) stops the code location from loading with one clear sentence.
"""

from __future__ import annotations

import contextlib
import warnings

import dagster as dg

from revrec_pipeline.assets.billing import billing_assets
from revrec_pipeline.assets.close import close_assets
from revrec_pipeline.assets.crm import crm_assets
from revrec_pipeline.assets.journals import journal_assets
from revrec_pipeline.assets.netsuite import netsuite_assets
from revrec_pipeline.assets.tieout import tieout_checks
from revrec_pipeline.automation import (
    build_schedules,
    invoice_sync_job,
    journal_posting_job,
    period_close_sensor,
)
from revrec_pipeline.resources import build_resources
from revrec_pipeline.settings import Settings, load_dotenv_file, load_settings


def with_code_references(assets: list) -> list:
    """Each asset with a reference to the file and line that defines it (the UI's "Code"
    link). Where Python cannot read an asset's source (a package installed without its .py
    files), that asset goes without one rather than stopping the code location from loading.

    Links to a hosted repository (`dg.link_code_references_to_git`) are not made: the project
    cannot know which repository and branch a deployment's code came from."""
    referenced = []
    for asset in assets:
        # The code-reference classes are beta in 1.13; their warning is noise in every command.
        with warnings.catch_warnings(), contextlib.suppress(OSError, TypeError):
            warnings.simplefilter("ignore", dg.BetaWarning)
            (asset,) = dg.with_source_code_references([asset])
        referenced.append(asset)
    return referenced


def build_definitions(settings: Settings | None = None) -> dg.Definitions:
    settings = settings or load_settings()
    return dg.Definitions(
        assets=with_code_references(
            [*netsuite_assets, *crm_assets, *billing_assets, *journal_assets, *close_assets]
        ),
        asset_checks=tieout_checks,
        jobs=[invoice_sync_job, journal_posting_job],
        schedules=build_schedules(settings),
        sensors=[period_close_sensor],
        resources=build_resources(settings),
        # Every run (both jobs, and assets materialized from the UI) runs its steps in one
        # process: the NetSuite steps share the pool's one slot anyway, and a process per step
        # cost 3 to 5 s each (bench/UI_RUN.md).
        executor=dg.in_process_executor,
    )


load_dotenv_file()
defs = build_definitions()
