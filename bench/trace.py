"""Recall trace of one batch: 1,000,000 units over 2,000 holders and 100,000 workers (DESIGN §7).

    SQLITE_PATH=/tmp/bench-trace.sqlite3 .venv/bin/python bench/trace.py [--units 1000000]
    DATABASE_URL=postgres://ppe:ppe@localhost/ppe_bench_custody .venv/bin/python bench/trace.py

The state is generated directly (seeded, so both databases get the same rows): one maker, 100
distributors, 1,899 enterprises with 100,000 workers; units spread over them (10% at the maker,
20% at distributors, 70% at enterprises of which half issued to workers, 1% in transit), and the
batch-flow edges the receipts would have written. Figures (medians of 5 runs):
- ``batch_affected_holders`` (who holds units now, how many with workers) — target under 500 ms on
  PostgreSQL; the answer's digest is printed so SQLite and PostgreSQL can be compared;
- ``batch_trace_downstream`` (the whole tree with every current and past holder);
floor: the bare ``SELECT holder_id, count(*) ... GROUP BY holder_id`` over the batch's units.
Neither query reads events, so the cost does not depend on how many events a unit has: the run
adds 3 more events naming every unit of a 100,000-unit slice and measures again.
"""

from __future__ import annotations

import argparse
import hashlib
import random

from _common import median, setup, timed, vendor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--holders", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="measure the data set a previous run left")
    args = parser.parse_args()
    setup("/tmp/bench-trace.sqlite3", flush=not args.reuse)

    from django.db import connection, transaction
    from django.utils import timezone

    from products.models import Batch, BatchFlow, ProductCategory, ProductModel, Unit, Worker
    from products.services.custody._common import copy_rows
    from traceability.demo import demo_uscc
    from traceability.models import Organization
    from traceability.validators import SERIAL_ALPHABET, gs1_check_digit

    rng = random.Random(20260101)
    now = timezone.now()
    db_now = Unit._meta.get_field("updated_at").get_db_prep_value(now, connection)
    false = "f" if vendor() == "postgresql" else 0
    if args.reuse:
        batch = Batch.objects.get(lot="R1", product_model__model_number="T-1")
        measure_all(batch, rng, now, args)
        return
    with transaction.atomic():
        orgs = [Organization(name=f"holder {i:04d}", uscc=demo_uscc(f"trace-{i}", "110100"), region="110100",
                             is_manufacturer=i == 0, is_distributor=1 <= i <= 100, is_enterprise=i > 100)
                for i in range(args.holders)]
        Organization.objects.bulk_create(orgs, batch_size=1000)
        orgs = list(Organization.objects.filter(uscc__in=[o.uscc for o in orgs]).order_by("name"))
        maker, distributors, enterprises = orgs[0], orgs[1:101], orgs[101:]
        category = ProductCategory.objects.create(code="trace-harness", name="安全带")
        payload = "0690777000001"
        model = ProductModel.objects.create(manufacturer=maker, category=category, name="全身式安全带",
                                            model_number="T-1", gtin=payload + gs1_check_digit(payload),
                                            standard="GB 6095-2021")
        batch = Batch.objects.create(product_model=model, lot="R1", production_date=now.date(), quantity=args.units)
        copy_rows(Worker._meta.db_table, ("enterprise_id", "employee_number", "name", "post", "department", "pseudonym",
                                          "active"),
                  [(enterprises[i % len(enterprises)].pk, f"W{i:06d}", "工人", "电工", "", f"WB{i:030d}",
                    "t" if vendor() == "postgresql" else 1) for i in range(args.workers)])
        workers_by_org: dict[int, list[int]] = {}
        for pk, org_id in Worker.objects.values_list("pk", "enterprise_id"):
            workers_by_org.setdefault(org_id, []).append(pk)
        flows: dict[tuple[int, int], int] = {(maker.pk, maker.pk): args.units}
        columns = ("batch_id", "gtin", "serial", "status", "recalled", "holder_id", "destination_id", "worker_id",
                   "retire_reason", "commissioned_at", "updated_at")
        chunk = []
        for i in range(args.units):
            serial = "".join(rng.choice(SERIAL_ALPHABET) for _ in range(12))
            roll = rng.random()
            destination = worker = None
            if roll < 0.10:
                holder, status = maker, "commissioned"
            elif roll < 0.11:
                holder, status = maker, "in_transit"
                destination = distributors[i % 100].pk
            elif roll < 0.31:
                holder, status = distributors[i % 100], "in_stock"
                flows[(maker.pk, holder.pk)] = flows.get((maker.pk, holder.pk), 0) + 1
            else:
                holder = enterprises[i % len(enterprises)]
                via = distributors[(i % len(enterprises)) % 100]  # each enterprise buys from one distributor
                flows[(maker.pk, via.pk)] = flows.get((maker.pk, via.pk), 0) + 1
                flows[(via.pk, holder.pk)] = flows.get((via.pk, holder.pk), 0) + 1
                if roll < 0.66:
                    status = "issued"
                    crew = workers_by_org[holder.pk]
                    worker = crew[i % len(crew)]
                else:
                    status = "in_stock"
            chunk.append((batch.pk, model.gtin, serial, status, false, holder.pk, destination, worker, "", db_now, db_now))
            if len(chunk) == 50_000:
                copy_rows(Unit._meta.db_table, columns, chunk)
                chunk = []
        if chunk:
            copy_rows(Unit._meta.db_table, columns, chunk)
        BatchFlow.objects.bulk_create([BatchFlow(batch=batch, source_id=s, destination_id=d, units=n, first_at=now,
                                                 last_at=now) for (s, d), n in flows.items()], batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vendor() == "postgresql" else "ANALYZE")
    print(f"database: {vendor()}  units: {args.units:,}  holders: {args.holders:,}  workers: {args.workers:,}  "
          f"flow edges: {len(flows):,}", flush=True)
    measure_all(batch, rng, now, args)


def measure_all(batch, rng, now, args) -> None:
    from django.db import connection, transaction

    from products.models import Event, Unit
    from products.selectors.trace import batch_affected_holders, batch_trace_downstream
    from traceability.models import Organization

    def floor():
        with connection.cursor() as cursor:
            cursor.execute("SELECT holder_id, count(*) FROM products_unit WHERE batch_id = %s GROUP BY holder_id",
                           [batch.pk])
            return cursor.fetchall()

    def measure(label: str):
        runs = {"floor": [], "affected": [], "tree": []}
        answer = tree = None
        for _ in range(5):
            runs["floor"].append(timed(floor)[0])
            seconds, answer = timed(batch_affected_holders, batch)
            runs["affected"].append(seconds)
            seconds, tree = timed(batch_trace_downstream, batch)
            runs["tree"].append(seconds)
        names = {o.pk: o.name for o in Organization.objects.filter(pk__in=[a[0] for a in answer])}
        named = hashlib.sha256(repr(sorted((names[o], h, w) for o, h, w in answer)).encode()).hexdigest()[:16]
        f, a, t = (median(runs[k]) * 1000 for k in ("floor", "affected", "tree"))
        print(f"[{label}] floor GROUP BY: {f:.0f} ms | affected holders: {a:.0f} ms ({a / f:.1f}x floor; target "
              f"< 500 ms on PostgreSQL) | full tree: {t:.0f} ms")
        print(f"[{label}] answer: {len(answer)} holders hold units now, {sum(h for _o, h, _w in answer):,} units, "
              f"{sum(w for _o, _h, w in answer):,} with workers; tree nodes {len(tree.holders)}; "
              f"digest by holder name {named}", flush=True)

    measure(f"{Event.objects.count()} events in the log")
    if args.reuse:
        return
    # More events per unit must not change the cost: add three events naming 100,000 of the units.
    from products.services.chain import events_append
    from traceability.gs1 import sgtin_epc

    sample = list(Unit.objects.filter(batch=batch).values_list("gtin", "serial")[:100_000])
    with transaction.atomic():
        for step in ("inspecting", "holding", "inspecting"):
            docs = [{"type": "ObjectEvent", "eventTime": now.isoformat(), "eventTimeZoneOffset": "+08:00",
                     "action": "OBSERVE", "bizStep": step, "eventID": f"urn:uuid:bench-{step}-{rng.random()}-{i}",
                     "epcList": [sgtin_epc(g, s) for g, s in sample[i:i + 1000]]} for i in range(0, len(sample), 1000)]
            events_append(docs)
    print(f"events in the log now: {Event.objects.count()}")
    measure("+3 events on 100k units")


if __name__ == "__main__":
    main()
