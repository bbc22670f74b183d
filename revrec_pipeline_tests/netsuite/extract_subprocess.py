"""Runs a full extraction in its own process, so that a test can SIGKILL it midway."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from zoneinfo import ZoneInfo

from revrec_pipeline.netsuite.extract import Extractor
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.store import RevRecStore
from revrec_pipeline.store.profile import current_profile


def main() -> None:
    settings = json.loads(os.environ["EXTRACT_SETTINGS"])
    store = RevRecStore(settings.pop("database_url"))
    store.create_all()
    resource = NetSuiteResource(**settings)
    client = resource.get_client()
    # Profiled first, so that the test can count the extraction's own requests from here.
    profile = current_profile(store, client)
    print("profiled", flush=True)
    extractor = Extractor(
        client, store, ZoneInfo(resource.timezone), overlap=timedelta(minutes=60), profile=profile
    )
    extractor.extract_all().raise_failures()  # the streams side by side, as a sync runs them
    print("finished", flush=True)


if __name__ == "__main__":
    sys.exit(main())
