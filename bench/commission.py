"""Commission N units of one batch (rows, serials, events) beside the raw floor (DESIGN §7).

    SQLITE_PATH=/tmp/bench-custody.sqlite3 .venv/bin/python bench/commission.py [--units 100000] [--rounds 3]
    DATABASE_URL=postgres://ppe:ppe@localhost/ppe_bench_custody .venv/bin/python bench/commission.py

Floor: the same unit rows (same columns, fresh random serials, same table and indexes) written
by one COPY on PostgreSQL, one ``executemany`` on SQLite, in one transaction. Figure:
``unit_commission`` — serials, unit rows, one ObjectEvent ADD per 1,000 EPCs with its CBV 2.0
eventID, the hash chain, the EPC index rows, batch quantity and flow — in one transaction.
Also prints the process's peak memory, which stays flat as N grows (chunks of 10,000 units):

    ... bench/commission.py --units 1000000 --rounds 1 --no-floor
"""

from __future__ import annotations

import argparse

from _common import median, rss_mb, setup, timed, vendor, world


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the floor (it holds all rows in memory): for the bounded-memory run of 1,000,000")
    args = parser.parse_args()
    setup("/tmp/bench-custody.sqlite3")

    from django.db import connection, transaction
    from django.utils import timezone

    from products.models import Event, Unit
    from products.services.chain import chain_verify
    from products.services.custody import unit_commission
    from products.services.custody._common import copy_rows
    from products.services.custody.commission import UNIT_COLUMNS
    from traceability.validators import new_serials

    maker, _distributor, _enterprise, new_batch = world()
    gtin = new_batch().product_model.gtin

    def floor(batch) -> None:
        now = Unit._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection)
        serials = new_serials(args.units)
        rows = [(batch.pk, gtin, s, "commissioned", "f" if vendor() == "postgresql" else 0, maker.pk, None, "", now, now)
                for s in serials]
        with transaction.atomic():
            copy_rows(Unit._meta.db_table, UNIT_COLUMNS, rows)

    floors, figures = [], []
    for _round in range(args.rounds):
        if not args.no_floor:
            seconds, _ = timed(floor, new_batch())
            floors.append(seconds)
        seconds, _ = timed(unit_commission, batch=new_batch(), count=args.units, actor=maker)
        figures.append(seconds)
        print(f"round: floor {floors[-1] if floors else 0:.2f} s, commission {figures[-1]:.2f} s, "
              f"peak memory {rss_mb():.0f} MB", flush=True)
    f, c = (median(floors) if floors else float("nan")), median(figures)
    print(f"database: {vendor()}  units: {args.units:,}  rounds: {args.rounds}")
    if floors:
        print(f"floor ({'COPY' if vendor() == 'postgresql' else 'executemany'} of the unit rows): "
              f"{f:.2f} s = {args.units / f:,.0f} rows/s")
    print(f"unit_commission: {c:.2f} s = {args.units / c:,.0f} units/s "
          f"({Event.objects.count()} events in the log)")
    if floors:
        print(f"ratio: {c / f:.2f}x the floor (target: within 5x)")
    print(f"peak memory: {rss_mb():.0f} MB")
    seconds, report = timed(chain_verify)
    print(f"chain verified: {report.ok} ({report.checked} events, {seconds:.1f} s)")


if __name__ == "__main__":
    main()
