"""The `revrec` command (SPEC §10). Every command reads the §2 environment and `.env`, prints
what it did, and exits non-zero with one clear sentence on failure."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path

from revrec_pipeline.settings import (
    ConfigurationError,
    load_dotenv_file,
    load_settings,
    redact_url,
)

EXIT_FAILURE = 1


class CommandError(RuntimeError):
    """A command failed in a way the user can act on; the message is shown as is."""


def _print(message: str = "") -> None:
    print(message, flush=True)


# -- commands -----------------------------------------------------------------------------------


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    from revrec_pipeline.sandbox import SandboxConfig, serve

    try:
        config = SandboxConfig(
            deleted_type_form=args.deleted_type_form,
            deleted_date_zone=args.deleted_date_zone,
            subsidiaries=args.subsidiaries,
        )
        if args.features is not None:
            config.set_features(args.features)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if args.oauth2_public_key:
        try:
            config.oauth2_public_key_pem = args.oauth2_public_key.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                f"{args.oauth2_public_key} cannot be read ({exc.strerror})."
            ) from None
    try:
        serve(
            host=args.host,
            port=args.port,
            seed=args.seed,
            size=_size(args.size),
            config=config,
            db_path=args.db,
        )
    except ValueError as exc:  # e.g. a --db loaded with other features
        raise CommandError(str(exc)) from None
    return 0


def cmd_connect(args: argparse.Namespace) -> int:
    from revrec_pipeline.netsuite.connect import connect
    from revrec_pipeline.netsuite.profile import describe_profile
    from revrec_pipeline.netsuite.queries import sync_columns
    from revrec_pipeline.store.profile import save_profile

    settings = load_settings()
    report = connect(settings, progress=_print)
    if report.failures:
        raise CommandError(report.failures[0].message)
    profile = report.profile
    for line in describe_profile(profile, used=sync_columns(profile)):
        _print(line)
    save_profile(_store(), profile)
    _print(f"Connected to NetSuite account {settings.account_id}: every permission checked works.")
    _print(
        "Every query the sync sends ran on a one-minute window; the account profile is stored "
        "for syncs (`revrec status` shows it)."
    )
    return 0


def cmd_crm_import(args: argparse.Namespace) -> int:
    from revrec_pipeline.crm import import_crm_files

    if not args.customers and not args.sales_orders:
        raise CommandError("Give --customers FILE.csv, --sales-orders FILE.csv, or both.")
    store = _store()
    customers, orders = import_crm_files(store, args.customers, args.sales_orders)
    _print(f"Loaded {customers} CRM customers and {orders} sales order lines into the store.")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from revrec_pipeline.runner import run_job

    result = run_job("invoice_sync_job", progress=_print)
    if not result.success:
        raise CommandError(result.summary())
    _print(result.summary())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from revrec_pipeline.store.invoices import list_jobs
    from revrec_pipeline.store.journals import posting_counts, postings
    from revrec_pipeline.store.periods import notices, periods
    from revrec_pipeline.store.reopen import reopens
    from revrec_pipeline.store.tieout import latest_tieouts, tieout_lines

    store = _store()
    settings = load_settings()
    _print(f"Store: {redact_url(settings.database_url)}")
    _print_profiles(store)
    known = periods(store)
    if known:
        _print("Accounting periods: " + ", ".join(f"{p['period']} {p['status']}" for p in known))
    else:
        _print("Accounting periods: none set (conversion: jobs write workbooks, load nothing).")
    for item in notices(store, limit=5):
        _print(f"Notice {item['created_at']:%Y-%m-%d %H:%M} UTC: {item['message']}")
    jobs = list_jobs(store, limit=1)
    if jobs:
        job = jobs[0]
        _print(
            f"Last invoice job: {job['kind']} at {job['created_at']:%Y-%m-%d %H:%M} UTC, "
            f"recon {job['recon_status']}, {job['file'] or '-'}"
        )
    counts = posting_counts(store)
    if counts:
        _print("Journal postings:")
        for period, by_status in counts.items():
            shown = ", ".join(
                f"{n} {status.replace('_', ' ')}" for status, n in sorted(by_status.items())
            )
            _print(f"  {period}: {shown}")
        for row in postings(store):
            when = f"{row['posted_at']:%Y-%m-%d %H:%M}" if row["posted_at"] else "-"
            _print(
                f"  {row['external_id']:36} {row['status']:16} NetSuite "
                f"{row['netsuite_id'] or '-':>8}  {when}"
            )
    history = reopens(store)
    if history:
        _print("Reopened periods:")
        for row in history:
            settled = (
                "its superseded entries all settled"
                if row["settled_entries"] == row["superseded"]
                else f"{row['superseded'] - row['settled_entries']} superseded entries still to "
                "replace or delete in NetSuite at its next close"
            )
            _print(
                f"  {row['period']} at {row['reopened_at']:%Y-%m-%d %H:%M} UTC: "
                f"{row['superseded']} entries superseded; {settled}"
            )
    tieouts = latest_tieouts(store)
    if tieouts:
        _print("GL tie-out (latest per period):")
        for record in tieouts.values():
            for line in tieout_lines(record):
                _print(f"  {line}")
    for table in (
        "netsuite_customer",
        "netsuite_item",
        "netsuite_transaction",
        "netsuite_transaction_line",
        "crm_customer",
        "crm_sales_order_line",
    ):
        _print(f"  {table:28} {store.count(table):>10,} rows")
    watermarks = store.watermarks()
    _print("Last sync watermarks (UTC):" if watermarks else "No sync has run yet.")
    for stream, mark in sorted(watermarks.items()):
        _print(f"  {stream:28} {mark or '-'}")
    return 0


def _print_profiles(store) -> None:
    from revrec_pipeline.netsuite.profile import describe_profile
    from revrec_pipeline.netsuite.queries import sync_columns
    from revrec_pipeline.store.profile import list_profiles

    profiles = list_profiles(store)
    if not profiles:
        _print("NetSuite account profile: none stored yet (`revrec connect` or a sync stores it).")
    for profile in profiles:
        for line in describe_profile(profile, used=sync_columns(profile)):
            _print(line)


def cmd_period_set(args: argparse.Namespace) -> int:
    from revrec_pipeline.store.periods import set_go_live

    set_go_live(_store(), args.period)
    _print(
        f"First accounting period set to {args.period}: from now on invoice jobs load the billing "
        "schedule into the store automatically (sync jobs)."
    )
    return 0


def cmd_period_close(args: argparse.Namespace) -> int:
    from revrec_pipeline.store.periods import close_period, posting_notice

    close_period(_store(), args.period)
    _print(
        f"Closed {args.period}. {posting_notice(args.period)}: the period-close sensor (or "
        f"`revrec journals post {args.period}`) posts its journal entries."
    )
    return 0


def cmd_period_reopen(args: argparse.Namespace) -> int:
    from revrec_pipeline.runner import reopen_period_now

    reopen_period_now(_store(), args.period, progress=_print)
    return 0


def cmd_mapping_import(args: argparse.Namespace) -> int:
    from revrec_pipeline.crm import stored_subsidiaries
    from revrec_pipeline.journals.mapping import (
        MappingError,
        parse_mapping_csv,
        subsidiary_problems,
    )
    from revrec_pipeline.store.journals import replace_mapping

    try:
        text = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{args.file} cannot be read as UTF-8 text ({exc}).") from None
    mapping = parse_mapping_csv(text, args.file.name)
    store = _store()
    problems = subsidiary_problems(mapping, stored_subsidiaries(store), args.file.name)
    if problems:
        raise MappingError(
            problems, f"{len(problems)} problem(s) in {args.file.name}, nothing loaded:"
        )
    replace_mapping(store, mapping)
    types = sorted({row.account_type for row in mapping.rows})
    _print(f"Loaded the journal account mapping: {len(mapping.rows)} rows ({', '.join(types)}).")
    return 0


def cmd_journals_post(args: argparse.Namespace) -> int:
    from revrec_pipeline.runner import post_period_now
    from revrec_pipeline.store.periods import parse_period
    from revrec_pipeline.store.tieout import latest_tieout, tieout_lines

    period = parse_period(args.period)
    result = post_period_now(_store(), period, replan=args.replan, progress=_print)
    if not result.success:
        raise CommandError(result.summary())
    _print(result.summary())
    posted = result.materializations.get("posted_journals", {})
    if posted:
        pending = posted.get("pending_approval", 0)
        _print(
            f"{posted.get('posted', 0)} of {posted.get('entries', 0)} entries for {period} are "
            f"posted in NetSuite ({posted.get('posted_now', 0)} recorded by this run)."
        )
        if pending:
            _print(
                f"{pending} entr{'y is' if pending == 1 else 'ies are'} in NetSuite pending "
                f"approval ({', '.join(posted.get('pending_approval_ids') or [])}): they post "
                f"once an approver approves them; then run `revrec journals post {period}` "
                "again to record them (nothing is written twice)."
            )
    tieout = latest_tieout(_store(), period)
    if tieout is None:
        _print(f"Tie-out {period}: not run yet (it runs after the period's entries post).")
    else:
        for line in tieout_lines(tieout):
            _print(line)
    workbook = result.materializations.get("close_workbook", {}).get("path")
    if workbook:
        _print(f"Close workbook: {workbook}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from revrec_pipeline.journals.explain import ExplainError, explanation_text
    from revrec_pipeline.store.explain import explain_from_store
    from revrec_pipeline.store.periods import parse_period

    period = parse_period(args.period)
    try:
        explanation = explain_from_store(_store(), period)
        text = explanation_text(explanation, account=args.account, customer=args.customer)
    except ExplainError as exc:
        raise CommandError(str(exc)) from None
    for line in text:
        _print(line)
    return 0


def _aligned(headers: list[str], rows: list[list[str]], left: int) -> list[str]:
    """Columns padded to their widest cell; the first `left` columns text, the rest amounts."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells) -> str:
        return "  ".join(
            str(c).ljust(w) if i < left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def cmd_waterfall(args: argparse.Namespace) -> int:
    from revrec_pipeline.journals.periods import period_end
    from revrec_pipeline.journals.waterfall import deferred_revenue_waterfall
    from revrec_pipeline.store.journals import read_journal_inputs
    from revrec_pipeline.store.periods import closed_periods, go_live_period, parse_period

    period = parse_period(args.period)
    with _store().read() as conn:
        closed = closed_periods(conn)
        if period not in closed:
            latest = f"the latest closed period is {closed[-1]}" if closed else "none is closed yet"
            raise CommandError(
                f"Period {period} is not closed, so it has no waterfall yet ({latest}); the "
                "waterfall is reported as of a closed period's end."
            )
        go_live = go_live_period(conn)
        billing, orders = read_journal_inputs(conn)
    wf = deferred_revenue_waterfall(billing, orders, period)

    def money(cents) -> str:
        return f"{Decimal(int(cents)).scaleb(-2):,.2f}"

    _print(
        f"Deferred revenue waterfall as of {period_end(period).isoformat()} (period {period}); "
        "amounts in each row's currency; balances cover all activity, with the opening "
        f"balances at go-live ({go_live})."
    )
    _print()
    _print("RPO per currency (cRPO: the part recognized in the next 12 months)")
    rpo_names = ["contract", "recognized", "RPO", "cRPO", "deferred", "unbilled"]
    rpo_rows = [[r.currency, *(money(v) for v in r[2:])] for r in wf.rpo.itertuples()]
    for text in _aligned(["currency", *rpo_names], rpo_rows, 1):
        _print(text)
    _print()
    # OneWorld: the subsidiary is a column of its own (internal id).
    keys = ["customer_id", "currency"]
    if (wf.balances["subsidiary"] != "").any() or (wf.lines["subsidiary"] != "").any():
        keys.append("subsidiary")
    key_names = [{"customer_id": "customer"}.get(k, k) for k in keys]
    _print("Balances per customer and currency" + (" and subsidiary" if len(keys) > 2 else ""))
    balance_amounts = ["billed_cents", "recognized_cents", "deferred_cents", "unbilled_cents"]
    balance_rows = [
        [*(row[k] for k in keys), *(money(row[c]) for c in balance_amounts)]
        for row in wf.balances.to_dict(orient="records")
    ]
    balance_names = ["billed", "recognized", "deferred", "unbilled"]
    for text in _aligned([*key_names, *balance_names], balance_rows, len(keys)):
        _print(text)
    _print()
    _print("Waterfall per customer, currency and product (recognition still to come by month)")
    amounts = ["contract_cents", "recognized_cents", *wf.months, "later_cents"]
    line_rows = [
        [*(row[k] for k in keys), row["product_code"], *(money(row[c]) for c in amounts)]
        for row in wf.lines.to_dict(orient="records")
    ]
    headers = [*key_names, "product", "contract", "recognized", *wf.months, "later"]
    for text in _aligned(headers, line_rows, len(keys) + 1):
        _print(text)
    return 0


def cmd_import_bulk(args: argparse.Namespace) -> int:
    from revrec_pipeline.invoices.bulk_import import read_billing_schedule
    from revrec_pipeline.store.invoices import import_bulk

    _print(f"Validating {args.file} ...")
    billing = read_billing_schedule(args.file)
    result, job_id = import_bulk(_store(), billing, str(args.file.resolve()))
    _print(
        f"Loaded {result.upserted:,} billing lines from {args.file.name} (job {job_id}); "
        f"removed {result.deleted:,} lines no longer in the workbook."
    )
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    from revrec_pipeline.store.invoices import list_jobs

    jobs = list_jobs(_store(), limit=args.limit)
    if not jobs:
        _print("No invoice jobs yet: run `revrec sync` (or `revrec demo`).")
        return 0
    _print(
        f"{'job':>5}  {'when (UTC)':19}  {'kind':11} {'billing':>9} {'pending':>8} "
        f"{'recon':10}  file"
    )
    for job in jobs:
        _print(
            f"{job['id']:>5}  {job['created_at']:%Y-%m-%d %H:%M:%S}  {job['kind']:11} "
            f"{job['billing_lines']:>9,} {job['pending_lines']:>8,} {job['recon_status']:10}  "
            f"{job['file'] or '-'}"
        )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from revrec_pipeline.store import RevRecStore

    settings = load_settings()
    before, after = RevRecStore(settings.database_url).upgrade(args.revision)
    where = redact_url(settings.database_url)
    if before == after:
        _print(f"The store at {where} is already at revision {after}.")
    else:
        _print(f"Upgraded the store at {where} from revision {before or '(empty)'} to {after}.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from revrec_pipeline.demo import run_demo

    return run_demo(size=_size(args.size), seed=args.seed, home=args.home, progress=_print)


def cmd_dev(args: argparse.Namespace) -> int:
    from revrec_pipeline.dev import DevError, DevOptions, run_dev

    options = DevOptions(
        host=args.host,
        port=args.port,
        home=args.home,
        size=None if args.size is None else _size(args.size),
        seed=args.seed,
        sandbox_port=args.sandbox_port,
        log_level=args.log_level,
    )
    try:
        return run_dev(options, progress=_print)
    except DevError as exc:
        raise CommandError(str(exc)) from None


# -- helpers ------------------------------------------------------------------------------------


def _store():
    from revrec_pipeline.store import RevRecStore

    store = RevRecStore(load_settings().database_url)
    store.create_all()
    return store


def _size(value: str) -> int | str:
    return int(value) if value.isdigit() else value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="revrec",
        description=(
            "Keep revenue recognition in step with NetSuite. Configuration comes from the "
            "environment and a .env file in the working directory (NETSUITE_*, REVREC_*)."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable, help: str, parent=sub) -> argparse.ArgumentParser:
        command = parent.add_parser(name, help=help, description=help)
        command.set_defaults(func=func)
        return command

    def group(name: str, help: str):
        """A command with sub-commands (`revrec period set`, `revrec period close`, …)."""
        parser = sub.add_parser(name, help=help, description=help)
        return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")

    demo = add(
        "demo",
        cmd_demo,
        "Start the bundled NetSuite sandbox, load sample CRM data and run the pipeline on it.",
    )
    demo.add_argument(
        "--size", default="small", help="tiny, small (default), medium, large or a line count"
    )
    demo.add_argument("--seed", type=int, default=42, help="data generator seed (default 42)")
    demo.add_argument(
        "--home",
        default=None,
        help="folder for the demo's store and files (default REVREC_HOME/demo)",
    )

    dev = add(
        "dev",
        cmd_dev,
        "Open the Dagster UI on the demo's data: start the bundled NetSuite sandbox with the "
        "demo's account and `dagster dev` on the demo's store and Dagster instance, wired "
        "together (runs `revrec demo` first when there is no finished demo). Ctrl-C stops both.",
    )
    dev.add_argument("--host", default="127.0.0.1", help="UI host (default 127.0.0.1)")
    dev.add_argument("--port", type=int, default=3000, help="UI port (default 3000)")
    dev.add_argument(
        "--home",
        default=None,
        help="the demo's folder (default REVREC_HOME/demo), as given to `revrec demo --home`",
    )
    dev.add_argument(
        "--size",
        default=None,
        help="demo data size when the demo runs first (default: the existing demo's, else "
        "small); another size than the demo's runs the demo again",
    )
    dev.add_argument(
        "--seed",
        type=int,
        default=None,
        help="data generator seed, as --size (default: the existing demo's, else 42)",
    )
    dev.add_argument(
        "--sandbox-port", type=int, default=0, help="sandbox port (default: any free port)"
    )
    dev.add_argument(
        "--log-level",
        default="warning",
        choices=("critical", "error", "warning", "info", "debug"),
        help="log level of the Dagster services (default warning; runs log as they are set)",
    )

    sandbox_sub = group("sandbox", "The bundled NetSuite sandbox.")
    serve = add(
        "serve",
        cmd_sandbox_serve,
        "Run the NetSuite sandbox in the foreground; prints the NETSUITE_* settings to use.",
        sandbox_sub,
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--seed", type=int, default=42, help="data generator seed")
    serve.add_argument("--size", default="small", help="tiny, small, medium, large or a line count")
    serve.add_argument("--db", default=None, help="keep the sandbox data in this SQLite file")
    serve.add_argument(
        "--oauth2-public-key",
        type=Path,
        default=None,
        help="PEM public key of your M2M certificate: enables OAuth 2.0 client credentials "
        "(client id sandbox-oauth2-client-id, certificate id sandbox-certificate-id)",
    )
    serve.add_argument(
        "--features",
        default=None,
        metavar="LIST",
        help="account features that are on, comma-separated: departments, classes, locations, "
        "multi_currency, oneworld, journal_approval; or all, none, default (everything but "
        "journal_approval, the default); a leading - turns one off (default,-classes). A "
        "feature that is off removes its fields and records as NetSuite does",
    )
    serve.add_argument(
        "--deleted-type-form",
        default="id",
        metavar="FORM",
        help="what DeletedRecord.type holds: id (invoice, creditmemo; default), code (CustInvc, "
        "CustCred) or label (Invoice, Credit Memo); recordtypeid always holds the id",
    )
    serve.add_argument(
        "--deleted-date-zone",
        default="account",
        metavar="ZONE",
        help="DeletedRecord.deleteddate in the account zone (account, default) or in utc; "
        "deleteddateusertz is always in the account zone",
    )
    serve.add_argument(
        "--subsidiaries",
        choices=["one", "several"],
        default="one",
        help="OneWorld with one subsidiary (default) or several: a USD parent, UK Ltd (GBP), "
        "Germany GmbH (EUR) and an elimination subsidiary, customers and documents spread over "
        "them, accounts restricted per subsidiary (as the demo runs it)",
    )

    add(
        "connect",
        cmd_connect,
        "Connect your data: check the NetSuite credentials and the role's permissions, profile "
        "the account (features, optional columns) and run every sync query once.",
    )

    crm_sub = group("crm", "CRM data (customers, sales orders).")
    crm_import = add(
        "import",
        cmd_crm_import,
        "Load CRM customers and sales order lines from CSV (upsert by id; all or nothing).",
        crm_sub,
    )
    crm_import.add_argument("--customers", type=Path, help="CSV: customer_id,customer_name")
    crm_import.add_argument(
        "--sales-orders",
        type=Path,
        help="CSV: customer_id,order_number,order_item_number,product_code,service_start_date,"
        "service_end_date,amount,currency,recognition",
    )

    period_sub = group("period", "Accounting periods (YYYY-MM).")
    period_set = add(
        "set",
        cmd_period_set,
        "Set the first open accounting period (go-live); invoice jobs then load the store.",
        period_sub,
    )
    period_set.add_argument("period", metavar="YYYY-MM")
    period_close = add(
        "close",
        cmd_period_close,
        "Close the oldest open period; the period-close sensor then posts its journals.",
        period_sub,
    )
    period_close.add_argument("period", metavar="YYYY-MM")
    period_reopen = add(
        "reopen",
        cmd_period_reopen,
        "Reopen the latest closed period to correct it (only while its NetSuite posting period "
        "is open). Its journal entries stay in NetSuite until you close it again; that close "
        "re-plans it from current data, replaces its entries by external id and deletes in "
        "NetSuite those the new plan no longer has. The superseded plan is kept in the store.",
        period_sub,
    )
    period_reopen.add_argument("period", metavar="YYYY-MM")

    mapping_sub = group("mapping", "The journal account mapping.")
    mapping_import = add(
        "import",
        cmd_mapping_import,
        "Replace the journal account mapping from CSV (account_type,netsuite_account_id,"
        "product_code,department,class,location,subsidiary[,cseg_*]); all or nothing.",
        mapping_sub,
    )
    mapping_import.add_argument("file", type=Path, metavar="FILE.csv")

    journals_sub = group("journals", "Revenue journal entries.")
    journals_post = add(
        "post",
        cmd_journals_post,
        "Run journal_posting_job now for a closed period (what the period-close sensor launches).",
        journals_sub,
    )
    journals_post.add_argument("period", metavar="YYYY-MM")
    journals_post.add_argument(
        "--replan",
        action="store_true",
        help="first recompute the period's frozen plan from current data (sales orders, "
        "billing, mapping); refused once any of its entries is in NetSuite",
    )

    explain = add(
        "explain",
        cmd_explain,
        "The audit trail of a planned period: every journal line with the event, customer and "
        "product amounts that compose it, each traced to its billing schedule lines (NetSuite "
        "document and line) and sales order lines; a catch-up of earlier periods shows as its "
        "own part against what was posted. The parts add up to each line to the cent.",
    )
    explain.add_argument("period", metavar="YYYY-MM", help="a closed period whose plan is frozen")
    explain.add_argument(
        "--account", metavar="ID", help="only the lines on this NetSuite account internal id"
    )
    explain.add_argument(
        "--customer", metavar="ID", help="only this CRM customer id's parts of each line"
    )

    waterfall = add(
        "waterfall",
        cmd_waterfall,
        "Print the deferred revenue waterfall of a closed period, computed from the store: per "
        "currency the contract value, recognized to date, RPO and cRPO (next 12 months) and the "
        "deferred revenue and unbilled receivable balances; per customer and currency the "
        "balances; per customer, currency and product the recognition still to come in each of "
        "the next 12 months and later.",
    )
    waterfall.add_argument("period", metavar="YYYY-MM", help="a closed accounting period")

    db_sub = group("db", "The RevRec store's schema.")
    db_upgrade = add(
        "upgrade",
        cmd_db_upgrade,
        "Create the RevRec store or upgrade it to the newest schema (Alembic migrations).",
        db_sub,
    )
    db_upgrade.add_argument("--revision", default="head", help="target revision (default head)")

    bulk = add(
        "import-bulk",
        cmd_import_bulk,
        "Load a reviewed conversion workbook (BillingSchedule tabs) into the store, all or nothing.",
    )
    bulk.add_argument("file", type=Path, metavar="FILE.xlsx")
    jobs = add("jobs", cmd_jobs, "List invoice jobs: kind, counts, recon status and workbook.")
    jobs.add_argument("--limit", type=int, default=50, help="most recent N jobs (default 50)")

    add(
        "sync",
        cmd_sync,
        "Run invoice_sync_job now, in process, on the configured Dagster instance.",
    )
    add(
        "status",
        cmd_status,
        "Show the NetSuite account profile, periods, notices, the last invoice job, journal "
        "postings and sync watermarks.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    load_dotenv_file()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear sentence, no traceback, for every known failure
        from revrec_pipeline.crm import CrmFileError
        from revrec_pipeline.invoices.bulk_import import WorkbookError
        from revrec_pipeline.journals.mapping import MappingError
        from revrec_pipeline.netsuite.errors import NetSuiteError
        from revrec_pipeline.store.periods import PeriodError

        known = (
            ConfigurationError,
            CrmFileError,
            NetSuiteError,
            CommandError,
            WorkbookError,
            PeriodError,
            MappingError,
        )
        if isinstance(exc, known):
            print(f"revrec: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            where = redact_url(load_settings().database_url)
            print(f"revrec: the RevRec store at {where} cannot be used: {cause}", file=sys.stderr)
            return EXIT_FAILURE
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
