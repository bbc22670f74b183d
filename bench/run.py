"""Benchmarks with ratios measured in the same run (issue: performance and reliability).

    .venv/bin/python bench/run.py                 # 10k, 100k and 1M invoice lines
    .venv/bin/python bench/run.py --sizes 10000   # a quick run

Writes bench/RESULTS.md (machine, date, command, every figure and whether its target is met).
Each measurement runs in a fresh subprocess so that peak RSS belongs to that step alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LATENCY_MS, CONCURRENCY = 200, 4


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- steps (each runs in its own process) -----------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def step_extract(size: int, db_dir: str) -> dict:
    """The sandbox runs in its own process, as NetSuite is remote: no GIL shared with us."""
    import sqlite3
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    import requests

    from revrec_pipeline.netsuite.extract import Extractor
    from revrec_pipeline.netsuite.queries import CREDIT_MEMO, INVOICE
    from revrec_pipeline.netsuite.resource import NetSuiteResource
    from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
    from revrec_pipeline.store import RevRecStore

    started = time.perf_counter()
    sandbox_db = os.path.join(db_dir, "sandbox.db")
    dataset = generate_dataset(seed=1, size=size)
    config = SandboxConfig()
    NetSuiteSandbox(config, dataset, db_path=sandbox_db).close()  # load once, keep the file
    out: dict = {"generate_s": time.perf_counter() - started}
    out["lines_in_netsuite"] = dataset.counts()["item_lines"]
    del dataset
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "revrec_pipeline",
            "sandbox",
            "serve",
            "--db",
            sandbox_db,
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                requests.post(
                    f"{url}/sandbox/v1/config",
                    json={"latency_ms": LATENCY_MS, "max_concurrency": CONCURRENCY},
                    timeout=2,
                )
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        store = RevRecStore(f"sqlite:///{db_dir}/revrec.db")
        store.create_all()

        def run() -> tuple[float, dict, list]:
            resource_ = NetSuiteResource(
                account_id=config.account_id,
                consumer_key=config.consumer_key,
                consumer_secret=config.consumer_secret,
                token_id=config.token_id,
                token_secret=config.token_secret,
                base_url=url,
                timezone=config.timezone,
                max_concurrency=CONCURRENCY,
                backoff_base_seconds=0.05,
            )
            client = resource_.get_client()
            extractor = Extractor(client, store, ZoneInfo(config.timezone), timedelta(hours=1))
            streams = []
            cpu = time.process_time()
            begin = time.perf_counter()
            for name, extract in (
                ("customers", extractor.extract_customers),
                ("items", extractor.extract_items),
                ("invoices", lambda: extractor.extract_transactions(INVOICE)),
                ("credit memos", lambda: extractor.extract_transactions(CREDIT_MEMO)),
                # As the assets do: currencies only when a document names an unknown one.
                ("currencies", lambda: extractor.extract_currencies(when_needed=True)),
            ):
                requests_before, stream_began = client.stats.requests, time.perf_counter()
                extract()
                requests_ = client.stats.requests - requests_before
                streams.append((name, requests_, time.perf_counter() - stream_began))
            elapsed = time.perf_counter() - begin
            stats = {**client.stats.as_dict(), "client_cpu_s": time.process_time() - cpu}
            return elapsed, stats, streams

        full_s, full, streams = run()
        # Change 0.1% of the documents "now" (as NetSuite would stamp an edit), then re-run.
        with sqlite3.connect(sandbox_db) as db:
            ids = [r[0] for r in db.execute('SELECT id FROM "transaction" ORDER BY id')]
            changed = ids[:: max(1, len(ids) // max(1, len(ids) // 1000))][
                : max(1, len(ids) // 1000)
            ]
            db.executemany(
                'UPDATE "transaction" SET lastmodifieddate = ? WHERE id = ?',
                [("2026-11-25 09:00:00", doc) for doc in changed],
            )
        incremental_s, incremental, _ = run()
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = full["requests"] * LATENCY_MS / 1000 / CONCURRENCY
    out.update(
        full_s=full_s,
        full_requests=full["requests"],
        full_pages=full["pages"],
        full_retries=full["retries"],
        floor_s=floor,
        extraction_ratio=full_s / floor,
        changed_documents=len(changed),
        incremental_s=incremental_s,
        incremental_requests=incremental["requests"],
        incremental_request_ratio=incremental["requests"] / full["requests"],
        incremental_time_ratio=incremental_s / full_s,
        peak_rss_mb=_peak_rss_mb(),
        client_cpu_s=full["client_cpu_s"],
        streams=streams,
    )
    return out


def step_process(db_dir: str) -> dict:
    from revrec_pipeline.invoices.billing import classify_lines
    from revrec_pipeline.invoices.matching import match_customers
    from revrec_pipeline.invoices.recon import recon_details, recon_summary
    from revrec_pipeline.settings import parse_exclude_products
    from revrec_pipeline.store import RevRecStore
    from revrec_pipeline.store.invoices import read_invoice_inputs

    store = RevRecStore(f"sqlite:///{db_dir}/revrec.db")
    _load_crm(store, db_dir)
    begin = time.perf_counter()
    with store.read() as conn:
        inputs = read_invoice_inputs(conn)
    read_s = time.perf_counter() - begin
    begin = time.perf_counter()
    matches = match_customers(inputs.netsuite_customers, inputs.crm_customers)
    exclude = parse_exclude_products(
        '{"product": {"name": "Name", "values": ["Legacy Support Plan"]}}'
    )
    lines = classify_lines(
        inputs.headers, inputs.lines, inputs.items, inputs.currencies, matches, exclude
    )
    details = recon_details(lines.all_lines, lines.billing_schedule)
    recon_summary(details)
    process_s = time.perf_counter() - begin
    lines.billing_schedule.to_pickle(f"{db_dir}/billing.pkl")
    return {
        "read_s": read_s,
        "process_s": process_s,
        "billing_lines": len(lines.billing_schedule),
        "all_lines": len(lines.all_lines),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _load_crm(store, db_dir: str) -> None:
    from revrec_pipeline.crm import import_crm_files

    marker = Path(db_dir) / "crm.done"
    if marker.exists():
        return
    from revrec_pipeline.sandbox import NetSuiteSandbox

    with NetSuiteSandbox(db_path=f"{db_dir}/sandbox.db") as sb:
        customers = [
            (
                c["externalid"] or f"X{c['id']}",
                c["companyname"] or f"{c['firstname']} {c['lastname']}",
            )
            for c in sb.execute("SELECT * FROM customer")
        ]
    path = Path(db_dir) / "customers.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("customer_id,customer_name\n")
        for cid, name in customers:
            handle.write(f'{cid},"{name}"\n')
    import_crm_files(store, path, None)
    marker.write_text("ok")


def step_workbook(db_dir: str) -> dict:
    import pandas as pd
    import xlsxwriter

    from revrec_pipeline.invoices.workbook import BILLING_TAB, TABS, write_workbook

    billing = pd.read_pickle(f"{db_dir}/billing.pkl")
    begin = time.perf_counter()
    write_workbook(f"{db_dir}/ours.xlsx", {BILLING_TAB: billing})
    ours_s = time.perf_counter() - begin
    # The reference: XlsxWriter's constant_memory mode writing the same frame, row by row.
    columns = [c.source for c in TABS[BILLING_TAB]]
    frame = billing.reindex(columns=columns)
    begin = time.perf_counter()
    book = xlsxwriter.Workbook(f"{db_dir}/reference.xlsx", {"constant_memory": True})
    sheet = book.add_worksheet(BILLING_TAB)
    sheet.write_row(0, 0, columns)
    for index, row in enumerate(frame.itertuples(index=False), start=1):
        sheet.write_row(
            index,
            0,
            [
                None if v is None or v != v else v if isinstance(v, int | float | str) else str(v)
                for v in row
            ],
        )
    book.close()
    reference_s = time.perf_counter() - begin
    return {
        "rows": len(billing),
        "ours_s": ours_s,
        "reference_s": reference_s,
        "ratio": ours_s / reference_s,
        "peak_rss_mb": _peak_rss_mb(),
    }


def step_journals(order_lines: int = 100_000, periods: int = 36) -> dict:
    import numpy as np
    import pandas as pd

    from revrec_pipeline.journals.entries import build_entries, period_details
    from revrec_pipeline.journals.mapping import parse_mapping_csv
    from revrec_pipeline.journals.periods import periods_between
    from revrec_pipeline.journals.recognition import revenue_schedule

    rng = np.random.default_rng(7)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, order_lines), "D")
    length = rng.integers(0, 730, order_lines)
    orders = pd.DataFrame(
        {
            "customer_id": [f"C{i % 5000}" for i in range(order_lines)],
            "order_number": [f"SO-{i}" for i in range(order_lines)],
            "order_item_number": "1",
            "product_code": [f"P{i % 40}" for i in range(order_lines)],
            "currency": np.where(rng.random(order_lines) < 0.8, "USD", "EUR"),
            "service_start_date": start.date,
            "service_end_date": (start + pd.to_timedelta(length, "D")).date,
            "amount_cents": rng.integers(1_000, 10_000_000, order_lines),
            "recognition": np.where(rng.random(order_lines) < 0.9, "ratable", "point_in_time"),
        }
    )
    all_periods = periods_between("2024-01", "2026-12")[:periods]
    begin = time.perf_counter()
    schedule = revenue_schedule(orders, all_periods[0], all_periods[-1])
    schedule_s = time.perf_counter() - begin
    billing = orders.assign(
        period=pd.to_datetime(orders["service_start_date"]).dt.strftime("%Y-%m")
    )[["customer_id", "currency", "product_code", "period", "amount_cents"]]
    mapping = parse_mapping_csv(
        "account_type,netsuite_account_id,product_code\ncontra_revenue,63,\n"
        "deferred_revenue,58,\nrevenue,61,\nunbilled_receivable,54,\n"
    )
    begin = time.perf_counter()
    details = period_details(
        billing,
        orders,
        "2025-06",
        "2025-06",
        billing.iloc[0:0].assign(event="billing")[
            ["event", "customer_id", "currency", "product_code", "amount_cents"]
        ],
    )
    entries = build_entries(details, mapping, "2025-06")
    entries_s = time.perf_counter() - begin
    return {
        "order_lines": order_lines,
        "periods": len(all_periods),
        "schedule_rows": len(schedule),
        "schedule_s": schedule_s,
        "entries_s": entries_s,
        "entries": len(entries),
        "details": len(details),
        "peak_rss_mb": _peak_rss_mb(),
    }


# -- driver ---------------------------------------------------------------------------------------


def run_step(name: str, *args) -> dict:
    command = [sys.executable, __file__, "--step", name, *map(str, args)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"step {name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step = globals()[f"step_{args.step}"]
        converted = [int(a) if a.isdigit() else a for a in args.args]
        print(json.dumps(step(*converted)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {}
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as folder:
            print(f"[{size:,} lines] extraction ...", flush=True)
            extract = run_step("extract", size, folder)
            print(f"[{size:,} lines] processing ...", flush=True)
            process = run_step("process", folder)
            print(f"[{size:,} lines] workbook ...", flush=True)
            workbook = run_step("workbook", folder)
            results[size] = {"extract": extract, "process": process, "workbook": workbook}
            print(json.dumps(results[size], indent=1), flush=True)
    print("journals ...", flush=True)
    journals = run_step("journals")
    write_results(results, journals, " ".join(sys.argv[1:]))


ANALYSIS = """
## Reading the results

Measured after issue 9 (a client and sandbox faithful to the real NetSuite), on a slower machine
than the previous figures: XlsxWriter's own `constant_memory` writer, the workbook reference,
took 180 s for 0.78M rows here against 87 s for 0.90M rows before, so compare ratios, not
seconds, across the two runs.

- **What issue 9 changed.**
  - *Requests, full extraction:* the first sync profiles the account (13 one-row probes,
    counted under invoices, the first stream that needs the profile; repeated after 24 h).
    1M lines take 1,327 requests against 1,363 before. The generator now also makes
    structural, COGS and technical lines, which count towards the size, so about 17% fewer
    documents make up the same number of lines.
  - *Requests, incremental:* each document stream adds one query for documents whose lines
    changed without their header, plus a header and a line page per 1,000 such documents:
    13, 15 and 17 requests against 11. At 1M that is 1.28% of the full extraction's requests
    (target 1%): the line-change window costs the target at this size.
  - *Client CPU:* each line carries five more columns (item type, COGS and technical flags,
    the billing verdict, its own modification time). At 1M the client spends 94 s of CPU
    (38 s before, on the faster machine). Caching the account-local to UTC conversion (a
    document's lines share their stamps) took 100k from 11.2 s to 7.9 s of CPU.
- **Extraction against the floor.** At 1M the client's 94 s of CPU exceeds the 66 s network
  floor on this 2-core machine, which also runs the sandbox (the per-line SQL functions of the
  line query run there, inside the 200 ms response time). The run is CPU-bound at 1.82x. The
  remaining cost is SQLAlchemy's per-row parameter processing on insert and the Decimal
  conversions. Inserting lines through the driver with prepared tuples, or running the
  streams in parallel on a PostgreSQL store, is the next step (issue 13). At 10k and 100k the
  fixed sequential part (profile probes, one size query per stream, five streams one after
  another) dominates, as before.
- **Incremental time** is 2 to 5 s at every size: 4% of the full time at 1M (target met); at
  10k and 100k the 13 to 15 sequential requests are the floor of any sync.
- **Processing memory.** 1.6 GB peak for 0.80M lines is inside the 2 GB target but not by much:
  the frames hold Python objects (strings, Decimal quantities); categorical codes for the
  repeated text columns would roughly halve it if data sets grow further.
"""


# Sections that other scripts write into RESULTS.md; kept as they are when this one rewrites it.
OTHER_SECTIONS = ("## UI run vs `revrec sync`",)  # bench/ui_run.py


def _sections_of_other_scripts(path: Path) -> str:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = []
    for heading in OTHER_SECTIONS:
        start = text.find(heading)
        if start >= 0:
            end = text.find("\n## ", start + len(heading))
            kept.append(text[start : None if end < 0 else end + 1].rstrip("\n") + "\n")
    return "".join("\n" + section for section in kept)


def write_results(results: dict, journals: dict, argv: str) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}",
        f"- Machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- Command: `{' '.join(['.venv/bin/python bench/run.py', argv]).strip()}`",
        f"- Sandbox: {LATENCY_MS} ms latency per request, concurrency limit {CONCURRENCY}; "
        f"client NETSUITE_MAX_CONCURRENCY={CONCURRENCY}; store SQLite.",
        "",
        "## Extraction vs the network floor (target ≤ 1.25 × floor)",
        "",
        "floor = requests × latency ÷ concurrency, measured requests of the same run.",
        "",
        "| lines | requests | pages | 429 retries | full s | floor s | ratio | target |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results.values():
        e = r["extract"]
        lines.append(
            f"| {e['lines_in_netsuite']:,} | {e['full_requests']:,} | {e['full_pages']:,} | "
            f"{e['full_retries']} | {e['full_s']:.1f} | {e['floor_s']:.1f} | "
            f"{e['extraction_ratio']:.2f} | {verdict(e['extraction_ratio'] <= 1.25)} |"
        )
    lines += [
        "",
        "Profile of the full extraction, per stream (streams run one after another, each "
        "as its own transaction; pages inside a stream run in parallel id-range shards):",
        "",
        "| lines | stream | requests | s | its floor s | ratio | client CPU s (whole run) |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results.values():
        e = r["extract"]
        for name, count, seconds in e["streams"]:
            floor = count * LATENCY_MS / 1000 / CONCURRENCY
            lines.append(
                f"| {e['lines_in_netsuite']:,} | {name} | {count} | {seconds:.1f} | {floor:.1f} | "
                f"{seconds / floor if floor else 0:.2f} | {e['client_cpu_s']:.1f} |"
            )
    lines += [
        "",
        "## Incremental after changing 0.1% of documents (targets: ≤ 1% requests, ≤ 10% time)",
        "",
        "| lines | changed docs | requests | request ratio | s | time ratio | target |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results.values():
        e = r["extract"]
        ok = e["incremental_request_ratio"] <= 0.01 and e["incremental_time_ratio"] <= 0.10
        lines.append(
            f"| {e['lines_in_netsuite']:,} | {e['changed_documents']:,} | "
            f"{e['incremental_requests']} | {e['incremental_request_ratio']:.2%} | "
            f"{e['incremental_s']:.2f} | {e['incremental_time_ratio']:.2%} | {verdict(ok)} |"
        )
    lines += [
        "",
        "## Processing: matching, billing schedule, pending, recon (target ≤ 60 s, ≤ 2 GB RSS)",
        "",
        "| lines | read from store s | process s | peak RSS MB | target |",
        "|---:|---:|---:|---:|---|",
    ]
    for r in results.values():
        p = r["process"]
        ok = p["process_s"] <= 60 and p["peak_rss_mb"] <= 2048
        lines.append(
            f"| {p['all_lines']:,} | {p['read_s']:.1f} | {p['process_s']:.1f} | "
            f"{p['peak_rss_mb']:.0f} | {verdict(ok)} |"
        )
    lines += [
        "",
        "## Workbook vs XlsxWriter constant_memory on the same frame (target ≤ 1.5)",
        "",
        "| billing rows | ours s | reference s | ratio | peak RSS MB | target |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for r in results.values():
        w = r["workbook"]
        lines.append(
            f"| {w['rows']:,} | {w['ours_s']:.1f} | {w['reference_s']:.1f} | {w['ratio']:.2f} | "
            f"{w['peak_rss_mb']:.0f} | {verdict(w['ratio'] <= 1.5)} |"
        )
    j = journals
    lines += [
        "",
        "## Journals",
        "",
        f"{j['order_lines']:,} sales order lines × {j['periods']} periods: revenue schedule "
        f"{j['schedule_s']:.1f} s ({j['schedule_rows']:,} rows); one period's entries "
        f"{j['entries_s']:.1f} s ({j['details']:,} details → {j['entries']} entries); peak RSS "
        f"{j['peak_rss_mb']:.0f} MB.",
        "",
    ]
    lines += ANALYSIS.splitlines()
    path = ROOT / "bench" / "RESULTS.md"
    kept = _sections_of_other_scripts(path)
    path.write_text("\n".join(lines) + "\n" + kept, encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
