"""`revrec demo`: the whole pipeline on the bundled NetSuite sandbox, end to end."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from revrec_pipeline.settings import ConfigurationError, load_settings, redact_url

MARKER = ".revrec-demo"  # only a folder the demo made itself is ever wiped
RECORD = "demo.json"  # the finished demo's settings, no secret: what `revrec dev` reproduces
SANDBOX_DATABASE = "netsuite.db"  # the sandbox account, kept: `revrec dev` serves the same one
DEFAULT_SIZE, DEFAULT_SEED = "small", 42


@dataclass(frozen=True)
class DemoRecord:
    """What a finished demo ran with; its NetSuite data is the kept sandbox database."""

    seed: int
    size: int | str
    exclude_products: str  # REVREC_EXCLUDE_PRODUCTS as the demo set it
    sandbox_database: str = SANDBOX_DATABASE
    # The sandbox account's OneWorld mode (SandboxConfig); records of earlier demos: "one".
    subsidiaries: str = "one"

    def write(self, folder: Path) -> None:
        (folder / RECORD).write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> DemoRecord | None:
        """The record of a demo that finished in folder, or None (none, unfinished, damaged)."""
        try:
            data = json.loads((folder / RECORD).read_text(encoding="utf-8"))
            record = cls(**data)
        except (OSError, ValueError, TypeError):
            return None
        needed = (folder / record.sandbox_database, folder / "revrec.db")
        return record if all(path.is_file() for path in needed) else None


def demo_folder(home: str | os.PathLike[str] | None = None) -> Path:
    return (Path(home) if home else load_settings().home / "demo").resolve()


def demo_environment(
    environ: Mapping[str, str],
    folder: Path,
    sandbox_environment: Mapping[str, str],
    exclude_products: str,
) -> dict[str, str]:
    """environ with the demo's settings: the sandbox's account, the demo's store, files and
    instance (REVREC_HOME/dagster). A NetSuite account, store or instance of the user's own
    (environment or .env) never leaks into the demo."""
    own = ("REVREC_DATABASE_URL", "REVREC_USE_CUSTOMER_NAME_MAPPING", "DAGSTER_HOME")
    env = {k: v for k, v in environ.items() if not k.startswith("NETSUITE_") and k not in own}
    env.update(sandbox_environment)
    env["REVREC_HOME"] = str(folder)
    env["REVREC_EXCLUDE_PRODUCTS"] = exclude_products
    return env


def _exclude_products(manifest: dict) -> str:
    # Show product exclusion at work on the sandbox's legacy item.
    return json.dumps({"product": {"name": "Name", "values": [manifest["excluded_item_name"]]}})


def _fresh_folder(folder: Path) -> Path:
    if folder.exists():
        if not (folder / MARKER).exists() and any(folder.iterdir()):
            raise ConfigurationError(
                f"{folder} is not empty and was not made by `revrec demo`; choose another --home."
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("made by revrec demo; safe to delete\n")
    return folder


GO_LIVE_PERIOD = "2026-10"  # the sandbox's data runs to October 2026


def _run(run_job, job_name: str, progress):
    run = run_job(job_name, progress=progress)
    if not run.success:
        progress(run.summary())
        return None
    return run


def _write_demo_mapping(path: Path, manifest: dict) -> Path:
    """A mapping for the sandbox's chart of accounts, with a revenue override and segments:
    rows for every subsidiary, and UK Ltd's own deferred revenue account (OneWorld)."""
    accounts = manifest["accounts"]
    rows = [
        "account_type,netsuite_account_id,product_code,department,class,location,subsidiary",
        f"contra_revenue,{accounts['contra_revenue']},,1,1,1,",
        f"deferred_revenue,{accounts['deferred_revenue']},,,,,",
        f"revenue,{accounts['revenue']},,1,1,1,",
        f"revenue,{accounts['services_revenue']},Premium Support,2,2,1,",
        f"unbilled_receivable,{accounts['unbilled_receivable']},,,,,",
    ]
    if "subsidiary_accounts" in manifest:  # several subsidiaries
        uk = manifest["subsidiary_ids"]["uk"]
        uk_deferred = manifest["subsidiary_accounts"]["uk_deferred_revenue"]
        rows.append(f"deferred_revenue,{uk_deferred},,,,,{uk}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _print_extract(run, progress) -> None:
    progress("Pulled from NetSuite:")
    for asset, meta in sorted(run.materializations.items()):
        if asset.startswith("netsuite_"):
            progress(
                f"  {asset:24} {meta.get('rows_upserted', 0):>8,} rows "
                f"{meta.get('lines', 0):>9,} lines {meta.get('requests', 0):>6,} requests  "
                f"watermark {meta.get('watermark_utc')} UTC"
            )


def _table_text(table) -> str:
    """A metadata table (`MetadataValue.table`) as aligned text, numbers to the right."""
    columns = table.schema.columns
    cells = [[str(r.data.get(c.name, "")) for c in columns] for r in table.records]
    widths = [
        max(len(x) for x in column)
        for column in zip(*cells, [c.name for c in columns], strict=True)
    ]
    numeric = [c.type in ("decimal", "int", "float") for c in columns]

    def line(values) -> str:
        parts = zip(values, widths, numeric, strict=True)
        return "  " + "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in parts)

    rows = [line([c.name for c in columns]), "  " + "  ".join("-" * w for w in widths)]
    return "\n".join(rows + [line(row) for row in cells])


def _recon_summary_text(workbook: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(workbook, read_only=True)
    try:
        rows = list(book["ReconSummary_Invoice"].iter_rows(values_only=True))
    finally:
        book.close()
    header = rows[0] if rows else ()
    money = {i for i, h in enumerate(header) if "Amount" in str(h) or h == "Difference"}
    lines = []
    for index, row in enumerate(rows):
        cells = [
            f"{v:>14,.2f}" if index and i in money else f"{v!s:>14}" for i, v in enumerate(row)
        ]
        lines.append("  " + " ".join(cells))
        if index == 0:
            lines.append("  " + "-" * (15 * len(row)))
    return "\n".join(lines)


def run_demo(
    size: int | str = DEFAULT_SIZE,
    seed: int = DEFAULT_SEED,
    home: str | None = None,
    progress: Callable[[str], None] = print,
) -> int:
    from revrec_pipeline.crm import import_crm_files
    from revrec_pipeline.invoices.bulk_import import read_billing_schedule
    from revrec_pipeline.journals.mapping import parse_mapping_csv
    from revrec_pipeline.runner import post_period_now, run_job
    from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
    from revrec_pipeline.store import RevRecStore
    from revrec_pipeline.store.invoices import import_bulk
    from revrec_pipeline.store.journals import replace_mapping
    from revrec_pipeline.store.periods import close_period, posting_notice, set_go_live

    folder = _fresh_folder(demo_folder(home))
    started = time.monotonic()
    progress(f"Generating sandbox data (seed {seed}, size {size}) ...")
    dataset = generate_dataset(seed=seed, size=size)
    # OneWorld with a parent and two foreign subsidiaries, as most companies selling abroad.
    record = DemoRecord(
        seed=seed,
        size=size,
        exclude_products=_exclude_products(dataset.manifest),
        subsidiaries="several",
    )
    config = SandboxConfig(subsidiaries=record.subsidiaries)
    # The sandbox account is kept in the demo folder: `revrec dev` serves it again, journals
    # the demo posted included.
    sandbox_database = str(folder / record.sandbox_database)
    with NetSuiteSandbox(config, dataset, db_path=sandbox_database) as sandbox:
        progress(f"NetSuite sandbox for account {config.account_id} listening on {sandbox.url}")
        # The demo is the embedded default: its own SQLite store and Dagster instance.
        environment = demo_environment(
            os.environ, folder, sandbox.environment(), record.exclude_products
        )
        for name in set(os.environ) - set(environment):
            del os.environ[name]
        os.environ.update(environment)
        settings = load_settings()
        store = RevRecStore(settings.database_url)
        store.create_all()
        customers_csv, orders_csv = dataset.write_crm_csv(
            folder / "crm", subsidiaries=record.subsidiaries
        )
        customers, _ = import_crm_files(store, Path(customers_csv), None)
        progress(f"Loaded sample CRM customers: {customers}.")

        # 1. Before go-live a job is a conversion: it writes a workbook to review, loads nothing.
        conversion = _run(run_job, "invoice_sync_job", progress)
        if conversion is None:
            return 1
        _print_extract(conversion, progress)
        # The sales orders name NetSuite subsidiaries, which the sync has now read.
        _, orders = import_crm_files(store, None, Path(orders_csv))
        progress(f"Loaded sample CRM sales orders: {orders} lines.")
        conversion_file = Path(conversion.materializations["invoice_workbook"]["path"])
        progress(f"Conversion workbook to review: {conversion_file}")

        # 2. The reviewed workbook is loaded, the first period is set: from now on jobs sync.
        billing = read_billing_schedule(conversion_file)
        loaded, _ = import_bulk(store, billing, str(conversion_file))
        progress(f"import-bulk loaded {loaded.upserted:,} billing lines.")
        set_go_live(store, GO_LIVE_PERIOD)
        progress(f"First accounting period set to {GO_LIVE_PERIOD}.")

        # 3. A sync job: loads the billing schedule automatically and must reconcile.
        sync = _run(run_job, "invoice_sync_job", progress)
        if sync is None:
            return 1
        workbook = sync.materializations["invoice_workbook"]["path"]

        # 4. Journals: map accounts, close the period, post its entries to NetSuite once.
        mapping_csv = _write_demo_mapping(folder / "mapping.csv", sandbox.manifest)
        replace_mapping(store, parse_mapping_csv(mapping_csv.read_text(), mapping_csv.name))
        close_period(store, GO_LIVE_PERIOD)
        progress(f"Closed {GO_LIVE_PERIOD}: {posting_notice(GO_LIVE_PERIOD)}.")
        posting = post_period_now(store, GO_LIVE_PERIOD, progress=progress)
        if not posting.success:
            progress(posting.summary())
            return 1
        stats = sandbox.stats
        progress(
            f"Sandbox served {stats.requests:,} requests (most in flight at once: "
            f"{stats.max_in_flight}, 429s: {stats.rejected_429})."
        )
    progress("")
    progress(f"Workbook: {workbook}")
    progress("Recon summary (ReconSummary_Invoice):")
    progress(_recon_summary_text(Path(workbook)))
    progress("")
    progress(
        f"Journal entries posted to NetSuite for {GO_LIVE_PERIOD} (per event, subsidiary, "
        "currency and account):"
    )
    progress(_table_text(posting.materializations["posted_journals"]["by_account"]))
    progress("")
    progress(
        f"Remaining performance obligation at the end of {GO_LIVE_PERIOD} (RPO; cRPO: the next "
        "12 months), deferred revenue and unbilled receivable per currency:"
    )
    progress(_table_text(posting.materializations["deferred_revenue_waterfall"]["rpo"]))
    progress("")
    progress(
        f"Close workbook of {GO_LIVE_PERIOD} (journal entries and their detail, waterfall with "
        "its chart, RPO, GL tie-out):"
    )
    progress(f"Close workbook: {posting.materializations['close_workbook']['path']}")
    progress(f"Store: {redact_url(settings.database_url)}")
    record.write(folder)  # last: only a finished demo is one `revrec dev` opens
    progress(f"Done in {time.monotonic() - started:.1f} s.")
    progress("")
    where = "" if home is None else f" --home {folder}"
    progress(f"Open the Dagster UI on this data (sandbox included): revrec dev{where}")
    return 0
