"""`revrec demo`: the whole pipeline on the bundled NetSuite sandbox, end to end."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from revrec_pipeline.settings import load_settings

MARKER = ".revrec-demo"  # only a folder the demo made itself is ever wiped


def _fresh_folder(folder: Path) -> Path:
    if folder.exists():
        if not (folder / MARKER).exists() and any(folder.iterdir()):
            raise RuntimeError(
                f"{folder} is not empty and was not made by `revrec demo`; choose another --home."
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by revrec demo; safe to delete\n")
    return folder


def run_demo(
    size: int | str = "small",
    seed: int = 42,
    home: str | None = None,
    progress: Callable[[str], None] = print,
) -> int:
    from revrec_pipeline.crm import import_crm_files
    from revrec_pipeline.runner import run_job
    from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
    from revrec_pipeline.store import RevRecStore

    folder = _fresh_folder(Path(home) if home else load_settings().home / "demo").resolve()
    started = time.monotonic()
    progress(f"Generating sandbox data (seed {seed}, size {size}) ...")
    dataset = generate_dataset(seed=seed, size=size)
    config = SandboxConfig()
    with NetSuiteSandbox(config, dataset) as sandbox:
        progress(f"NetSuite sandbox for account {config.account_id} listening on {sandbox.url}")
        # The demo is the embedded default: its own SQLite store and Dagster instance.
        for name in ("REVREC_DATABASE_URL", "DAGSTER_HOME"):
            os.environ.pop(name, None)
        os.environ.update(
            {
                "NETSUITE_ACCOUNT_ID": config.account_id,
                "NETSUITE_BASE_URL": sandbox.url,
                "NETSUITE_TIMEZONE": config.timezone,
                "NETSUITE_CONSUMER_KEY": config.consumer_key,
                "NETSUITE_CONSUMER_SECRET": config.consumer_secret,
                "NETSUITE_TOKEN_ID": config.token_id,
                "NETSUITE_TOKEN_SECRET": config.token_secret,
                "REVREC_HOME": str(folder),
            }
        )
        settings = load_settings()
        store = RevRecStore(settings.database_url)
        store.create_all()
        customers_csv, orders_csv = dataset.write_crm_csv(folder / "crm")
        customers, orders = import_crm_files(store, Path(customers_csv), Path(orders_csv))
        progress(f"Loaded sample CRM data: {customers} customers, {orders} sales order lines.")

        run = run_job("invoice_sync_job", progress=progress)
        if not run.success:
            progress(run.summary())
            return 1
        progress("")
        progress("Pulled from NetSuite:")
        for asset, meta in sorted(run.materializations.items()):
            progress(
                f"  {asset:24} {meta.get('rows_upserted', 0):>8,} upserted "
                f"{meta.get('lines', 0):>9,} lines {meta.get('deleted_in_netsuite', 0):>5,} deleted "
                f"{meta.get('requests', 0):>6,} requests  watermark {meta.get('watermark_utc')} UTC"
            )
        stats = sandbox.stats
        progress(
            f"Sandbox served {stats.requests:,} requests (most in flight at once: "
            f"{stats.max_in_flight}, 429s: {stats.rejected_429})."
        )
    progress(f"Store: {settings.database_url}")
    progress(f"Done in {time.monotonic() - started:.1f} s.")
    return 0
