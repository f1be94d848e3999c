"""Screen one new test report against 1,000,000 stored results (DESIGN §7: under 100 ms).

    SQLITE_PATH=/tmp/bench-screening.sqlite3 .venv/bin/python bench/screening.py [--results 1000000] [--runs 25]
    DATABASE_URL=postgres://ppe:ppe@localhost/ppe_bench_reports .venv/bin/python bench/screening.py

Builds the stored results itself: reports of 11 helmet items each on 1,000 batches, with their
fingerprints and value bands, written in bulk (COPY on PostgreSQL, executemany on SQLite). The database is migrated and emptied first:
never point it at real data. Figure: ``report_screen`` on a new report whose values copy one
stored report (all checks: copies by fingerprint and by shared value bands, reused
number, dates, laboratory, edition, statistics). Floor: one bare indexed lookup of a single
(item, value) pair in the same run. Medians of ``--runs`` timings after one warm-up.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traceability.settings")

ITEMS = [  # item, low, high, decimals
    ("impact_hot", 3000, 4700, 0), ("impact_cold", 3800, 4800, 0), ("impact_wet", 3300, 4500, 0),
    ("impact_uv", 3500, 4700, 0), ("chin_strap", 160, 240, 0), ("mass", 360, 425, 0), ("wearing_height", 81, 92, 1),
    ("vertical_clearance", 25, 45, 1), ("horizontal_clearance", 7, 16, 1),
]
PASS_FAIL = ["impact_fragments", "penetration"]


def setup() -> None:
    os.environ.setdefault("SQLITE_PATH", "/tmp/bench-screening.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", verbosity=0, interactive=False)
    call_command("migrate", "reports", "0001", verbosity=0)  # flush emptied the reference data: load it again
    call_command("migrate", "reports", verbosity=0)


def write_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Bulk insert: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection

    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def build(results_wanted: int):
    from django.db import connection, transaction
    from django.utils import timezone

    from products.models import Batch, ProductCategory, ProductModel
    from reports.models import Laboratory, ResultBand, Standard, TestReport, TestResult
    from reports.verdicts import bands, fingerprint
    from traceability.demo import demo_uscc
    from traceability.models import Organization
    from traceability.validators import gs1_check_digit

    rng = random.Random(7)
    maker = Organization.objects.create(name="基准制造商", uscc=demo_uscc("bench-m", "320500"), region="320500",
                                        is_manufacturer=True)
    lab_org = Organization.objects.create(name="基准实验室", uscc=demo_uscc("bench-l", "110100"), region="110100",
                                          is_laboratory=True)
    lab = Laboratory.objects.create(organization=lab_org, cma_number="110099990001",
                                    cma_valid_until=datetime.date(2035, 1, 1))
    standard = Standard.objects.get(designation="GB 2811-2019")
    lab.scope.add(standard)
    category = ProductCategory.objects.create(code="bench-helmet", name="安全帽")
    model = ProductModel.objects.create(manufacturer=maker, category=category, name="基准安全帽", model_number="B-1",
                                        gtin="0690999800001" + gs1_check_digit("0690999800001"),
                                        standard="GB 2811-2019", declared_claims={"class": "普通型"})
    specs = {s.code: s.pk for s in standard.test_items.all()}
    per_report = len(ITEMS) + len(PASS_FAIL)
    reports_wanted = results_wanted // per_report + 1
    batches = Batch.objects.bulk_create(
        [Batch(product_model=model, lot=f"B{i:05d}", production_date=datetime.date(2025, 1, 1),
               expiry_date=datetime.date(2028, 1, 1)) for i in range(1000)], batch_size=1000)
    batch_ids = [b.pk for b in batches]
    now = timezone.now().isoformat()
    reports, vectors, band_rows = [], [], []
    first_id = (TestReport.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    for i in range(reports_wanted):
        values = [(code, str(round(rng.uniform(low, high), decimals) if decimals else rng.randint(low, high)))
                  for code, low, high, decimals in ITEMS]
        vectors.append(values)
        vector = [(code, "", Decimal(v), []) for code, v in values]
        fp = fingerprint(vector)
        band_rows.extend((first_id + i, b) for b in bands(vector))
        reports.append((first_id + i, f"BR{i:07d}", "factory", lab.pk, model.pk, batch_ids[i % 1000], standard.pk,
                        standard.pk, "2025-01-05", "2025-01-06", "2025-01-08", "2025-01-10", "pass", "", "", fp,
                        "pass", "[]", "[]", None, now))
    report_cols = ["id", "number", "kind", "laboratory_id", "product_model_id", "batch_id", "standard_id",
                   "judged_by_id", "sample_received_on", "tested_from", "tested_until", "issued_on",
                   "stated_conclusion", "file", "file_sha256", "fingerprint", "verdict", "failed_items",
                   "missing_items", "submitted_by_id", "created_at"]
    result_cols = ["report_id", "spec_id", "item_code", "sample", "value", "values", "observed_pass",
                   "stated_verdict", "verdict", "limit_applied"]
    true = "t" if connection.vendor == "postgresql" else 1
    start = time.perf_counter()
    with transaction.atomic():
        write_rows(TestReport._meta.db_table, report_cols, reports)
        chunk: list[tuple] = []
        for offset, values in enumerate(vectors):
            rid = first_id + offset
            chunk.extend((rid, specs[code], code, "", v, "[]", None, "", "pass", "") for code, v in values)
            chunk.extend((rid, specs[code], code, "", None, "[]", true, "", "pass", "") for code in PASS_FAIL)
            if len(chunk) >= 100_000:
                write_rows(TestResult._meta.db_table, result_cols, chunk)
                chunk = []
        if chunk:
            write_rows(TestResult._meta.db_table, result_cols, chunk)
        write_rows(ResultBand._meta.db_table, ["report_id", "band"], band_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM " +
                           TestReport._meta.db_table + "))", [TestReport._meta.db_table])
            cursor.execute(f"ANALYZE {TestReport._meta.db_table}")
            cursor.execute(f"ANALYZE {TestResult._meta.db_table}")
            cursor.execute(f"ANALYZE {ResultBand._meta.db_table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    built = time.perf_counter() - start
    return lab, model, batches, vectors, standard, specs, built


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    setup()
    from django.db import connection

    from products.models import Batch
    from reports.models import TestResult
    from reports.screening import report_screen
    from reports.services import report_create

    lab, model, batches, vectors, standard, specs, built = build(args.results)
    stored = TestResult.objects.count()
    print(f"database: {connection.vendor}  stored results: {stored:,}  built in {built:.1f} s "
          f"({stored / built:,.0f} rows/s)", flush=True)

    # The new report copies stored report #12345's values onto another batch.
    copied = vectors[12345 % len(vectors)]
    batch = Batch.objects.create(product_model=model, lot="NEW01", production_date=datetime.date(2025, 6, 1),
                                 expiry_date=datetime.date(2028, 6, 1))
    results = [{"item_code": code, "value": v} for code, v in copied]
    results += [{"item_code": code, "observed_pass": True} for code in PASS_FAIL]
    report = report_create(laboratory=lab, kind="factory", number="NEW-0001", product_model=model, batch=batch,
                           standard=standard, sample_received_on=datetime.date(2025, 6, 5),
                           tested_from=datetime.date(2025, 6, 6), tested_until=datetime.date(2025, 6, 8),
                           issued_on=datetime.date(2025, 6, 10), results=results, screen=False)
    spec_id, value = specs[copied[0][0]], copied[0][1]

    def floor() -> None:
        list(TestResult.objects.filter(spec_id=spec_id, value=value).order_by().values_list("report_id", flat=True)[:1])

    findings = report_screen(report)  # warm-up, and the answer
    floors, figures, cpu = [], [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        floor()
        floors.append(time.perf_counter() - t)
        t, c = time.perf_counter(), time.process_time()
        report_screen(report)
        figures.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    f, s = statistics.median(floors) * 1000, statistics.median(figures) * 1000
    print("findings: " + "; ".join(f"{x.code} -> report {x.evidence.get('copied_report') or x.evidence.get('other_report')}"
                                   for x in findings))
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"floor (one indexed (item, value) lookup): median {f:.2f} ms")
    print(f"report_screen (all checks, one new report): median {s:.2f} ms, p90 "
          f"{sorted(figures)[int(len(figures) * 0.9) - 1] * 1000:.2f} ms, {s / f:.1f}x the floor; target < 100 ms")
    print(f"  of which this process's CPU: median {statistics.median(cpu) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
