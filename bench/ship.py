"""Ship and receive 10,000 units in one shipment, each beside its floor (DESIGN §7: under 2 s each).

    SQLITE_PATH=/tmp/bench-custody.sqlite3 .venv/bin/python bench/ship.py [--units 10000] [--rounds 3]
    DATABASE_URL=postgres://ppe:ppe@localhost/ppe_bench_custody .venv/bin/python bench/ship.py

Figure: ``shipment_send`` (draft with one line per unit, every rule checked, one conditional
UPDATE of the units, ten ObjectEvents of 1,000 EPCs with CBV 2.0 eventIDs, chain, EPC index) and
``shipment_receive`` of the whole shipment, each in its own transaction, on fresh units each round.
Floor: the bare writes the command cannot avoid, in one transaction: one UPDATE of the same unit
rows and a COPY (SQLite: executemany) of as many shipment-line rows.
"""

from __future__ import annotations

import argparse

from _common import median, setup, timed, vendor, world


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup("/tmp/bench-custody.sqlite3")

    from django.db import transaction

    from products.models import Shipment, ShipmentLine, Unit
    from products.services.custody import shipment_receive, shipment_send, unit_commission
    from products.services.custody._common import copy_rows

    maker, distributor, _enterprise, new_batch = world()

    def floor(ids: list[int], shipment: Shipment) -> None:
        with transaction.atomic():
            Unit.objects.filter(batch_id=Unit.objects.get(pk=ids[0]).batch_id).update(status="in_stock")
            copy_rows(ShipmentLine._meta.db_table, ("shipment_id", "unit_id", "quantity", "state"),
                       [(shipment.pk, u, 1, "received") for u in ids])

    floors, ships, receives = [], [], []
    for _round in range(args.rounds):
        batch = new_batch()
        unit_commission(batch=batch, count=args.units, actor=maker)
        ids = list(Unit.objects.filter(batch=batch).values_list("pk", flat=True))
        seconds, shipment = timed(shipment_send, actor=maker, receiver=distributor, units=ids)
        ships.append(seconds)
        seconds, shipment = timed(shipment_receive, shipment=shipment, actor=distributor)
        receives.append(seconds)
        assert shipment.state == "received"
        assert Unit.objects.filter(batch=batch, holder=distributor, status="in_stock").count() == args.units
        spare = Shipment.objects.create(sender=maker, receiver=distributor, reference="floor")
        seconds, _ = timed(floor, ids, spare)
        floors.append(seconds)
        print(f"round: floor {floors[-1]:.2f} s, ship {ships[-1]:.2f} s, receive {receives[-1]:.2f} s", flush=True)
    f, s, r = median(floors), median(ships), median(receives)
    print(f"database: {vendor()}  units per shipment: {args.units:,}  rounds: {args.rounds}")
    print(f"floor (UPDATE of the unit rows + {'COPY' if vendor() == 'postgresql' else 'executemany'} of the lines): {f:.2f} s")
    print(f"ship:    {s:.2f} s ({s / f:.1f}x the floor; target under 2 s)")
    print(f"receive: {r:.2f} s ({r / f:.1f}x the floor; target under 2 s)")


if __name__ == "__main__":
    main()
